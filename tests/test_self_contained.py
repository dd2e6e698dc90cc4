"""A chapter is self-contained: it reads nothing of the repository by a path, only what gan_lib ships,
so that it runs on Colab or as one downloaded notebook (the result files it shows live in
gan_lib/results/, read with `gan_lib.results.load_json` / `load_rows`).

Statically, no code cell names a path of the checkout; and the wheel, installed into an empty
folder, holds every result file a chapter reads (found in the chapters' code, so a new one is
covered without editing this test) and the evaluation classifiers' weights. `make notebooks` also
runs one such chapter alone against that install (tools/nbval_alone.py).
"""
import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from gan_lib import results

from .conftest import load_tool

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# `../x`, `./x`, `..`, or a folder of the checkout as a path component: `results/x.json`, `../data/...`
REPOSITORY_PATH = re.compile(r"^\.\.?/|^\.\.$|(?:^|/)(?:results|benchmarks|notebooks|data)/")
CWD_CALLS = {"getcwd", "getcwdb", "cwd"}  # os.getcwd(), Path.cwd(): a lookup relative to where the kernel runs
LOADERS = {"load_json", "load_rows"}  # gan_lib.results' readers of a shipped file


def code_cells(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]


def python_syntax(source: str) -> tuple[str, list[str]]:
    """The cell as Python (each IPython line, `%magic` or `!shell`, replaced by `pass`) and those lines."""
    lines, magics = [], []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            magics.append(stripped)
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines), magics


def names_a_repository_path(text: str) -> bool:
    return "://" not in text and bool(REPOSITORY_PATH.search(text))


def repository_lookups(source: str) -> list[str]:
    """What in a code cell finds a file through the checkout: a string that is a repository-relative
    path, `__file__`, or a path relative to the working folder (os.getcwd(), Path.cwd())."""
    code, magics = python_syntax(source)
    found = [word for line in magics for word in line.split() if names_a_repository_path(word)]
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and names_a_repository_path(node.value):
            found.append(repr(node.value))
        elif isinstance(node, ast.Name) and node.id == "__file__":
            found.append("__file__")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CWD_CALLS:
            found.append(f"{ast.unparse(node.func)}()")
    return found


def shipped_files_read(path: Path) -> set[tuple[str, str]]:
    """(loader, file name) of every `load_json("...")` / `load_rows("...")` call in the chapter's code."""
    calls = set()
    for source in code_cells(path):
        for node in ast.walk(ast.parse(python_syntax(source)[0])):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in LOADERS:
                argument = node.args[0] if node.args else None
                assert isinstance(argument, ast.Constant) and isinstance(argument.value, str), \
                    f"{path.name}: {ast.unparse(node)} names its file by a literal, so this test can find it"
                calls.add((name, argument.value))
    return calls


CHAPTER_READS = sorted(set().union(*(shipped_files_read(path) for path in NOTEBOOKS)))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_reads_the_repository_by_a_path(path):
    for index, source in enumerate(code_cells(path)):
        found = repository_lookups(source)
        assert not found, (f"{path.name}, code cell {index}: {', '.join(found)} finds a file of the checkout, "
                           "which a downloaded notebook does not have: ship it in gan_lib/results/ and read it "
                           "with gan_lib.results.load_json or load_rows")


def test_the_static_check_sees_each_kind_of_repository_lookup():
    for source in ('json.loads(Path("../benchmarks/results/speed.json").read_text())', 'load_rows("results/x.json")',
                   'open("data/train.gz")', "HERE = Path(__file__).parent", "os.getcwd()", "Path.cwd() / 'x'",
                   "!cp ../benchmarks/results/speed.json .", 'Path("..") / "gan_lib"'):
        assert repository_lookups(source), source
    for source in ('load_json("speed.json")', 'plt.plot(x, y, ".")', 'url = "https://example.org/data/x.csv"',
                   'print("regenerate: python tools/run_sweeps.py knobs")', "%matplotlib inline"):
        assert not repository_lookups(source), source


def test_every_shipped_result_file_is_read_by_a_chapter_and_every_one_read_is_shipped():
    assert {name for _, name in CHAPTER_READS} == set(results.names())


# Run against the wheel's install, from an empty folder: every file a chapter reads, and the classifiers.
FROM_THE_INSTALL = """
import json, sys
import gan_lib
import gan_lib.results
from gan_lib.metrics import load_classifier
from gan_lib.metrics.classifier import IMAGE_DATASETS, packaged_path

sizes = {}
for loader, name in json.loads(sys.argv[1]):
    loaded = getattr(gan_lib.results, loader)(name)
    sizes[name] = len(loaded[0] if loader == "load_rows" else loaded)
classifiers = []
for dataset in IMAGE_DATASETS:
    load_classifier(packaged_path(dataset), dataset)  # raises unless the weights pass their checksum
    classifiers.append(str(packaged_path(dataset)))
print(json.dumps({"gan_lib": gan_lib.__file__, "version": gan_lib.__version__, "sizes": sizes,
                  "classifiers": classifiers}))
"""


def test_the_wheel_alone_ships_every_file_the_chapters_read(tmp_path):
    wheel_install = load_tool("wheel_install")
    site = wheel_install.install_wheel(tmp_path / "install")
    empty = tmp_path / "empty"
    empty.mkdir()
    report = json.loads(wheel_install.run_installed(site, FROM_THE_INSTALL, empty, json.dumps(CHAPTER_READS)))
    assert Path(report["gan_lib"]).is_relative_to(site), report["gan_lib"]  # not the checkout's gan_lib
    assert (site / f"gan_lib-{report['version']}.dist-info").is_dir()  # the wheel's version is gan_lib.__version__
    assert sorted(report["sizes"]) == sorted(name for _, name in CHAPTER_READS)
    assert all(size > 0 for size in report["sizes"].values()), report["sizes"]
    assert report["classifiers"] and all(Path(path).is_relative_to(site) for path in report["classifiers"])
