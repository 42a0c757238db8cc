"""What a tab offers to try: the task's endpoint examples (`Task.examples`), which need no model.

    first_example(task, "classify", "text")                  # 'I love the new update, works great!'
    example_files(task, "caption", "image_bytes", folder)    # the example images as files to show
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image

from zoo.io import write_atomically


def first_example(task, endpoint: str, name: str):
    """The first row of input `name` of `endpoint`'s examples: what a tab shows first."""
    return task.examples()[endpoint][name][0]


def example_files(task, endpoint: str, name: str, folder: Path) -> list[str]:
    """The encoded images of input `name` of `endpoint`'s examples as PNG files in `folder`, for
    `gr.Examples`; each named after its content and written atomically, so a file is whole and
    of the current examples."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for data in task.examples()[endpoint][name]:
        path = folder / f"{task.name}_{hashlib.sha256(data).hexdigest()[:16]}.png"
        if not path.is_file():
            png = io.BytesIO()
            Image.open(io.BytesIO(data)).convert("RGB").save(png, format="PNG")
            write_atomically(path, png.getvalue())
        files.append(str(path))
    return files
