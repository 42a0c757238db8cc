"""`python -m serving inspect PATH`: what a SavedModel serves and what a server needs to run it.

PATH is a version directory (`exports/conv_autoencoder/3`) or a base path (its latest version
is shown). Prints signatures with their inputs and outputs, the custom ops the graph needs
(and which installed package provides them), device placements, warmup records and sizes.
Reads the files only; loads nothing into a session.

    python -m serving inspect exports/conv_autoencoder
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
from pathlib import Path

from serving.protocol.errors import ServingError
from serving.saved_model import CUSTOM_OP_PACKAGES, read_meta_graph, signatures
from serving.warmup import read_warmup_records


@dataclasses.dataclass
class Inspection:
    path: Path
    signatures: dict
    custom_ops: dict[str, str | None]
    placed_nodes: int
    warmup_records: int
    sizes: dict[str, int]

    def lines(self) -> list[str]:
        out = [f"SavedModel {self.path}"]
        for name, sig in self.signatures.items():
            out.append(f"  signature {name!r} ({sig.method_name})")
            out += [f"    input  {key}: {info.describe()}" for key, info in sig.inputs.items()]
            out += [f"    output {key}: {info.describe()}" for key, info in sig.outputs.items()]
        if self.custom_ops:
            out.append("  custom ops (the server must link them):")
            out += [f"    {op}: {provider or 'provider not installed here'}" for op, provider in self.custom_ops.items()]
        else:
            out.append("  custom ops: none (stock TensorFlow Serving runs it)")
        out.append(f"  device placements: {self.placed_nodes} nodes pinned to a device" if self.placed_nodes
                   else "  device placements: none (the same SavedModel runs on CPU, GPU or TPU servers)")
        out.append(f"  warmup records: {self.warmup_records}")
        out.append("  sizes: " + ", ".join(f"{key} {_human(value)}" for key, value in self.sizes.items()))
        return out


def resolve_version_dir(path: str | Path) -> Path:
    """`path` itself if it holds a SavedModel, else its highest integer subdirectory."""
    path = Path(path)
    if (path / "saved_model.pb").is_file():
        return path
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist")
    numbered = sorted((int(p.name) for p in path.iterdir() if p.is_dir() and p.name.isdigit()))
    if not numbered:
        raise FileNotFoundError(f"{path} holds no saved_model.pb and no integer version directories")
    return path / str(numbered[-1])


def inspect_saved_model(path: str | Path) -> Inspection:
    version_dir = resolve_version_dir(path)
    meta_graph = read_meta_graph(version_dir)
    ops = {node.op for node in meta_graph.graph_def.node}
    ops |= {node.op for function in meta_graph.graph_def.library.function for node in function.node_def}
    placed = sum(1 for node in meta_graph.graph_def.node if node.device)
    placed += sum(1 for f in meta_graph.graph_def.library.function for node in f.node_def if node.device)
    return Inspection(
        path=version_dir,
        signatures=signatures(meta_graph),
        custom_ops=custom_ops(ops),
        placed_nodes=placed,
        warmup_records=len(read_warmup_records(version_dir)),
        sizes=sizes(version_dir),
    )


def custom_ops(ops: set[str]) -> dict[str, str | None]:
    """Ops that core TensorFlow does not define, each with the installed package that does."""
    import tensorflow as tf
    from tensorflow.python.framework import op_def_registry

    providers: dict[str, str | None] = {
        op: None for op in sorted(ops) if not op.startswith("_") and not hasattr(tf.raw_ops, op)
    }
    for package in CUSTOM_OP_PACKAGES:
        if providers and importlib.util.find_spec(package) is not None:
            __import__(package)
            for op in providers:
                if providers[op] is None and op_def_registry.get(op) is not None:
                    providers[op] = package
    return providers


def sizes(version_dir: Path) -> dict[str, int]:
    def total(path: Path) -> int:
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0

    return {
        "graph": (version_dir / "saved_model.pb").stat().st_size,
        "variables": total(version_dir / "variables"),
        "assets": total(version_dir / "assets") + total(version_dir / "assets.extra"),
        "total": total(version_dir),
    }


def _human(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving inspect", description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a version directory or a model base path")
    args = parser.parse_args(argv)
    try:
        print("\n".join(inspect_saved_model(args.path).lines()))
    except (FileNotFoundError, ServingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
