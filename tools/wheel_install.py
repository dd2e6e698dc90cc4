"""Build gan_lib's wheel and install it into a scratch folder: the package as a reader's `pip install`
gets it, away from the repository, to check that a chapter needs nothing else from the checkout
(tests/test_self_contained.py, tools/nbval_alone.py).

    python tools/wheel_install.py DIR      # builds into DIR, prints the folder to put on PYTHONPATH

Offline and in seconds: pip builds with this Python's setuptools (no build isolation, so no download)
and installs without dependencies (torch and the rest are this environment's).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "gan_lib")  # what the build reads: pyproject names README.md
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]


def build_wheel(scratch: Path, root: Path = ROOT) -> Path:
    """gan_lib's wheel, built in `scratch` from a copy of its sources: a build writes build/ and
    *.egg-info beside the sources it reads, which should not appear in the checkout."""
    source = scratch / "source"
    for name in SOURCES:
        if (root / name).is_dir():
            shutil.copytree(root / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, source / name)
    subprocess.run([*PIP, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(scratch / "wheel"),
                    str(source)], check=True)
    (wheel,) = (scratch / "wheel").glob("gan_lib-*.whl")
    return wheel


def install_wheel(scratch: Path, root: Path = ROOT) -> Path:
    """Build gan_lib's wheel and install it into `scratch`/site; return that folder (for PYTHONPATH)."""
    site = scratch / "site"
    subprocess.run([*PIP, "install", "--no-deps", "--no-index", "--target", str(site), str(build_wheel(scratch, root))],
                   check=True)
    return site


def installed_environment(site: Path) -> dict:
    """This process's environment with only `site` on PYTHONPATH: `import gan_lib` finds the wheel's copy."""
    return {**os.environ, "PYTHONPATH": str(site)}


def run_installed(site: Path, code: str, cwd: Path, *arguments: str) -> str:
    """The output of `python -c code ARGUMENTS...` run in `cwd` against the install in `site`; raises if it fails."""
    return subprocess.run([sys.executable, "-c", code, *arguments], cwd=cwd, env=installed_environment(site),
                          capture_output=True, text=True, check=True).stdout


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/wheel_install.py DIR")
    print(install_wheel(Path(sys.argv[1]).resolve()))
