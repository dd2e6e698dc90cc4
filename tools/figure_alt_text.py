"""Sphinx extension: every figure a chapter draws gets alt text from its caption.

A figure drawn by a code cell reaches the page as an image with no alt text of its own (docutils
then writes the image's file path as the alt text, which a screen reader reads out). Every such cell
is followed by its caption, a paragraph opening "**Figure N.k.**" (tests/test_book_structure.py
requires it), whose first sentences say what the figure shows. This extension copies them into the
alt text of each image the cell drew, without the TeX markup, so that the alt text and the caption
never disagree and a translated page gets translated alt text. An image that already has alt text
(a Markdown image, `mystnb: image: alt:` in the cell's metadata) keeps it; code cells without images
between the figure and its caption (claims about the figure) are passed over; an image with no caption
after it gets none, and tools/browser_check.py reports it.
"""
from __future__ import annotations

import re

from docutils import nodes

CAPTION_LABEL = re.compile(r"^(Figure [0-9A-Z]+\.\d+)\.\s*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
TEX_COMMAND = re.compile(r"\\(?:text|mathrm|operatorname|mathbb|mathcal)\s*\{([^{}]*)\}|\\([A-Za-z]+)\s*")
ALT_LENGTH = 200  # characters: enough for what the figure shows; the caption beside it says the rest


def plain_text(tex: str) -> str:
    """A caption's text with TeX reduced to what a screen reader can say: '$p_\\text{data}$' -> 'p_data'."""
    text = TEX_COMMAND.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), tex)
    return re.sub(r"\s+", " ", text.replace("{", "").replace("}", "").replace("$", "")).strip()


def alt_text_from_caption(caption: str) -> str | None:
    """The first sentences of a 'Figure N.k. ...' caption, up to about ALT_LENGTH characters, or None when
    the text is not a figure caption."""
    label = CAPTION_LABEL.match(caption)
    if not label:
        return None
    sentences = SENTENCE_END.split(plain_text(caption[label.end():]))
    alt = sentences[0]
    for sentence in sentences[1:]:
        if len(alt) + 1 + len(sentence) > ALT_LENGTH:
            break
        alt += " " + sentence
    return f"{label.group(1)}: {alt}"


def is_code_cell(node) -> bool:
    return isinstance(node, nodes.container) and "cell" in node.get("classes", [])


def caption_after(node: nodes.Element) -> str | None:
    """The text of the paragraph after `node` when it is a figure caption. Code cells without images in
    between (a cell of claims about the figure, say) are passed over, as in the chapters' own rule."""
    parent = node.parent
    if parent is None:
        return None
    for following in parent.children[parent.index(node) + 1:]:
        if isinstance(following, (nodes.target, nodes.comment)):
            continue
        if is_code_cell(following) and not any(following.findall(nodes.image)):
            continue
        if isinstance(following, nodes.paragraph):
            return alt_text_from_caption(following.astext())
        return None
    return None


def add_alt_text(app, doctree: nodes.document) -> None:
    """`doctree-read` handler: a code cell's images without alt text get their caption's first sentences."""
    for cell in doctree.findall(is_code_cell):
        images = [image for image in cell.findall(nodes.image) if not image.get("alt")]
        if not images:
            continue
        alt = caption_after(cell)
        if alt is None:
            continue
        for number, image in enumerate(images, 1):
            image["alt"] = alt if len(images) == 1 else f"{alt} (image {number} of {len(images)})"


def setup(app):
    app.connect("doctree-read", add_alt_text)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
