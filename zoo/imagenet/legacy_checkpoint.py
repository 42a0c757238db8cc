"""Read a tensor state_dict from PyTorch's legacy (pre-zip) checkpoint format, without torch and
without running any code the file names.

A legacy `.pth` file is five pickles and then raw storages: the magic number, the format's
protocol version, system info (byte order), the saved object (tensors refer to their storages by
persistent id), the keys of the storages in the order their bytes follow; then per storage an
int64 element count and the elements' bytes.

Unpickling calls whatever callables a pickle names. `read_state_dict` resolves exactly the globals
a tensor state_dict needs (`collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, the
`torch.*Storage` types), each to a harmless stand-in, and refuses every other with
`UnsafeCheckpointError`; it never falls back to ordinary unpickling.

    state = read_state_dict(Path("efficientnet-lite0-57934424.pth"))
    state["_conv_stem.weight"].shape        # (32, 3, 3, 3), a float32 numpy array
"""
from __future__ import annotations

import collections
import dataclasses
import io
import pickle
import struct
from pathlib import Path

import numpy as np

from zoo.errors import ZooError

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_DTYPES = {
    "DoubleStorage": np.float64, "FloatStorage": np.float32, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class CheckpointError(ZooError):
    """The file is not a readable legacy PyTorch checkpoint (truncated, corrupt, other format)."""


class UnsafeCheckpointError(CheckpointError):
    """The checkpoint's pickle names a callable outside the tensor state_dict allowlist."""


@dataclasses.dataclass(frozen=True)
class _StorageType:
    dtype: type


@dataclasses.dataclass
class _Storage:
    key: str
    dtype: type
    size: int
    data: np.ndarray | None = None


@dataclasses.dataclass(frozen=True)
class _TensorRef:
    """A tensor as its pickle describes it; materialized once its storage's bytes are read."""

    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        data = self.storage.data
        if (len(self.shape) != len(self.stride) or any(n < 0 for n in self.shape)
                or any(s < 0 for s in self.stride) or self.offset < 0):
            raise CheckpointError(f"storage {self.storage.key}: inconsistent shape, stride or offset")
        last = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.stride)) if all(self.shape) else -1
        if last >= len(data):
            raise CheckpointError(f"storage {self.storage.key} has {len(data)} elements; a tensor reads past them")
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], self.shape, [s * data.itemsize for s in self.stride], writeable=False)
        return np.array(view)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None) -> _TensorRef:
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"a tensor is built from {type(storage).__name__}, not a storage")
    return _TensorRef(storage, int(storage_offset), tuple(int(n) for n in size), tuple(int(s) for s in stride))


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    **{("torch", name): _StorageType(dtype) for name, dtype in STORAGE_DTYPES.items()},
}


class _StateDictUnpickler(pickle.Unpickler):
    """Resolves only the allowlisted globals; storages become `_Storage` placeholders."""

    def __init__(self, data: io.BytesIO, storages: dict[str, _Storage]):
        super().__init__(data)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if (module, name) not in _ALLOWED:
            raise UnsafeCheckpointError(
                f"refusing to load {module}.{name}: a tensor state_dict only needs "
                "collections.OrderedDict, torch._utils._rebuild_tensor_v2 and torch.*Storage")
        return _ALLOWED[module, name]

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise CheckpointError(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, size, view = pid
        if not isinstance(storage_type, _StorageType) or view is not None:
            raise CheckpointError(f"storage {key!r}: unsupported type {storage_type!r} or storage view")
        storage = self.storages.setdefault(str(key), _Storage(str(key), storage_type.dtype, int(size)))
        if storage.dtype is not storage_type.dtype or storage.size != int(size):
            raise CheckpointError(f"storage {key!r} is declared twice with different types or sizes")
        return storage


def _load(data: io.BytesIO, storages: dict[str, _Storage]):
    try:
        return _StateDictUnpickler(data, storages).load()
    except CheckpointError:
        raise
    except Exception as error:  # a malformed pickle fails in many ways; all mean the same here
        raise CheckpointError(f"malformed pickle at byte {data.tell()} ({type(error).__name__}: {error})") from error


def _materialize(value):
    if isinstance(value, _TensorRef):
        return value.array()
    if isinstance(value, dict):
        return collections.OrderedDict((key, _materialize(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_materialize(item) for item in value)
    return value


def read_state_dict(path: Path) -> collections.OrderedDict[str, np.ndarray]:
    """The tensors of a legacy PyTorch checkpoint by name, as numpy arrays (see the module doc)."""
    try:
        data = io.BytesIO(Path(path).read_bytes())
    except OSError as error:
        raise CheckpointError(f"cannot read {path}: {error.strerror}") from error
    storages: dict[str, _Storage] = {}
    if _load(data, storages) != MAGIC_NUMBER:
        raise CheckpointError(f"{path} is not a legacy PyTorch checkpoint (wrong magic number)")
    if _load(data, storages) != PROTOCOL_VERSION:
        raise CheckpointError(f"{path}: unsupported legacy protocol version")
    info = _load(data, storages)
    if not isinstance(info, dict) or not info.get("little_endian"):
        raise CheckpointError(f"{path} was written on a big-endian machine; not supported")
    state = _load(data, storages)
    keys = _load(data, storages)
    if not isinstance(state, dict) or sorted(map(str, keys)) != sorted(storages):
        raise CheckpointError(f"{path}: the storage list does not match the tensors of the state_dict")
    for key in keys:
        storage = storages[str(key)]
        header = data.read(8)
        if len(header) < 8 or struct.unpack("<q", header)[0] != storage.size:
            raise CheckpointError(f"{path} is truncated or corrupt at storage {key} (byte {data.tell()})")
        raw = data.read(storage.size * np.dtype(storage.dtype).itemsize)
        if len(raw) < storage.size * np.dtype(storage.dtype).itemsize:
            raise CheckpointError(f"{path} is truncated in storage {key}")
        storage.data = np.frombuffer(raw, dtype=np.dtype(storage.dtype).newbyteorder("<"))
    return _materialize(state)
