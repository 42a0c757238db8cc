"""The linear family's config."""
import dataclasses

from zoo.config import TaskConfig


@dataclasses.dataclass
class LinearConfig(TaskConfig):
    examples: int = 256
    """Noisy (x, 3x - 1) pairs to learn from."""
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 0.1
