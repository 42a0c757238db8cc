"""What a tab offers to try: the task's endpoint examples (`Task.examples`), which need no model.

    first_example(task, "classify", "text")                  # 'I love the new update, works great!'
    example_files(task, "caption", "image_bytes", folder)    # the example images as files to show
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image


def first_example(task, endpoint: str, name: str):
    """The first row of input `name` of `endpoint`'s examples: what a tab shows first."""
    return task.examples()[endpoint][name][0]


def example_files(task, endpoint: str, name: str, folder: Path) -> list[str]:
    """The encoded images of input `name` of `endpoint`'s examples as PNG files in `folder`, for
    `gr.Examples`."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i, data in enumerate(task.examples()[endpoint][name]):
        path = folder / f"{task.name}_{endpoint}_{i}.png"
        if not path.is_file():
            Image.open(io.BytesIO(data)).convert("RGB").save(path)
        files.append(str(path))
    return files
