"""The Colab set-up cell every chapter starts with (tools/colab_cell.py): each chapter has the one this
checkout generates, it does nothing off Colab, on Colab it installs gan_lib at the book's tag and keeps
Colab's torch, and pyproject.toml asks for no newer torch than Colab has."""

import os
import re
import subprocess
import sys
import tomllib
import types
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import gan_lib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import colab_cell  # noqa: E402 - a script in tools/, importable once tools/ is on the path

# The torch that Colab preinstalls: `import torch; torch.__version__` in a fresh Colab runtime (Colab's
# release notes, https://colab.research.google.com/notebooks/relnotes.ipynb, announce each upgrade).
# Colab only moves it forward, so this number needs updating only before pyproject.toml's torch floor is
# raised above it: check Colab's version then, and set it here.
COLAB_TORCH = "2.9.0"
URL = "https://github.com/example-owner/example-book"  # a placeholder: the book has no address yet
DEPENDENCIES = ["numpy", "tqdm", "ipywidgets"]
TORCH_PACKAGE = re.compile(r"torch(vision)?(\W.*)?")  # a requirement naming torch or torchvision


class RecordedRuns:
    """A stand-in for subprocess.run that records each command and runs nothing."""

    def __init__(self):
        self.commands: list[list[str]] = []

    def __call__(self, command, **options):
        assert options == {"check": True}, f"{command} run with {options}, not check=True"
        self.commands.append(list(command))
        return subprocess.CompletedProcess(command, 0)


@pytest.fixture
def runs(monkeypatch) -> RecordedRuns:
    recorder = RecordedRuns()
    monkeypatch.setattr(subprocess, "run", recorder)
    monkeypatch.setenv("GAN_LIB_DOWNLOAD", "unset by the test")  # restored (removed) afterwards
    return recorder


@pytest.fixture
def on_colab(monkeypatch):
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))


@pytest.fixture
def off_colab(monkeypatch):
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)


def run_cell(url: str | None) -> None:
    exec(colab_cell.cell_source(gan_lib.__version__, url, DEPENDENCIES), {})


@pytest.mark.parametrize("notebook", colab_cell.toc_notebooks(), ids=lambda path: path.stem)
def test_every_chapter_starts_with_the_generated_colab_cell_removed_from_the_page(notebook):
    first = nbformat.read(notebook, as_version=4).cells[0]
    expected = colab_cell.expected_cell()
    assert first.cell_type == "code" and "remove-cell" in first.metadata.get("tags", [])
    assert first.source == expected.source, f"{notebook.name}: run python tools/colab_cell.py write"


def test_every_toc_chapter_is_checked():
    assert [path.stem for path in colab_cell.toc_notebooks()] == [
        "00_quickstart", "01_background", "02_core_concepts", "03_algorithm_and_math", "04_dcgan_end_to_end",
        "05_when_training_goes_wrong", "06_applications", "07_tools_and_resources", "08_trends_and_challenges", "09_faq",
        "appendix_a_settings_and_speed"]


@pytest.mark.parametrize("url", [URL, None])
def test_off_colab_the_cell_does_nothing(off_colab, runs, url):
    environment = dict(os.environ)
    run_cell(url)
    assert runs.commands == [] and dict(os.environ) == environment


def test_on_colab_the_cell_installs_gan_lib_at_the_tag_then_its_other_dependencies(on_colab, runs):
    run_cell(URL)
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    assert runs.commands == [pip + ["--no-deps", f"gan_lib @ git+{URL}@v{gan_lib.__version__}"],
                             pip + DEPENDENCIES]
    assert os.environ["GAN_LIB_DOWNLOAD"] == "1"


def test_on_colab_with_no_repository_address_the_cell_says_how_to_install_by_hand(on_colab, runs):
    with pytest.raises(RuntimeError, match=r"repository address is not set.*pip install --no-deps -e \."):
        run_cell(None)
    assert runs.commands == []


def test_the_real_cell_never_installs_torch_on_colab(on_colab, runs):
    exec(colab_cell.expected_cell(URL).source, {})
    named = [argument for command in runs.commands for argument in command]
    assert runs.commands and not [argument for argument in named if TORCH_PACKAGE.fullmatch(argument)]


def test_dependencies_are_pyprojects_and_the_widgets_extra_less_torch(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["torch>=2.6", "numpy", "TorchVision>=0.21", "scipy>=1.11"]\n'
                         '[project.optional-dependencies]\nwidgets = ["ipywidgets"]\nother = ["voila"]\n')
    assert colab_cell.colab_dependencies(pyproject) == ["numpy", "scipy>=1.11", "ipywidgets"]


def test_the_repository_address_is_read_from_config(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text(f"repository:\n  url: {URL}\n")
    assert colab_cell.repository_url(config) == URL
    config.write_text('repository:\n  url: ""\n')
    assert colab_cell.repository_url(config) is None


def test_write_inserts_the_cell_once_and_replaces_an_older_one(tmp_path):
    notebook = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title")]), notebook)
    older = colab_cell.expected_cell(URL)
    older.source = older.source.replace(f"v{gan_lib.__version__}", "v0.0.1")
    assert colab_cell.write(notebook, older) and colab_cell.differing([notebook], colab_cell.expected_cell(URL))

    assert colab_cell.write(notebook, colab_cell.expected_cell(URL))
    assert not colab_cell.write(notebook, colab_cell.expected_cell(URL))  # already there: the file is left alone
    cells = nbformat.read(notebook, as_version=4).cells
    assert [cell.cell_type for cell in cells] == ["code", "markdown"] and cells[1].source == "# Title"
    assert colab_cell.differing([notebook], colab_cell.expected_cell(URL)) == []


def torch_floor(pyproject: Path) -> Version:
    """The lowest torch that pyproject.toml's dependencies allow (`torch>=X`); fails the test without one."""
    for dependency in tomllib.loads(pyproject.read_text())["project"]["dependencies"]:
        requirement = Requirement(dependency)
        if requirement.name == "torch":
            floors = [Version(spec.version) for spec in requirement.specifier if spec.operator in (">=", "==", "~=")]
            if floors:
                return max(floors)
    pytest.fail(f"{pyproject.name} gives torch no floor (a dependency 'torch>=X'): the Colab cell keeps "
                f"Colab's torch ({COLAB_TORCH}), so gan_lib must say which torch it needs")


def test_colabs_torch_is_new_enough_for_gan_lib():
    floor = torch_floor(ROOT / "pyproject.toml")
    assert floor <= Version(COLAB_TORCH), (
        f"pyproject.toml asks for torch>={floor}, but Colab has torch {COLAB_TORCH}: the Colab cell keeps "
        "Colab's torch, so gan_lib would run on an older torch than it declares")


def test_the_torch_floor_is_read_from_pyproject(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["numpy", "torch>=2.6,<3", "torchvision>=0.21"]\n')
    assert torch_floor(pyproject) == Version("2.6")
    pyproject.write_text('[project]\ndependencies = ["torch"]\n')
    with pytest.raises(pytest.fail.Exception, match="gives torch no floor"):
        torch_floor(pyproject)
