"""nbval on one chapter as a reader runs a downloaded notebook: a copy of it alone in an empty folder,
its kernel importing gan_lib from the installed wheel, not from the repository.

    python tools/nbval_alone.py notebooks/09_faq.ipynb

A chapter that still reads a file of the checkout (`../benchmarks/...`, `results/...`) fails here.
`make notebooks` runs one chapter that reads committed results this way (the FAQ, the cheapest) and
the others from notebooks/, so each chapter is executed once. nbval's kernel inherits this process's
environment (`--nbval-current-env`), PYTHONPATH included.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wheel_install import install_wheel, installed_environment, run_installed  # noqa: E402

NBVAL = ["-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider"]


def run_alone(notebook: Path) -> int:
    """nbval's exit status on a copy of `notebook` in an empty folder, with gan_lib from the wheel."""
    with tempfile.TemporaryDirectory(prefix="gan_book_alone_") as scratch:
        site = install_wheel(Path(scratch) / "install")
        folder = Path(scratch) / "chapter"
        folder.mkdir()
        shutil.copy2(notebook, folder / notebook.name)
        imported = Path(run_installed(site, "import gan_lib; print(gan_lib.__file__)", folder).strip())
        if not imported.is_relative_to(site):
            sys.exit(f"gan_lib was imported from {imported}, not from the wheel installed in {site}")
        print(f"{notebook.name} alone in {folder}, gan_lib from {imported.parent}", flush=True)
        return subprocess.run([sys.executable, *NBVAL, notebook.name], cwd=folder,
                              env=installed_environment(site)).returncode


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/nbval_alone.py notebooks/CHAPTER.ipynb")
    sys.exit(run_alone(Path(sys.argv[1]).resolve()))
