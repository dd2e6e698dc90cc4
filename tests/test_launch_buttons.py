"""The launch buttons and what they launch: Binder's environment (binder/) matches the book's pins and
gan_lib's dependencies, the buttons appear only with a repository address (tools/page_fixes.py), and the
browser check of the buttons (tools/launch_buttons_check.py) expects the right addresses and reports
missing or wrong ones. The check itself runs in `make launch-check`."""

import sys
import tomllib
import types
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import launch_buttons_check  # noqa: E402 - scripts in tools/, importable once tools/ is on the path
import page_fixes  # noqa: E402

BOOK_CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
URL = launch_buttons_check.PLACEHOLDER_URL
BINDER_REQUIREMENTS = ROOT / "binder" / "requirements.txt"


def requirements(path: Path) -> dict[str, Requirement]:
    """A requirements file's requirements by canonical name (comments and pip options left out)."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    parsed = [Requirement(line) for line in lines if line and not line.startswith("-")]
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


def pinned(requirement: Requirement) -> Version:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not pinned"
    return Version(spec.version)


def test_binder_pins_a_cpu_torch_at_the_books_versions():
    binder, book = requirements(BINDER_REQUIREMENTS), requirements(ROOT / "requirements.txt")
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in BINDER_REQUIREMENTS.read_text()
    for name in ("torch", "torchvision"):
        assert pinned(binder[name]).public == str(pinned(book[name])), f"binder's {name} is not requirements.txt's"
        assert pinned(binder[name]).local == "cpu", f"binder's {name} is not the CPU build"


def test_binder_installs_every_dependency_of_gan_lib_at_the_books_floors():
    binder, book = requirements(BINDER_REQUIREMENTS), requirements(ROOT / "requirements.txt")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    needed = project["dependencies"] + project["optional-dependencies"]["widgets"]
    missing = [dep for dep in needed if canonicalize_name(Requirement(dep).name) not in binder]
    assert not missing, f"binder/requirements.txt lacks {missing}"
    differing = [str(req) for name, req in binder.items()
                 if name in book and name not in ("torch", "torchvision") and req.specifier != book[name].specifier]
    assert not differing, f"binder/requirements.txt's {differing} differ from requirements.txt"


def test_binder_installs_gan_lib_from_the_repository():
    post_build = ROOT / "binder" / "postBuild"
    assert "pip install --no-deps ." in post_build.read_text() and post_build.stat().st_mode & 0o111


def test_launch_buttons_are_dropped_while_the_repository_address_is_empty():
    for url, kept in (("", False), (None, False), (URL, True)):
        options = {"repository_url": url, "launch_buttons": {"colab_url": "https://colab.example"}}
        config = types.SimpleNamespace(html_theme_options=options)
        page_fixes.launch_buttons_need_a_repository(None, config)
        assert ("launch_buttons" in config.html_theme_options) == kept, url


def test_the_small_book_has_the_books_launch_settings_and_the_placeholder_address():
    config = launch_buttons_check.small_book_config(BOOK_CONFIG, URL)
    assert config["launch_buttons"] == BOOK_CONFIG["launch_buttons"]
    assert config["repository"] == {**BOOK_CONFIG["repository"], "url": URL}
    assert config["launch_buttons"]["colab_url"] and config["launch_buttons"]["binderhub_url"]


def test_expected_links_point_at_the_pages_notebook():
    config = {"launch_buttons": {"colab_url": "https://colab.example", "binderhub_url": "https://binder.example/",
                                 "notebook_interface": "jupyterlab"},
              "repository": {"url": URL, "branch": "main", "path_to_book": "book"}}
    notebook = "book/notebooks/first.ipynb"
    assert launch_buttons_check.expected_links("notebooks/first", config) == {
        "Colab": f"https://colab.example/github/example-owner/example-book/blob/main/{notebook}",
        "Binder": f"https://binder.example/v2/gh/example-owner/example-book/main?urlpath=lab/tree/{notebook}"}


def test_missing_or_misdirected_buttons_are_problems():
    expected = {"Colab": "https://colab/a", "Binder": "https://binder/a"}
    problems = launch_buttons_check.link_problems
    assert problems("a", dict(expected), expected) == []
    assert problems("a", {}, expected) == ["a: no launch buttons (no .dropdown-launch-buttons menu)"]
    assert problems("a", {"Colab": "https://colab/a"}, expected) == ["a: no Binder button (the menu shows ['Colab'])"]
    assert problems("a", {**expected, "Colab": "https://colab/b"}, expected) == [
        "a: the Colab button points at https://colab/b, not https://colab/a"]
