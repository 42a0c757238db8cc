"""`python -m bench`: run every benchmark module in this folder, one after another."""
import importlib
import pkgutil
import sys
from pathlib import Path

for name in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")):
    module = importlib.import_module(f"bench.{name}")
    if hasattr(module, "main"):
        print(f"\n### bench.{name}", flush=True)
        module.main([])
