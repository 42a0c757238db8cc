"""Noisy points on y = 3x - 1, split 80/10/10."""
import numpy as np

from zoo.task import Splits


def points(count: int, seed: int) -> Splits:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (count, 1)).astype("float32")
    y = (3 * x - 1 + rng.normal(0, 0.01, x.shape)).astype("float32")
    a, b = int(0.8 * count), int(0.9 * count)
    return Splits((x[:a], y[:a]), (x[a:b], y[a:b]), (x[b:], y[b:]))
