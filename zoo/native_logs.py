"""Import TensorFlow without its C++ start-up notices reaching the console.

Importing TensorFlow prints absl's "All log messages before absl::InitializeLog() ..." line and
oneDNN / CUDA notices straight to file descriptor 2, whatever Python does with `sys.stderr`.
The command line imports TensorFlow through this first, with descriptor 2 pointed at /dev/null
for the import only, unless `TF_CPP_MIN_LOG_LEVEL` asks for TensorFlow's notices (below 3).

    import_tensorflow_quietly()
    import tensorflow as tf          # already imported: no output
"""
from __future__ import annotations

import os
import sys


def import_tensorflow_quietly() -> None:
    """Import TensorFlow with its native start-up output discarded (a Python error still shows)."""
    if "tensorflow" in sys.modules or _wanted_log_level() < 3:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _wanted_log_level() -> int:
    try:
        return int(os.environ.get("TF_CPP_MIN_LOG_LEVEL") or 3)
    except ValueError:
        return 3
