"""A tiny translation run shared by the translation tests, trained once per session."""
import pytest
from translation_helpers import TinyRun, tiny_task


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> TinyRun:
    """A bidirectional GRU with additive attention, 64 units, 150 steps on the number words (~15 s)."""
    from zoo.training import train

    task = tiny_task(units=64, embedding_dim=32, steps_per_epoch=150)
    model = train(task, tmp_path_factory.mktemp("translation_models"), verbose=0)
    return TinyRun(task, model, task.endpoints(model))
