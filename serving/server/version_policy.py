"""Which versions of a model should be loaded: TF Serving's `ServableVersionPolicy`.

A base path holds integer-named version directories; anything else (`.tmp-3-…`, `README`) is
not a version and is ignored, as TF Serving's file-system source does.

    policy = VersionPolicy.from_proto(model_config.model_version_policy)
    policy.aspired([1, 2, 3])                # latest{num_versions: 1} -> [3]
    integer_version_dirs("exports/conv_autoencoder")   # {1: Path(.../1), 2: Path(.../2)}
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Iterable

from tensorflow_serving.config import file_system_storage_path_source_pb2 as storage_pb2


@dataclasses.dataclass(frozen=True)
class VersionPolicy:
    """`latest` (the newest `num_versions`), `all`, or `specific` (the listed versions)."""

    kind: str = "latest"
    num_versions: int = 1
    versions: tuple[int, ...] = ()

    @classmethod
    def from_proto(cls, proto: storage_pb2.FileSystemStoragePathSourceConfig.ServableVersionPolicy) -> "VersionPolicy":
        which = proto.WhichOneof("policy_choice")
        if which == "all":
            return cls("all")
        if which == "specific":
            return cls("specific", versions=tuple(sorted(proto.specific.versions)))
        num_versions = proto.latest.num_versions if which == "latest" and proto.latest.num_versions else 1
        return cls("latest", num_versions=num_versions)

    def aspired(self, available: Iterable[int]) -> list[int]:
        """The versions to serve out of those present on disk, ascending."""
        present = sorted(set(available))
        if self.kind == "all":
            return present
        if self.kind == "specific":
            return [version for version in present if version in self.versions]
        return present[-self.num_versions:]


def integer_version_dirs(base_path: str | Path) -> dict[int, Path]:
    """The version directories under `base_path` by number; non-integer names are skipped."""
    base = Path(base_path)
    try:
        children = list(base.iterdir())
    except OSError:
        return {}
    return {int(child.name): child for child in children if child.name.isdigit() and child.is_dir()}
