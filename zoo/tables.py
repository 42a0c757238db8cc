"""Markdown tables for reports and the README.

    markdown_table(["code", "mse"], [[2, 0.05], [4, 0.03]])
"""
from __future__ import annotations

from typing import Sequence


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; floats are shown with 4 significant digits. Cells
    keep their text whole: line breaks become `<br>` and pipes are escaped, so a generated
    answer holding a code block stays in its cell."""

    def cell(value: object) -> str:
        text = f"{value:.4g}" if isinstance(value, float) else str(value)
        return text.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
