"""Every task the zoo knows, by name. A family lists its tasks as `TASKS` in
`zoo/<family>/presets.py` (see `zoo.task_entry`); adding the family's name to `FAMILIES`
registers them.

    zoo.tasks()                                    # ['conv_autoencoder', ...]
    task = zoo.get_task("conv_autoencoder", code_size=4)
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Mapping

from zoo.config import TaskConfig
from zoo.errors import ZooError
from zoo.task import Task
from zoo.task_entry import TaskEntry


FAMILIES: tuple[str, ...] = ("autoencoders", "gpt2", "bert", "captioning", "translation", "imagenet")
"""Packages under `zoo/` whose `presets.TASKS` tuple of `TaskEntry` registers their tasks."""


def entries() -> dict[str, TaskEntry]:
    """Every registered task by name, in family order."""
    found: dict[str, TaskEntry] = {}
    for family in FAMILIES:
        for entry in importlib.import_module(f"zoo.{family}.presets").TASKS:
            if entry.name in found:
                raise RuntimeError(f"task {entry.name!r} is registered twice")
            found[entry.name] = entry
    return found


def tasks() -> list[str]:
    """Names of all registered tasks."""
    return list(entries())


def get_entry(name: str) -> TaskEntry:
    known = entries()
    if name not in known:
        raise ZooError(f"unknown task {name!r}; available: {', '.join(known)}")
    return known[name]


def get_task(name: str, config: TaskConfig | dict[str, Any] | None = None, *,
             dependencies: Mapping[str, Path] | None = None, **overrides: Any) -> Task:
    """Instantiate task `name` with its registered defaults, then `config`, then `overrides`;
    `dependencies` are the trained model files of the tasks it `requires()`."""
    entry = get_entry(name)
    task_class = entry.load_class()
    if isinstance(config, task_class.config_class) and not overrides:
        return task_class(name, config, dependencies)
    if isinstance(config, TaskConfig):
        values = config.to_dict()
    else:
        values = {**entry.defaults, **(config or {})}
    values.update(overrides)
    return task_class(name, task_class.config_class.from_dict(values), dependencies)
