"""A Keras 3 model zoo whose every task exports to TensorFlow Serving and has a Gradio demo.

    import zoo
    zoo.tasks()                                       # names of every task
    task = zoo.get_task("conv_autoencoder", epochs=20)
    model = zoo.train(task)                           # checkpoints and resumes under models/
"""
from zoo.errors import ZooError
from zoo.registry import get_task, tasks


def train(task, workdir="models", **kwargs):
    """Train `task` under `workdir/<task name>` (see `zoo.training.train`)."""
    from zoo.training import train as _train

    return _train(task, workdir, **kwargs)


__all__ = ["ZooError", "get_task", "tasks", "train"]
