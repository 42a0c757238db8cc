"""Image captioning: a CNN encoder and a Transformer decoder trained offline on rendered emoji
(captioned with their Unicode names) or openclipart drawings; image bytes in, caption out."""
from zoo.registry import TaskEntry

TASK_CLASS = "zoo.captioning.task:CaptioningTask"

TASKS = (
    TaskEntry("image_captioning", "captioning", TASK_CLASS,
              "caption rendered emoji with their Unicode names (CNN + Transformer decoder); image in, caption out"),
    TaskEntry("clipart_captioning", "captioning", TASK_CLASS,
              "caption openclipart drawings with their titles (noisier; renders 3,000 SVGs on first use)",
              {"dataset": "clipart", "max_images": 3000, "min_word_count": 2}, quickstart=False),
)
