"""Files others read: atomic writes, atomic directories, locks, the zoo's cache, file digests.

    write_atomically(Path("run/config.json"), text)         # readers see old or new, never half
    with atomic_directory(cache_dir("presets") / "smollm2") as tmp:
        build_into(tmp)                                      # renamed into place only on success
    with locked(Path("models/chatbot/.lock")):              # one process at a time in the block
        train_or_load()
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

CACHE_ENV = "ZOO_CACHE"


def cache_dir(*parts: str) -> Path:
    """`$ZOO_CACHE/<parts>` (default `.cache/` in the project root): derived data, rebuilt on demand."""
    root = Path(os.environ.get(CACHE_ENV, Path(__file__).resolve().parents[1] / ".cache"))
    return root.joinpath(*parts)


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old content or the new, never a partial one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """A temporary directory beside `target`, renamed to `target` when the block succeeds and
    removed when it fails, so `target` is either absent or complete. An existing `target` is
    replaced."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (checkpoints run to hundreds of MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def locked(path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on `path` (created if missing) for the block; another process
    asking for it waits until the block ends. The system releases it if the holder dies. With
    `wait=False`, a lock another process holds is not waited for: the block runs without it,
    and the context value (True when held) says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
