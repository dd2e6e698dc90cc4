"""The chapters' text agrees with their own run: every glued number is glued by a cell of the same
chapter, every checked training outcome is a claim, and the prose speaks of GANs, not of one machine."""
import ast
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
GLUE_ROLE = re.compile(r"\{glue(?::text|:any|:md|:figure|:math)?\}`([^`]+)`|```\{glue(?::figure|:math)?\}\s+(\S+)")
GLUED_IN_CODE = re.compile(r"""\bglue(?:_all)?\(\s*f?["']([^"'{]+)""")
# Words that describe one run or one machine instead of what every run shows.
ONE_RUN_PHRASES = (r"\bour run", r"\bin our\b", r"\bthis machine\b", r"\bon this cpu\b", r"\bwe measured\b", r"\bload average")


def cells(path: Path, kind: str) -> list[str]:
    return ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == kind]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_glue_reference_is_glued_by_the_same_chapter(path):
    code = "\n".join(cells(path, "code"))
    glued = set(GLUED_IN_CODE.findall(code))
    prefixes = {m for m in re.findall(r"""\bglue_all\(\s*f?["']([^"'{]+)""", code)}
    for text in cells(path, "markdown"):
        for match in GLUE_ROLE.finditer(text):
            key = match.group(1).rsplit(":", 1)[0] if match.group(1) else match.group(2)  # drop a format spec
            assert key in glued or any(key.startswith(p + "_") for p in prefixes), \
                f"{path.name}: the text pastes {key!r}, which no code cell of this chapter glues"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_prose_describes_every_run_not_one_machine(path):
    for text in cells(path, "markdown"):
        lowered = text.lower()
        for phrase in ONE_RUN_PHRASES:
            found = re.search(phrase, lowered)
            assert not found, f"{path.name}: {found.group()!r} in: {text[max(0, found.start() - 80):][:200]}"


SPREAD = Path(__file__).resolve().parents[1] / "notebooks" / "results" / "claim_spread.json"


def claim_texts(code: str) -> list[str]:
    """The literal text of every `claim("...", ...)` call in a code cell (implicitly concatenated
    literals included; a claim whose text is computed, an f-string say, is not listed)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # IPython syntax (!pip, %magic): such cells make no claims in this book
        return []
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "claim"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_claim_was_measured_under_four_kernel_configurations_and_held(path):
    """tools/claim_spread.py recorded each claim of the chapter under at least four configurations
    (ATEN_CPU_CAPABILITY x threads), and every measured value met the claim's bound."""
    spread = json.loads(SPREAD.read_text()).get(path.name, {"claims": {}, "runs": {}})
    texts = [text for cell in cells(path, "code") for text in claim_texts(cell)]
    for text in texts:
        assert text in spread["claims"], f"{path.name}: claim {text!r} is not in {SPREAD.name}: run tools/claim_spread.py"
        measured = spread["claims"][text]
        assert len(measured["values"]) >= 4, f"{path.name}: {text!r} measured under {len(measured['values'])} configurations"
        for label, values in measured["values"].items():
            for value in values:
                low, high = measured["at_least"], measured["at_most"]
                assert (low is None or value >= low) and (high is None or value <= high), \
                    f"{path.name}: {text!r} measured {value} under {label}"
    if texts:
        assert not [label for label, run in spread["runs"].items() if run["error"]], f"{path.name}: a run raised"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_claim_was_measured_under_make_test_s_configurations(path):
    """`make test` executes the chapters on one thread under two kernel configurations
    (tools/second_kernels.py): AVX-512 and AVX2 on an AVX-512 CPU, AVX2 and the unvectorised kernels on
    an AVX2-only one. The spread must have measured every claim of the chapter under AVX2 and the
    unvectorised kernels on one thread (the book build's configuration on either CPU; nbval's AVX-512
    run is covered by the four-configuration test above where the spread was measured on such a CPU)."""
    spread = json.loads(SPREAD.read_text()).get(path.name, {"claims": {}})
    for text in (text for cell in cells(path, "code") for text in claim_texts(cell)):
        labels = spread["claims"][text]["values"]
        for capability in ("avx2", "default"):
            assert any(f"ATEN_CPU_CAPABILITY={capability} | 1 thread" in label for label in labels), \
                f"{path.name}: {text!r} was not measured under {capability} kernels on one thread"
