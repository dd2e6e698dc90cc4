"""Rows of results (plain dicts: one run, or one group of runs, per row) as tables: aligned plain text for
a notebook's output, a Markdown pipe table for a page or a results file."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

from ..validation import is_number  # a bool is shown as True/False, not right-aligned

LINE_WIDTH = 88  # characters: what the book's code boxes show at 1280 px (book/_static/layout.css)


def _cell(value, digits: int) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.{digits}f}"
    return str(value)


def _shows_a_number(value) -> bool:
    """A number, a missing value (None, '-'), or a number already formatted as text ('0.52', '3.1e-04', 'inf',
    '74.3%')."""
    if is_number(value) or value is None or value == "-":
        return True
    if not isinstance(value, str):
        return False
    try:
        float(value.removesuffix("%"))
    except ValueError:
        return False
    return True


def _numeric_columns(rows: Sequence[dict], columns: Sequence[str]) -> list[bool]:
    """Which columns hold only numbers: they are right-aligned."""
    return [all(_shows_a_number(row.get(c)) for row in rows) for c in columns]


def format_table(rows: Sequence[dict], columns: Sequence[str] | None = None, digits: int = 2,
                 headers: Mapping[str, str] | None = None) -> str:
    """A plain-text table of `rows`: one line per row, columns aligned, floats with `digits` decimals
    (NaN shows as '-'). `headers` renames columns for display."""
    if not rows:
        raise ValueError("no rows to format")
    columns = list(columns or rows[0])
    headers = dict(headers or {})
    cells = [[headers.get(c, c) for c in columns]] + [[_cell(row.get(c), digits) for c in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    numeric = _numeric_columns(rows, columns)
    lines = []
    for line in cells:
        lines.append("  ".join(text.rjust(w) if right else text.ljust(w)
                               for text, w, right in zip(line, widths, numeric)).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[dict], columns: Sequence[str] | None = None, digits: int = 2,
                   headers: Mapping[str, str] | None = None) -> str:
    """The same table as `format_table`, as a Markdown pipe table (numeric columns right-aligned)."""
    if not rows:
        raise ValueError("no rows to format")
    columns = list(columns or rows[0])
    headers = dict(headers or {})
    numeric = _numeric_columns(rows, columns)
    escape = lambda text: text.replace("|", "\\|")  # noqa: E731 - a pipe would end the cell
    lines = ["| " + " | ".join(escape(headers.get(c, c)) for c in columns) + " |",
             "|" + "|".join("---:" if right else ":---" for right in numeric) + "|"]
    lines += ["| " + " | ".join(escape(_cell(row.get(c), digits)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


__all__ = ["LINE_WIDTH", "format_table", "markdown_table"]
