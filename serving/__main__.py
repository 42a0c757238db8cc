"""`python -m serving COMMAND ...`: `inspect` an export, `serve` exports like TF Serving."""
from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "inspect": "serving.export.inspect",
    "serve": "serving.server.model_server",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python -m serving {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[argv[0]]).main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
