"""The linear family's tasks."""
from zoo.task_entry import TaskEntry

TASKS = (
    TaskEntry(
        name="linear",
        family="linear",
        task_class="zoo.linear.task:LinearTask",
        summary="y = 3x - 1 from noisy points",
    ),
)
