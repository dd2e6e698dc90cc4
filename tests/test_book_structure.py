"""The book is whole: every chapter has its summary and exercises, every reference points at something
that exists (citations, chapters, figures, tables, equations, exercises, checkers), every figure has a
numbered caption, and the code fits the page.

These checks would have caught a chapter that lost its last third: its exercises, the citations only
it made, and the "chapter 8 explains ..." promises of other chapters.
"""
import ast
import inspect
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHAPTERS = {int(path.name[:2]): path for path in NOTEBOOKS}
APPENDICES = {path.name.split("_")[1].upper(): path for path in sorted((ROOT / "notebooks").glob("appendix_?_*.ipynb"))}
PAGES = sorted((ROOT / "book").glob("*.md"))
BIBLIOGRAPHY = ROOT / "book" / "references.bib"
MAX_CODE_LINE = 88  # the rendered book cuts longer lines behind a scroll bar (book/_static/layout.css)
MAX_SOLUTION_LINE = 84  # code in a chapter's Markdown sits in an admonition (a solution): a narrower box

CITE_ROLE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
LABELLED_MATH = re.compile(r"```\{math\}\s*\n:label:\s*(\S+)|\$\$\s*\((eq-[\w-]+)\)")
EQ_ROLE = re.compile(r"\{eq\}`([^`]+)`")
CAPTION = re.compile(r"\*\*(Figure|Table) (\d+)\.(\d+)\.\*\*")
MENTION = re.compile(r"\b(Figure|Table)s? (\d+)\.(\d+)\b")
EXERCISE_HEADING = re.compile(r"^\*\*(\d+)\. ", re.M)
EXERCISE_MENTION = re.compile(r"\bchapter (\d), exercises? (\d+)\b", re.I)
CHAPTER_MENTION = re.compile(r"\b[Cc]hapters? (\d+)(?![\d,.]*\d)")
EQUATION_NUMBER = re.compile(r"\beq(?:uation)?s?\.? \((\d)\.(\d+)\)")


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def markdown(path: Path) -> str:
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "markdown")


def all_code(path: Path) -> str:
    """The notebook's code cells and the text (docstrings, comments) of a Python file."""
    if path.suffix == ".py":
        return path.read_text()
    return "\n".join(source(c) for c in cells(path) if c["cell_type"] == "code")


def all_text() -> dict[str, str]:
    texts = {path.name: markdown(path) + "\n" + all_code(path) for path in NOTEBOOKS + list(APPENDICES.values())}
    texts.update({path.name: path.read_text() for path in PAGES})
    return texts


def labelled_equations(path: Path) -> list[str]:
    """The labels of a chapter's numbered equations, in page order: (N.1), (N.2), ... (tools/equation_numbers.py)."""
    return [a or b for a, b in LABELLED_MATH.findall(markdown(path))]


@pytest.mark.parametrize("number", sorted(CHAPTERS)[1:])  # the quick start is not a chapter with exercises
def test_every_chapter_ends_with_a_summary_and_exercises_with_solutions(number):
    text = markdown(CHAPTERS[number])
    assert re.search(r"^## Summary\b", text, re.M), f"chapter {number} has no '## Summary' section"
    assert re.search(r"^## Exercises\b", text, re.M), f"chapter {number} has no '## Exercises' section"
    exercises = text[text.index("## Exercises"):]
    numbered = EXERCISE_HEADING.findall(exercises)
    assert numbered, f"chapter {number}: no numbered exercise ('**1. Title.**')"
    first = int(numbered[0])  # exercises 1..first-1 may sit in the text, as '**Exercise k.**'
    earlier = [int(k) for k in re.findall(r"\*\*Exercise (\d+)\.\*\*", text[:text.index("## Exercises")])]
    assert earlier == list(range(1, first)), f"chapter {number}: exercises {earlier} before the section, then {first}"
    assert numbered == [str(k) for k in range(first, first + len(numbered))], f"chapter {number}: exercises {numbered}"
    assert exercises.count(":class: dropdown") >= len(numbered), f"chapter {number}: an exercise without a solution"


def test_every_citation_is_in_the_bibliography_and_every_entry_is_cited():
    entries = set(re.findall(r"^@\w+\{([^,\s]+),", BIBLIOGRAPHY.read_text(), re.M))
    cited = {key.strip() for text in all_text().values() for keys in CITE_ROLE.findall(text)
             for key in keys.split(",")}
    assert not cited - entries, f"cited but not in references.bib: {sorted(cited - entries)}"
    assert not entries - cited, f"in references.bib but cited by no page: {sorted(entries - cited)}"


def test_every_equation_reference_resolves():
    labels = {label for path in NOTEBOOKS for label in labelled_equations(path)}
    labels |= {label for page in PAGES for a, b in LABELLED_MATH.findall(page.read_text()) for label in (a or b,)}
    for name, text in all_text().items():
        for label in EQ_ROLE.findall(text):
            assert label in labels, f"{name}: {{eq}}`{label}` names no labelled equation"


def test_equation_numbers_cited_in_code_and_text_exist():
    """'eq. (4.3)' in gan_lib's docstrings or a chapter is equation 3 of chapter 4's page."""
    sources = {path.name: markdown(path) + all_code(path) for path in NOTEBOOKS}
    sources.update({str(path.relative_to(ROOT)): path.read_text() for path in (ROOT / "gan_lib").rglob("*.py")})
    for name, text in sources.items():
        for chapter, k in EQUATION_NUMBER.findall(text):
            equations = labelled_equations(CHAPTERS[int(chapter)])
            assert 1 <= int(k) <= len(equations), \
                f"{name} cites eq. ({chapter}.{k}); chapter {chapter} numbers {len(equations)} equations"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_figures_and_tables_are_numbered_in_order_and_every_mention_resolves(path):
    number = int(path.name[:2])
    text = "\n".join(source(c) for c in cells(path))  # page order
    for kind in ("Figure", "Table"):
        numbers = [int(k) for kind_, chapter, k in CAPTION.findall(text) if kind_ == kind and int(chapter) == number]
        assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: {kind} captions numbered {numbers}"
    captions = {(kind, int(c), int(k)) for kind, c, k in CAPTION.findall(
        "\n".join(markdown(p) + all_code(p) for p in NOTEBOOKS))}
    for kind, chapter, k in MENTION.findall(text):
        assert (kind, int(chapter), int(k)) in captions, f"{path.name} mentions {kind} {chapter}.{k}, which has no caption"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_figure_is_followed_by_its_caption(path):
    """A code cell that shows a figure (plt.show) is followed by a markdown cell opening with
    '**Figure N.k.**', so that the reader is told what to see."""
    notebook = cells(path)
    for index, cell in enumerate(notebook):
        if cell["cell_type"] != "code" or "plt.show()" not in source(cell):
            continue
        following = next((c for c in notebook[index + 1:] if c["cell_type"] == "markdown"), None)
        assert following is not None and source(following).lstrip().startswith("**Figure "), \
            f"{path.name}, cell {index}: a figure without a '**Figure N.k.**' caption in the next markdown cell"


TABLE_CAPTION = re.compile(r"\*\*Table ([0-9]+|[A-Z])\.(\d+)\.\*\*")
TABLE_CALL = re.compile(r"\bTable(?:\.from_rows)?\(")


def tables_of(path: Path) -> list[tuple[str, str]]:
    """Where each table of a chapter or appendix is shown, in page order, with the caption it has ('' for none):
    a Markdown pipe table has it as the paragraph right above; a `Table(...)` of a code cell as `caption=`
    (a literal, or a name bound to one in the cell); a glued Markdown table ({glue:md}) right above the block."""
    found = []
    for index, cell in enumerate(cells(path)):
        text = source(cell)
        if cell["cell_type"] == "code":
            assert "<table" not in text, f"{path.name}, cell {index}: an HTML table; use gan_lib.book.Table with a caption"
            literal = TABLE_CAPTION.search(text)  # the caption, given in the call or bound to a name in the cell
            for call in TABLE_CALL.finditer(text):
                depth, end = 1, call.end()
                while depth and end < len(text):  # the call's arguments, up to its closing bracket
                    depth += {"(": 1, ")": -1}.get(text[end], 0)
                    end += 1
                captioned = "caption=" in text[call.end():end] and literal
                found.append((f"cell {index}", literal.group(0) if captioned else ""))
            continue
        if cell["cell_type"] != "markdown":
            continue
        blocks = re.split(r"\n\s*\n", text)
        for number, block in enumerate(blocks):
            starts_table = block.lstrip().startswith("|") or block.lstrip().startswith("```{glue:md}")
            if starts_table:
                above = blocks[number - 1].strip() if number else ""
                caption = TABLE_CAPTION.match(above)
                found.append((f"cell {index}", caption.group(0) if caption else ""))
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + list(APPENDICES.values()), ids=lambda p: p.stem)
def test_every_table_has_a_numbered_caption(path):
    tables = tables_of(path)
    missing = [where for where, caption in tables if not caption]
    assert not missing, f"{path.name}: a table without a '**Table N.k.**' caption at {missing}"
    numbers = [int(k) for _, k in TABLE_CAPTION.findall("\n".join(source(c) for c in cells(path)))
               if _ == number_of(path)]
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: Table captions numbered {numbers}"


def test_chapter_and_exercise_mentions_resolve():
    for name, text in all_text().items():
        for chapter in CHAPTER_MENTION.findall(text):
            assert int(chapter) in CHAPTERS, f"{name} mentions chapter {chapter}, which does not exist"
        for chapter, exercise in EXERCISE_MENTION.findall(text):
            text_of_chapter = markdown(CHAPTERS[int(chapter)])
            exercises = EXERCISE_HEADING.findall(text_of_chapter[text_of_chapter.index("## Exercises"):])
            exercises += re.findall(r"\*\*Exercise (\d+)\.\*\*", text_of_chapter)
            assert exercise in exercises, \
                f"{name} mentions chapter {chapter}, exercise {exercise}, which does not exist"


def test_every_exercise_checker_is_used_by_a_chapter():
    tree = ast.parse((ROOT / "gan_lib" / "book" / "exercises.py").read_text())
    checkers = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")]
    book = "\n".join(all_text().values())
    unused = [name for name in checkers if name not in book]
    assert not unused, f"gan_lib.book.exercises checkers no chapter uses: {unused}"


FENCE = re.compile(r"^\s*(```+|~~~+)\s*([^\s`]*)")


def fenced_code(text: str) -> list[str]:
    """The lines of the code blocks (```python, ~~~, ```bash, ...) of Markdown text; not those of
    directives (```{math}, ```{admonition}), whose content is prose or TeX."""
    lines = []
    stack = []  # (fence, is it code?) of each open block, innermost last
    for line in text.splitlines():
        match = FENCE.match(line)
        if match and stack and match.group(1)[0] == stack[-1][0][0] and len(match.group(1)) >= len(stack[-1][0]) \
                and not match.group(2):
            stack.pop()
            continue
        if match and (not stack or not stack[-1][1]):
            stack.append((match.group(1), not match.group(2).startswith("{")))
            continue
        if stack and stack[-1][1]:
            lines.append(line)
    return lines


@pytest.mark.parametrize("path", NOTEBOOKS + list(APPENDICES.values()) + PAGES, ids=lambda p: p.stem)
def test_code_lines_fit_the_page(path):
    """Code cells and the code blocks of the prose keep to 88 characters, code in a chapter's Markdown
    (the solutions, in admonitions) to 84: book/_static/layout.css makes room for that many at 1280 px."""
    if path.suffix == ".md":
        blocks = [("", fenced_code(path.read_text()), MAX_CODE_LINE)]
    else:
        blocks = [(f"cell {index}", source(cell).splitlines(), MAX_CODE_LINE) if cell["cell_type"] == "code"
                  else (f"cell {index}", fenced_code(source(cell)), MAX_SOLUTION_LINE)
                  for index, cell in enumerate(cells(path)) if cell["cell_type"] in ("code", "markdown")]
    for where, lines, most in blocks:
        for line in lines:
            assert len(line) <= most, f"{path.name}, {where}: {len(line)} characters (at most {most}): {line[:60]}..."


GETSOURCE = re.compile(r"inspect\.getsource\(([\w.]+)\)")


def test_library_code_a_chapter_lists_fits_the_page():
    """`print(inspect.getsource(gan_lib.Trainer.generator_step))` shows gan_lib's own lines: they
    keep to the chapters' 88 characters, or the listing scrolls sideways."""
    import importlib

    import gan_lib
    from gan_lib import losses

    names = {"gan_lib": gan_lib, **{name: getattr(losses, name) for name in dir(losses)}}
    listed = 0
    for path in NOTEBOOKS + list(APPENDICES.values()):
        for dotted in GETSOURCE.findall(all_code(path)):
            head, *rest = dotted.split(".")
            target = names.get(head) or importlib.import_module(head)
            for attribute in rest:
                target = getattr(target, attribute)
            listed += 1
            for line in inspect.getsource(target).splitlines():
                assert len(line) <= MAX_CODE_LINE, f"{path.name} lists {dotted}: {len(line)} characters: {line.strip()[:60]}"
    assert listed >= 5  # chapter 3's losses and train_step, appendix A's two steps


# --- stale references: what a split or a renumbering of chapters leaves behind -----------------------------
DOC_LINK = re.compile(r"\{doc\}`(?:[Cc]hapter |[Aa]ppendix )?([0-9A-Z]+)\b[^`<]*<(?:\.\./notebooks/)?([^>`]+)>`")
LABELLED_CITATION = re.compile(r"\((\d)\.(\d+)\)\s*\((?:label\s+)?(eq-[\w-]+)\)")
GLUE_KEY = re.compile(r"""\bglue(?:_all)?\(\s*f?["']([A-Za-z0-9]+)_""")
EXPLORER = re.compile(r'data-explorer=\\?"(\w+)\\?"')
APPENDIX_MENTION = re.compile(r"\b[Aa]ppendix ([A-Z])\b")


def python_sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text()
            for folder in ("gan_lib", "tools", "benchmarks") for path in (ROOT / folder).rglob("*.py")}


def number_of(path: Path) -> str:
    """'4' for notebooks/04_dcgan_end_to_end, 'A' for notebooks/appendix_a_settings_and_speed."""
    return path.name.split("_")[1].upper() if path.name.startswith("appendix_") else str(int(path.name[:2]))


def test_links_to_a_chapter_name_its_number():
    """{doc}`Chapter 5 <05_when_training_goes_wrong>`: the number in the text is the target's, so a
    renumbered chapter cannot leave 'chapter 4' pointing at chapter 5's page."""
    pages = {path.stem: path for path in NOTEBOOKS + list(APPENDICES.values())}
    found = 0
    for name, text in all_text().items():
        for number, target in DOC_LINK.findall(text):
            stem = target.rsplit("/", 1)[-1]
            if stem not in pages:
                continue  # a prose page ({doc}`../book/running`): no number
            found += 1
            number = str(int(number)) if number.isdigit() else number
            assert number == number_of(pages[stem]), f"{name}: {{doc}}`... {number} <{target}>` links to {number_of(pages[stem])}"
    assert found > 50  # the pattern still matches the book's links


def test_an_equation_cited_with_its_label_is_that_equation():
    """'eq. (5.8) (label eq-r1)' in gan_lib or a chapter: eq-r1 is the 8th numbered equation of chapter 5."""
    sources = {path.name: markdown(path) + all_code(path) for path in NOTEBOOKS}
    sources.update(python_sources())
    found = 0
    for name, text in sources.items():
        for chapter, k, label in LABELLED_CITATION.findall(text):
            equations = labelled_equations(CHAPTERS[int(chapter)])
            found += 1
            assert label in equations, f"{name}: ({chapter}.{k}) {label}: chapter {chapter} has no {label}"
            assert equations.index(label) + 1 == int(k), \
                f"{name} cites {label} as ({chapter}.{k}); it is ({chapter}.{equations.index(label) + 1})"
    assert found >= 5  # losses.py and penalties.py cite theirs this way


def test_figure_and_table_mentions_outside_the_chapters_resolve():
    captions = {(kind, int(c), int(k)) for kind, c, k in CAPTION.findall(
        "\n".join(markdown(p) + all_code(p) for p in NOTEBOOKS))}
    texts = {path.name: path.read_text() for path in PAGES}
    texts.update(python_sources())
    texts.update({path.name: markdown(path) for path in APPENDICES.values()})
    for name, text in texts.items():
        for kind, chapter, k in MENTION.findall(text):
            assert (kind, int(chapter), int(k)) in captions, f"{name} mentions {kind} {chapter}.{k}, which has no caption"


@pytest.mark.parametrize("path", NOTEBOOKS + list(APPENDICES.values()), ids=lambda p: p.stem)
def test_glue_keys_and_explorers_carry_their_chapter_s_number(path):
    """Chapter 5 glues ch5_... and shows explorer ch5 (the quick start qs_..., appendix A appa_...): a cell moved to another
    chapter without renaming its keys, or an explorer left on the wrong page, fails here."""
    prefix = ("app" + number_of(path).lower() if path.name.startswith("appendix_")
              else "qs" if path.name.startswith("00_") else f"ch{number_of(path)}")
    for key in GLUE_KEY.findall(all_code(path)):
        assert key == prefix, f"{path.name} glues a key starting {key}_, not {prefix}_"
    for explorer in EXPLORER.findall(markdown(path)):
        assert explorer == prefix, f"{path.name} shows explorer {explorer!r}"
        assert (ROOT / "book" / "_static" / "explorer" / f"{explorer}.js").exists(), f"no data file for {explorer}"


def test_appendix_mentions_resolve():
    for name, text in {**all_text(), **python_sources()}.items():
        for letter in APPENDIX_MENTION.findall(text):
            assert letter in APPENDICES, f"{name} mentions appendix {letter}, which does not exist"
