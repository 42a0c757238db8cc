"""Put a file or a directory in place with one rename, so a server polling for it never sees half.

    with staged(Path("exports/models.config"), replace=True) as temp:
        temp.write_text(text)              # readers see the old config or the new one
    with staged(base / "3", replace=False, prefix=".tmp-") as temp:
        write_version(temp)                # base/.tmp-3-<pid>-<random> until it becomes base/3

The staged path sits beside its target under a hidden name that carries the writer's process
id, so `remove_abandoned` can delete what a killed writer left without touching a live one's.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def staged(target: Path, *, replace: bool, prefix: str = ".") -> Iterator[Path]:
    """A fresh path beside `target` for the block to write; renamed to `target` when the block
    succeeds and removed when it fails. Without `replace`, a `target` that appeared meanwhile is
    kept and `FileExistsError` raised."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.parent / f"{prefix}{target.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        yield temp
        if not replace and target.exists():
            raise FileExistsError(f"{target} appeared while it was being written; nothing was replaced")
        os.replace(temp, target)
    finally:
        _remove(temp)


def remove_abandoned(directory: Path, prefix: str) -> list[Path]:
    """Delete the paths `staged` left under `prefix` in `directory` whose writer no longer runs."""
    removed = []
    for candidate in directory.glob(f"{prefix}*"):
        parts = candidate.name[len(prefix):].rsplit("-", 2)
        if len(parts) == 3 and parts[1].isdigit() and _process_alive(int(parts[1])):
            continue
        _remove(candidate)
        removed.append(candidate)
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
