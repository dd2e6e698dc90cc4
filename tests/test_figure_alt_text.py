"""A figure drawn by a code cell gets its caption's first sentences as alt text (tools/figure_alt_text.py):
the caption parsing on known captions, and a two-page book built and its HTML read back."""
import base64
import io
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from .conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
figure_alt_text = load_tool("figure_alt_text")


def test_the_alt_text_is_the_caption_s_first_sentences_without_tex():
    caption = ("Figure 5.1. Two 200-step runs on the ring where $D$ takes five steps at learning rate "
               "$10^{-3}$ per generator step. Left: the norm of $G$'s gradient. Right: $D$'s mean "
               "probability that the generated points are real, far below $p_\\text{data}$ in this run.")
    assert figure_alt_text.alt_text_from_caption(caption) == (
        "Figure 5.1: Two 200-step runs on the ring where D takes five steps at learning rate 10^-3 per "
        "generator step. Left: the norm of G's gradient.")
    assert figure_alt_text.plain_text(r"$\mathcal{N}(0, \sigma^2)$ and $\operatorname{Tr}(\Sigma)$") == \
        "N(0, sigma^2) and Tr(Sigma)"
    assert figure_alt_text.alt_text_from_caption("Table 4.1. Not a figure.") is None
    assert figure_alt_text.alt_text_from_caption("A paragraph that mentions Figure 4.1.") is None


def png_output() -> dict:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buffer, format="PNG")
    return nbformat.v4.new_output("display_data", {"image/png": base64.b64encode(buffer.getvalue()).decode(),
                                                   "text/plain": "<Figure>"})


def chapter_notebook() -> nbformat.NotebookNode:
    captioned = nbformat.v4.new_code_cell("plt.show()", outputs=[png_output()])
    uncaptioned = nbformat.v4.new_code_cell("plt.show()", outputs=[png_output()])
    own_alt = nbformat.v4.new_code_cell("plt.show()", outputs=[png_output()],
                                        metadata={"mystnb": {"image": {"alt": "a red square, by hand"}}})
    claims = nbformat.v4.new_code_cell("claim(...)", outputs=[nbformat.v4.new_output("stream", name="stdout", text="ok\n")])
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Chapter one"),
        captioned,
        claims,  # a code cell without images between a figure and its caption
        nbformat.v4.new_markdown_cell("**Figure 1.1.** A red square on $p_\\text{data}$. It is small."),
        uncaptioned,
        nbformat.v4.new_markdown_cell("Some text that is not a caption."),
        own_alt,
        nbformat.v4.new_markdown_cell("**Figure 1.2.** Another red square."),
    ], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


@pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is not installed beside this Python")
def test_a_built_page_gives_each_captioned_figure_its_alt_text(tmp_path):
    book = yaml.safe_load((ROOT / "_config.yml").read_text())
    config = {"title": "alt text", "only_build_toc_files": True, "parse": book["parse"],
              "execute": {"execute_notebooks": "off"},
              "sphinx": {"local_extensions": {"figure_alt_text": str(ROOT / "tools")}}}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "notebooks").mkdir()
    nbformat.write(chapter_notebook(), tmp_path / "notebooks" / "01_one.ipynb")
    (tmp_path / "intro.md").write_text("# Intro\n")
    toc = {"format": "jb-book", "root": "intro", "chapters": [{"file": "notebooks/01_one"}]}
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    done = subprocess.run([str(JUPYTER_BOOK), "build", str(tmp_path), "-W", "--keep-going"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = (tmp_path / "_build" / "html" / "notebooks" / "01_one.html").read_text()
    alts = re.findall(r'<img alt="([^"]*)"', page)
    assert alts[0] == "Figure 1.1: A red square on p_data. It is small."
    assert alts[1].endswith(".png")  # no caption after it: docutils' file path, which the browser check reports
    assert alts[2] == "a red square, by hand"
