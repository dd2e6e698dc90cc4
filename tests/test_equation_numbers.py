"""Equations are numbered by chapter, (3.2), in their labels and in {eq} references from any page
(tools/equation_numbers.py): a three-page book with the book's own extension settings is built and
its HTML read back."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
equation_numbers = load_tool("equation_numbers")

CHAPTER = """# Chapter three

```{math}
:label: eq-first
a = 1
```

Unlabelled display math takes no number:

$$
b = 2
$$

```{math}
:label: eq-second
c = 3
```

The second is eq. {eq}`eq-second`.
"""
OTHER_CHAPTER = """# Chapter four

```{math}
:label: eq-fourth
d = 4
```

Chapter 3's equations are {eq}`eq-first` and {eq}`eq-second`; this one is {eq}`eq-fourth`.
"""
APPENDIX = """# Notes

```{math}
:label: eq-note
e = 5
```

See {eq}`eq-note` and {eq}`eq-second`.
"""


def test_chapter_numbers_come_from_the_file_name():
    assert equation_numbers.chapter_of("notebooks/03_algorithm_and_math") == 3
    assert equation_numbers.chapter_of("notebooks/10_colour") == 10
    assert equation_numbers.chapter_of("book/glossary") is None
    assert equation_numbers.chapter_of("book/x03_y") is None


def test_a_page_s_equations_are_renumbered_in_their_order():
    numbers = {"equation-b": (7,), "equation-a": (6,), "equation-c": (9,)}  # Sphinx's book-wide numbers
    assert equation_numbers.number_by_chapter(numbers, 3) == {"equation-a": (3, 1), "equation-b": (3, 2),
                                                              "equation-c": (3, 3)}
    assert equation_numbers.number_by_chapter(numbers, None) == {"equation-a": (1,), "equation-b": (2,),
                                                                 "equation-c": (3,)}


def _text(html: str) -> str:
    """The page's text, tags removed, spaces normalised (none before punctuation)."""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([;.,)])", r"\1", re.sub(r"\( ", "(", text))


@pytest.mark.skipif(not JUPYTER_BOOK.exists(), reason="jupyter-book is not installed beside this Python")
def test_labels_and_references_show_chapter_numbers_on_every_page(tmp_path):
    book = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = book["sphinx"]
    config = {"title": "equation numbers", "only_build_toc_files": True, "parse": book["parse"],
              "sphinx": {"local_extensions": {"equation_numbers": str(ROOT / "tools")},
                         "config": {key: sphinx["config"][key] for key in ("numfig", "math_numfig")}}}
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(config))
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "03_three.md").write_text(CHAPTER)
    (tmp_path / "notebooks" / "04_four.md").write_text(OTHER_CHAPTER)
    (tmp_path / "notes.md").write_text(APPENDIX)
    toc = {"format": "jb-book", "root": "notes", "chapters": [{"file": "notebooks/03_three"}, {"file": "notebooks/04_four"}]}
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    done = subprocess.run([str(JUPYTER_BOOK), "build", str(tmp_path), "-W", "--keep-going"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    html = tmp_path / "_build" / "html"
    three = _text((html / "notebooks" / "03_three.html").read_text())
    four = _text((html / "notebooks" / "04_four.html").read_text())
    notes = _text((html / "notes.html").read_text())
    assert "(3.1)" in three and "(3.2)" in three and "(3.3)" not in three  # the unlabelled one has none
    assert "The second is eq. (3.2)" in three
    assert "(4.1)" in four and "equations are (3.1) and (3.2); this one is (4.1)" in four
    assert "See (1) and (3.2)" in notes  # a page that is not a chapter numbers on its own
