"""Everyday test sets: short inputs written by hand, the way a new user types them, never trained on.

Each task's set is a JSON-lines file in `tests/data/everyday/<task>.jsonl`, one item per line; the
task's `evaluate` reads it with `everyday_items` and reports its score beside the in-distribution
test split.

    items = everyday_items("bert_ner")    # [{"text": "Tim Cook runs Apple.", "entities": [...]}, ...]
    comparable("¿Dónde está?") == comparable("dónde está")   # True: how training data is checked against a set
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from zoo.errors import ZooError

EVERYDAY_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "everyday"


def everyday_path(task_name: str) -> Path:
    """The everyday set of task `task_name`."""
    return EVERYDAY_DIR / f"{task_name}.jsonl"


def everyday_items(task_name: str, required: tuple[str, ...] = ()) -> list[dict]:
    """The items of `task_name`'s everyday set, each checked to have the `required` keys."""
    path = everyday_path(task_name)
    if not path.is_file():
        raise ZooError(f"no everyday set for {task_name}: expected {path}")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            raise ZooError(f"{path}:{number}: not JSON ({error.msg})") from error
        missing = [key for key in required if key not in item]
        if missing:
            raise ZooError(f"{path}:{number}: missing {', '.join(missing)}")
        items.append(item)
    return items


def comparable(text: str) -> str:
    """`text` in lower case, its words only: the form in which training data is kept free of everyday items."""
    return " ".join(re.findall(r"\w+", text.lower()))
