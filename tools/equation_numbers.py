"""Sphinx extension: equations numbered by chapter, (3.2), on the page and in every {eq} reference.

The text, the code's printed output and gan_lib's docstrings call the k-th numbered equation of
chapter N "eq. (N.k)". Sphinx numbers equations per page, (1), (2), ..., when `math_numfig` is off,
and across the whole book when it is on and the table of contents is not numbered. With
`numfig` and `math_numfig` on, Sphinx keeps every page's equation numbers in
`env.toc_fignumbers[page]["displaymath"]`, and both the equation's own label and every {eq}
reference to it, from any page, are drawn from there. After Sphinx has filled it, this extension
rewrites each chapter's entries to (N, k): N from the notebook's file name (notebooks/03_... is
chapter 3), k the equation's place on its page. A page that is not a chapter keeps its
equations numbered (1), (2), ... on its own.
"""
from __future__ import annotations

import re

CHAPTER_PAGE = re.compile(r"(?:^|/)(\d\d)_[^/]*$")  # notebooks/03_algorithm_and_math -> 3


def chapter_of(docname: str) -> int | None:
    """The chapter number of a page from its name ('notebooks/03_algorithm_and_math' -> 3), or None."""
    match = CHAPTER_PAGE.search(docname)
    return int(match.group(1)) if match else None


def number_by_chapter(numbers: dict[str, tuple[int, ...]], chapter: int | None) -> dict[str, tuple[int, ...]]:
    """The page's equations (node id -> Sphinx's number) renumbered (chapter, k) in the order Sphinx
    numbered them, or (k,) for a page that is not a chapter."""
    ordered = sorted(numbers, key=lambda node_id: numbers[node_id])
    prefix = () if chapter is None else (chapter,)
    return {node_id: prefix + (k,) for k, node_id in enumerate(ordered, 1)}


def renumber_equations(app, env) -> list[str]:
    """`env-get-updated` handler (after Sphinx's own numbering): the pages whose numbers changed
    are returned, so that Sphinx writes them again."""
    changed = []
    for docname, kinds in env.toc_fignumbers.items():
        numbers = kinds.get("displaymath")
        if not numbers:
            continue
        renumbered = number_by_chapter(numbers, chapter_of(docname))
        if renumbered != numbers:
            kinds["displaymath"] = renumbered
            changed.append(docname)
    return changed


def require_numbering(app, config) -> None:
    """Sphinx keeps toc_fignumbers only with `numfig` and `math_numfig` both on."""
    config.numfig = True
    config.math_numfig = True


def setup(app):
    app.connect("config-inited", require_numbering)
    app.connect("env-get-updated", renumber_equations, priority=900)  # after the toctree collector (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
