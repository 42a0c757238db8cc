"""The linear task: fit y = 3x - 1, serve `predict`."""
import functools
from pathlib import Path

import numpy as np
import tensorflow as tf

from zoo.linear.config import LinearConfig
from zoo.linear.data import points
from zoo.linear.models import build_line
from zoo.endpoint import Endpoint
from zoo.task import Report, Splits, Task


class LinearTask(Task):
    config_class = LinearConfig

    @functools.cached_property
    def split(self) -> Splits:
        return points(self.config.examples, self.config.seed)

    def datasets(self) -> Splits:
        def batches(pair):
            return tf.data.Dataset.from_tensor_slices(pair).batch(self.config.batch_size)
        return Splits(batches(self.split.train), batches(self.split.validation), batches(self.split.test))

    def build_model(self):
        return build_line()

    def evaluate(self, model, out_dir: Path) -> Report:
        x, y = self.split.test
        return Report({"test_mse": float(np.mean((model.predict(x, verbose=0) - y) ** 2))})

    def examples(self):
        return {"predict": {"x": np.array([[0.0], [1.0]], "float32")}}

    def endpoints(self, model):
        return [Endpoint("predict", lambda x: {"y": model(x)}, {"x": tf.TensorSpec([None, 1], tf.float32)},
                         self.examples()["predict"])]
