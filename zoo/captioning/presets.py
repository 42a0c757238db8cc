"""The captioning tasks the registry lists: each a named preset with its summary and config defaults."""
from zoo.task_entry import TaskEntry

TASK_CLASS = "zoo.captioning.task:CaptioningTask"

TASKS = (
    TaskEntry(
        name="image_captioning",
        family="captioning",
        task_class=TASK_CLASS,
        summary="caption rendered emoji with their Unicode names (CNN + Transformer decoder); image in, caption out",
    ),
    TaskEntry(
        name="clipart_captioning",
        family="captioning",
        task_class=TASK_CLASS,
        summary="caption openclipart drawings with their titles (noisier; renders 3,000 SVGs on first use)",
        defaults={"dataset": "clipart", "max_images": 3000, "min_word_count": 2},
        quickstart=False,
    ),
)
