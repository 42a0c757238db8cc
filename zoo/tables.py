"""Markdown tables for reports and the README.

    markdown_table(["code", "mse"], [[2, 0.05], [4, 0.03]])
"""
from __future__ import annotations

import html
import re
from typing import Sequence

_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:\n?```|$)", re.DOTALL)
"""A fenced code block: its info string ("python") and its code, closed or running to the end."""
_MARKDOWN_IN_CODE = {"|": "&#124;", "`": "&#96;", "*": "&#42;", "_": "&#95;", "\\": "&#92;", "[": "&#91;",
                     "]": "&#93;", "~": "&#126;", "#": "&#35;"}


def _inline_code(code: str) -> str:
    """A code block as one-cell HTML: `<code>` with its lines as `<br>`, indentation as
    non-breaking spaces, and every character markdown or HTML would read escaped."""
    text = html.escape(code, quote=False).translate(str.maketrans(_MARKDOWN_IN_CODE))
    text = re.sub(r"(?m)^ +| {2,}", lambda m: "&nbsp;" * len(m.group()), text)
    return "<code>" + text.replace("\r\n", "\n").replace("\n", "<br>") + "</code>"


def _cell(value: object) -> str:
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    parts = []
    for index, piece in enumerate(_FENCE.split(text)):
        if index % 2:
            parts.append(_inline_code(piece))
        else:
            parts.append(piece.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>"))
    return "".join(parts)


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table; floats are shown with 4 significant digits. Cells
    keep their text whole: line breaks become `<br>`, pipes are escaped, and a fenced code
    block (a generated answer may hold one, closed or not) becomes `<code>` with its lines and
    indentation kept, since a table cell cannot hold a block."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
