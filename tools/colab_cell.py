"""Write the Colab set-up cell that opens every chapter, or check that each chapter has it.

    python tools/colab_cell.py write   # rewrite the first cell of every notebook in _toc.yml (insert it where missing)
    python tools/colab_cell.py check   # exit 1, naming the notebooks whose first cell differs

A chapter opened on Google Colab (its launch button, or an upload) finds no gan_lib there. Its first
cell installs it, on Colab only: gan_lib from the book's repository at the tag v{gan_lib.__version__}
without dependencies, then gan_lib's other dependencies (already on Colab, so Colab's own torch stays:
the cell never names torch or torchvision), and it lets gan_lib download Fashion-MNIST
(GAN_LIB_DOWNLOAD=1). Anywhere else the cell does nothing. It is tagged remove-cell, so the rendered
page does not show it.

gan_lib cannot be imported before the cell has run, so the cell's text is generated from what it
names: the version (gan_lib/__init__.py), the repository address (_config.yml, `repository: url:`,
written nowhere else) and the dependencies (pyproject.toml). tests/test_colab_cell.py fails when a
chapter's cell is not the one these give, e.g. after a version bump without `write`.
"""
from __future__ import annotations

import json
import sys
import textwrap
import tomllib
from pathlib import Path

import nbformat
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from browser_check import ROOT, toc_pages

MARK = "# Colab set-up:"  # the cell's first line starts with it: how `write` recognises an older version
TAGS = ["remove-cell"]
CELL_ID = "colab-setup"
COLAB_KEEPS = {"torch", "torchvision"}  # Colab's own builds (CUDA, matched to its drivers) must stay
EXTRAS = ("widgets",)  # the playgrounds
MAX_LINE = 88  # as the chapters' code (tests/test_book_structure.py): the reader sees this cell on Colab

HEADER = MARK + """ on Google Colab this installs gan_lib, the book's library, at the
# book's release v{version}, keeping Colab's torch. Anywhere else it does nothing.
import sys

if "google.colab" in sys.modules:
"""

INSTALL = """\
    import os, subprocess
    repository = "{url}"
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "--no-deps", f"gan_lib @ git+{{repository}}@v{version}"], check=True)
{dependencies}
    os.environ["GAN_LIB_DOWNLOAD"] = "1"  # gan_lib may download Fashion-MNIST"""

NO_ADDRESS = """\
    raise RuntimeError(
        "The book's repository address is not set (repository: url: in _config.yml), "
        "so this cell cannot install gan_lib. Install it by hand: upload the book's "
        "folder (or git clone it) and run `pip install --no-deps -e .` in that folder.")"""


def repository_url(config: Path = ROOT / "_config.yml") -> str | None:
    """The book's repository address, or None while _config.yml leaves it empty."""
    return (yaml.safe_load(config.read_text()).get("repository") or {}).get("url") or None


def colab_dependencies(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """gan_lib's dependencies and those of its EXTRAS, as pyproject.toml writes them, less COLAB_KEEPS."""
    project = tomllib.loads(pyproject.read_text())["project"]
    listed = project["dependencies"] + [dep for extra in EXTRAS for dep in project["optional-dependencies"][extra]]
    return [dep for dep in listed if canonicalize_name(Requirement(dep).name) not in COLAB_KEEPS]


def pip_install_line(dependencies: list[str]) -> str:
    """`subprocess.run([*pip, "dep", ...], check=True)`, wrapped to MAX_LINE."""
    opening, closing = "    subprocess.run([*pip, ", "], check=True)"
    quoted = ", ".join(json.dumps(dep) for dep in dependencies) + closing
    return textwrap.fill(quoted, width=MAX_LINE, initial_indent=opening, subsequent_indent=" " * 20,
                         break_long_words=False, break_on_hyphens=False)


def cell_source(version: str, url: str | None, dependencies: list[str]) -> str:
    """The cell's text: it installs gan_lib `version` from `url`, or, with no url, raises saying why not."""
    body = INSTALL.format(url=url, version=version, dependencies=pip_install_line(dependencies)) if url else NO_ADDRESS
    return HEADER.format(version=version) + body


def expected_cell(url: str | None = None) -> nbformat.NotebookNode:
    """The cell every chapter starts with, for this checkout (its version, dependencies and, unless
    `url` is given, its _config.yml address)."""
    import gan_lib

    source = cell_source(gan_lib.__version__, url or repository_url(), colab_dependencies())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": list(TAGS)})
    cell.id = CELL_ID
    return cell


def toc_notebooks(toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """The notebooks among _toc.yml's pages, in its order."""
    return [ROOT / f"{page}.ipynb" for page in toc_pages(toc) if (ROOT / f"{page}.ipynb").is_file()]


def is_expected(cell: dict, expected: dict) -> bool:
    return (cell["cell_type"] == "code" and cell["source"] == expected["source"]
            and cell["metadata"].get("tags") == expected["metadata"]["tags"])


def write(notebook: Path, expected: dict) -> bool:
    """Make `expected` the first cell of `notebook` (replacing an older Colab cell, else inserted).
    Written as tools/notebooks.py writes notebooks (nbformat), so the diff is only this cell.
    Returns whether the file changed."""
    contents = nbformat.read(notebook, as_version=4)
    first = contents.cells[0] if contents.cells else None
    if first is not None and is_expected(first, expected):
        return False
    if first is not None and first.cell_type == "code" and first.source.startswith(MARK):
        contents.cells[0] = expected
    else:
        contents.cells.insert(0, expected)
    nbformat.write(contents, notebook)
    return True


def differing(notebooks: list[Path], expected: dict) -> list[Path]:
    """The notebooks whose first cell is not `expected`."""
    return [path for path in notebooks
            if not (cells := nbformat.read(path, as_version=4).cells) or not is_expected(cells[0], expected)]


def main(argv: list[str]) -> int:
    if argv not in (["write"], ["check"]):
        print(__doc__, file=sys.stderr)
        return 2
    notebooks, expected = toc_notebooks(), expected_cell()
    if argv == ["write"]:
        for path in notebooks:
            print(f"  {path.relative_to(ROOT)}: {'written' if write(path, expected) else 'up to date'}")
        return 0
    stale = differing(notebooks, expected)
    for path in stale:
        print(f"  {path.relative_to(ROOT)}: its first cell is not the Colab cell; run python tools/colab_cell.py write")
    print(f"colab cell: {len(notebooks) - len(stale)}/{len(notebooks)} notebooks up to date")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
