"""A registered task: its name, family, the class implementing it, and its config defaults.

Each family lists its tasks as named, documented presets in `zoo/<family>/presets.py`:

    TASKS = (
        TaskEntry(
            name="conv_autoencoder",
            family="autoencoders",
            task_class="zoo.autoencoders.task:AutoencoderTask",
            summary="convolutional autoencoder on handwritten digits, compared with PCA",
            defaults={"kind": "conv"},
        ),
    )
"""
from __future__ import annotations

import dataclasses
import importlib
from typing import Any


@dataclasses.dataclass(frozen=True)
class TaskEntry:
    """A registered task: its family, the class implementing it, and its config defaults."""

    name: str
    """What the command line, the registry and the server call it."""
    family: str
    """The package under `zoo/` it belongs to."""
    task_class: str
    """"module:Class" of its `Task`, imported only when the task is used."""
    summary: str
    """One line for `python -m zoo list`."""
    defaults: dict[str, Any] = dataclasses.field(default_factory=dict)
    """Config values that differ from its config class's defaults."""
    quickstart: bool = True
    """Whether `make demo` builds and serves it."""

    def load_class(self) -> type[Task]:
        module, _, attr = self.task_class.partition(":")
        return getattr(importlib.import_module(module), attr)
