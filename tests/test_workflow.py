"""The workflow's record of what is current: a model file's digest follows the file."""
import os

from zoo.io import file_sha256
from zoo.workflow import Workflow


def test_a_model_digest_is_of_the_file_as_it_is_now(tmp_path):
    flow = Workflow(tmp_path / "models", tmp_path / "exports")
    model = flow.run("dense_autoencoder").model
    model.parent.mkdir(parents=True)
    model.write_bytes(b"first weights")
    first = flow.model_digest("dense_autoencoder")
    assert first == file_sha256(model) == flow.model_digest("dense_autoencoder")
    model.write_bytes(b"retrained weights")
    os.utime(model, ns=(model.stat().st_atime_ns, model.stat().st_mtime_ns + 1_000_000))
    assert flow.model_digest("dense_autoencoder") == file_sha256(model) != first
