"""The legacy-checkpoint reader returns exactly the tensors written, and refuses any pickle that
names a callable outside the tensor state_dict allowlist, without running it."""
import os
import pickle

import numpy as np
import pytest

from legacy_helpers import legacy_checkpoint
from zoo.imagenet.legacy_checkpoint import CheckpointError, UnsafeCheckpointError, read_state_dict


def test_tensors_views_and_dtypes_round_trip(tmp_path):
    weight = np.arange(24, dtype="float32").reshape(2, 3, 4) / 7
    steps = np.array(5, "int64")
    path = tmp_path / "model.pth"
    path.write_bytes(legacy_checkpoint(
        {"weight": weight, "steps": steps},
        views={"weight_t": ("weight", 0, (4, 6), (1, 4)), "second": ("weight", 12, (3, 4), (4, 1))}))
    state = read_state_dict(path)
    assert list(state) == ["weight", "steps", "weight_t", "second"]
    np.testing.assert_array_equal(state["weight"], weight)
    assert state["weight"].dtype == np.float32 and state["steps"].dtype == np.int64 and state["steps"] == 5
    np.testing.assert_array_equal(state["weight_t"], weight.reshape(6, 4).T)
    np.testing.assert_array_equal(state["second"], weight[1])
    assert state["weight_t"].flags.writeable, "arrays are copies, not views of the file's bytes"


class RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("position", [0, 3])
def test_a_pickle_calling_os_system_is_refused_and_never_runs(tmp_path, position):
    marker = tmp_path / "pwned"
    good = legacy_checkpoint({"w": np.ones(3, "float32")})
    evil = pickle.dumps({"w": RunsShell(marker)}, protocol=2)
    header = b"".join(pickle.dumps(v, protocol=2) for v in (0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}))
    path = tmp_path / "evil.pth"
    path.write_bytes(evil + good if position == 0 else header + evil + pickle.dumps([], protocol=2))
    with pytest.raises(UnsafeCheckpointError, match=r"refusing to load posix\.system"):
        read_state_dict(path)
    assert not marker.exists()


def test_other_globals_are_refused_too(tmp_path):
    path = tmp_path / "eval.pth"
    path.write_bytes(b"\x80\x02cbuiltins\neval\nX\x06\x00\x00\x001 + 1\x85R.")
    with pytest.raises(UnsafeCheckpointError, match=r"builtins\.eval"):
        read_state_dict(path)


def test_truncated_and_foreign_files_are_clear_errors(tmp_path):
    data = legacy_checkpoint({"w": np.ones((64, 64), "float32")})
    (tmp_path / "short.pth").write_bytes(data[:-100])
    with pytest.raises(CheckpointError, match="truncated in storage"):
        read_state_dict(tmp_path / "short.pth")
    (tmp_path / "zip.pth").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(CheckpointError, match="malformed pickle"):
        read_state_dict(tmp_path / "zip.pth")
    with pytest.raises(CheckpointError, match="cannot read"):
        read_state_dict(tmp_path / "missing.pth")
