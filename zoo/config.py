"""Task configs: one plain dataclass per task, serializable to JSON and settable from the CLI.

    @dataclasses.dataclass
    class MyConfig(TaskConfig):
        units: int = 32

    config = MyConfig.from_dict({"units": 64})
    config.replace_from_strings(["epochs=3"])       # what `--set epochs=3` does
    MyConfig.from_dict(config.to_dict()) == config  # True
"""
from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any, Self

from zoo.errors import ZooError


@dataclasses.dataclass
class TaskConfig:
    """Fields every task has: its training defaults and seed. Subclasses add their own."""

    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    seed: int = 0

    @classmethod
    def field_types(cls) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        return {f.name: hints[f.name] for f in dataclasses.fields(cls)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Self:
        """Build a config, rejecting unknown keys and values of the wrong type."""
        types = cls.field_types()
        unknown = sorted(set(values) - set(types))
        if unknown:
            raise ZooError(f"{cls.__name__} has no field(s) {unknown}; valid fields: {sorted(types)}")
        return cls(**{k: _coerce(k, v, types[k]) for k, v in values.items()})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def replace_from_strings(self, assignments: list[str]) -> Self:
        """Apply `key=value` strings (JSON values, or bare strings) and return the new config."""
        values = self.to_dict()
        for assignment in assignments:
            key, sep, raw = assignment.partition("=")
            if not sep:
                raise ZooError(f"expected key=value, got {assignment!r}")
            try:
                values[key.strip()] = json.loads(raw)
            except json.JSONDecodeError:
                values[key.strip()] = raw
        return type(self).from_dict(values)


def _coerce(name: str, value: Any, kind: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin is typing.Literal:
        if value not in typing.get_args(kind):
            raise ZooError(f"config field '{name}' must be one of {list(typing.get_args(kind))}, got {value!r}")
        return value
    if origin is tuple:
        item_type = typing.get_args(kind)[0]
        if not isinstance(value, (list, tuple)):
            raise ZooError(f"config field '{name}' expects a list, got {value!r}")
        return tuple(_coerce(name, v, item_type) for v in value)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind in (int, float, str, bool) and not (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        raise ZooError(f"config field '{name}' expects {kind.__name__}, got {value!r}")
    return value
