"""A chapter that writes to stderr fails the book build: a warning is read and fixed, never hidden.

A one-page book is built with `jupyter-book build -W` and the execute settings of the book's own
_config.yml (so the two cannot drift), once with a cell that warns and once with the same cell printing
to stdout instead: the first build must fail and name the stderr output, the second must pass.
"""
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")


def build_one_page(folder: Path, code: str) -> subprocess.CompletedProcess:
    book = yaml.safe_load((ROOT / "_config.yml").read_text())
    config = {"title": "stderr check", "only_build_toc_files": True,
              "execute": {**book["execute"], "execute_notebooks": "force"}}
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    (folder / "_toc.yml").write_text(yaml.safe_dump({"format": "jb-book", "root": "page"}))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page"), nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "page.ipynb")
    return subprocess.run([str(JUPYTER_BOOK), "build", str(folder), "-W", "--keep-going"],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is not installed beside this Python")
def test_a_warning_in_a_chapter_fails_the_build_and_printing_does_not(tmp_path):
    (tmp_path / "warns").mkdir()
    (tmp_path / "prints").mkdir()
    warned = build_one_page(tmp_path / "warns", "import sys\nprint('the D loss is nan', file=sys.stderr)")
    printed = build_one_page(tmp_path / "prints", "print('the D loss is 0.69')")
    assert printed.returncode == 0, printed.stdout[-2000:] + printed.stderr[-2000:]
    assert warned.returncode != 0
    log = warned.stdout + warned.stderr
    assert "page.ipynb" in log and "stderr was found in the cell outputs" in log, log[-3000:]
