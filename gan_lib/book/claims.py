"""Tie a chapter's prose to its own run: claims checked with a margin, and numbers glued into the text.

A training run gives other float results on another CPU, another thread count or a GPU, so a
chapter never states "7 of 8 modes" as a fact. It states a *claim* that every run makes true
("all 8 modes captured"), checks it with `claim`, and shows the exact numbers of the reader's
own run in the text through `glue`:

    claim("modes captured, all 8", coverage.modes_captured, at_least=8)   # prints '... : True'
    glue("quick_modes", coverage.modes_captured)                          # {glue:text}`quick_modes`

`claim` prints one line that nbval compares, and raises `ClaimFailed` when the claim does not
hold, so a chapter whose demonstration stops working fails the book build instead of quietly
saying something false. Two environment variables serve `tools/claim_spread.py`, which measures
every claim under several kernel configurations:

- `GAN_BOOK_CLAIMS_LOG=FILE` appends each claim (its text, measured value and bounds) to FILE as
  a JSON line;
- `GAN_BOOK_CLAIMS=record` records a failed claim and prints `False` instead of raising.

`glue` is myst-nb's `glue` when myst-nb is installed (the book build) and a no-op elsewhere, so
the chapters also run in a plain Jupyter or on Colab.
"""
from __future__ import annotations

import json
import math
import os
import textwrap

from .tables import LINE_WIDTH, format_table, markdown_table

CLAIMS_LOG_VARIABLE = "GAN_BOOK_CLAIMS_LOG"
CLAIMS_MODE_VARIABLE = "GAN_BOOK_CLAIMS"


class ClaimFailed(AssertionError):
    """A chapter's claim about its run did not hold; the message gives the measured value and the bound."""


def _as_float(value) -> float:
    if hasattr(value, "item"):  # a 0-d tensor or numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, (int, float)):
        raise TypeError(f"claim value must be a number or a bool, got {type(value).__name__}")
    return float(value)


def claim_holds(value: float, at_least: float | None = None, at_most: float | None = None) -> bool:
    """True when `at_least <= value <= at_most` (a missing bound is no constraint; NaN never holds)."""
    if math.isnan(value):
        return False
    return (at_least is None or value >= at_least) and (at_most is None or value <= at_most)


def claim(text: str, value, *, at_least: float | None = None, at_most: float | None = None) -> None:
    """Check that the measured `value` lies within the bounds the chapter claims, print `text: True`.

    `value` is a number, or a bool for a claim that is simply true or false (then leave out the
    bounds: it must be True). Raises `ClaimFailed` when the claim does not hold, unless
    `$GAN_BOOK_CLAIMS` is `record`. With `$GAN_BOOK_CLAIMS_LOG` set, the claim and its measured
    value are appended to that file as one JSON line. Returns nothing, so that a notebook cell
    ending in a claim shows only the printed line.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("claim needs a text that says what is claimed, e.g. 'all 8 modes captured'")
    measured = _as_float(value)
    if at_least is None and at_most is None:
        if not isinstance(value, bool) and not (hasattr(value, "dtype") and str(value.dtype) == "torch.bool"):
            raise ValueError(f"claim {text!r}: a numeric value needs a bound (at_least= or at_most=)")
        at_least = 1.0  # a bool claim: True
    if at_least is not None and at_most is not None and at_least > at_most:
        raise ValueError(f"claim {text!r}: at_least={at_least} is above at_most={at_most}")
    holds = claim_holds(measured, at_least, at_most)
    log_path = os.environ.get(CLAIMS_LOG_VARIABLE)
    if log_path:
        record = {"claim": text, "value": measured, "at_least": at_least, "at_most": at_most, "holds": holds}
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
    if not holds and os.environ.get(CLAIMS_MODE_VARIABLE) != "record":
        bounds = " and ".join(f"{name} {bound:g}" for name, bound in (("at least", at_least), ("at most", at_most))
                              if bound is not None)
        raise ClaimFailed(f"the chapter claims {text!r}, but this run measured {measured:g} (the claim needs "
                          f"{bounds}). If you changed a setting above, that is the experiment's answer; if not, "
                          f"please report it with your CPU or GPU model: the margin recorded in "
                          f"notebooks/results/claim_spread.md did not cover this machine.")
    print(textwrap.fill(f"{text}: {holds}", LINE_WIDTH, subsequent_indent="    ", break_on_hyphens=False))


def glue(name: str, value, display: bool = False) -> None:
    """Store `value` under `name` for the page's text ({glue:text}`name` or {glue:text}`name:.2f`).

    myst-nb's `glue` when myst-nb is installed; otherwise nothing (the number is still in the
    notebook's variables). Plain Python numbers are stored, so the text can format them.
    """
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # plain Jupyter, Colab: no book to glue into
        return
    myst_glue(name, value, display=display)


def glue_all(prefix: str, values: dict, display: bool = False) -> None:
    """`glue(f"{prefix}_{key}", value)` for every item of `values` (a metrics dict, say)."""
    for key, value in values.items():
        glue(f"{prefix}_{key}", value, display=display)


class Table:
    """A table of result rows that a notebook shows as a real table.

    Jupyter and the book render its Markdown form (`markdown_table`); its plain-text form
    (`format_table`, aligned columns) is what `print`, a terminal and nbval's
    `text/plain` comparison see. Arguments as for `format_table`.
    """

    def __init__(self, rows, columns=None, digits: int = 2, headers=None, caption: str | None = None):
        self.caption = caption
        self.text = format_table(rows, columns, digits=digits, headers=headers)
        self.markdown = markdown_table(rows, columns, digits=digits, headers=headers)

    @classmethod
    def from_rows(cls, header, rows, caption: str | None = None) -> "Table":
        """A table of `rows`, lists of cells (numbers, or text already formatted), under the column names
        `header`."""
        header = list(header)
        for number, row in enumerate(rows, 1):
            if len(row) != len(header):
                raise ValueError(f"row {number} has {len(row)} cells for {len(header)} columns {header}: "
                                 "give one cell per column")
        return cls([dict(zip(header, row)) for row in rows], header, caption=caption)

    def __repr__(self) -> str:
        return f"{self.caption}\n{self.text}" if self.caption else self.text

    def _repr_markdown_(self) -> str:
        return f"{self.caption}\n\n{self.markdown}" if self.caption else self.markdown


__all__ = ["CLAIMS_LOG_VARIABLE", "CLAIMS_MODE_VARIABLE", "ClaimFailed", "Table", "claim", "claim_holds", "glue", "glue_all"]
