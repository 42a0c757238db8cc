"""A Keras 3 model zoo whose every task exports to TensorFlow Serving and has a Gradio demo.

    import zoo
    zoo.tasks()                                       # names of every task
    task = zoo.get_task("conv_autoencoder", epochs=20)
    model = zoo.train(task)                           # checkpoints and resumes under models/
"""
from zoo.native_logs import import_tensorflow_quietly

import_tensorflow_quietly()  # before anything imports TensorFlow: no C++ start-up notices

from zoo.errors import ZooError  # noqa: E402
from zoo.registry import get_task, tasks  # noqa: E402


def train(task, workdir="models", **kwargs):
    """Train `task` under `workdir/<task name>` (see `zoo.training.train`)."""
    from zoo.training import train as _train

    return _train(task, workdir, **kwargs)


__all__ = ["ZooError", "get_task", "tasks", "train"]
