"""Run chapter 2 in JupyterLab, in a real browser, up to its playground, and drive the playground.

`make lab` opens the chapters in JupyterLab; this check does what a reader then does, under test
conditions:
- JupyterLab is started as `make lab` starts it (the venv's Python, JUPYTER_PREFER_ENV_PATH=1 so
  that the venv's `python3` kernel wins over one in the user's folders), but on 127.0.0.1 at a free
  port, with a token generated here and no browser of its own;
- its configuration, data, runtime, settings and workspace folders are temporary, so the user's
  settings play no part; the news feed, the update check and the extension manager's listings
  (which would ask jupyterlab.github.io and PyPI) are off;
- it serves a temporary folder holding a copy of notebooks/02_core_concepts.ipynb, so that running
  and autosaving never write into the repository.
Debian's Chromium, headless, driven by Playwright (tools/live_check.py: fresh profile, every request
to another host aborted) opens the notebook. The check then asserts that:
1. the notebook opens with all its cells;
2. selecting the playground cell (the code cell whose source starts with PLAYGROUND_MARK) and
   choosing Run > Run All Above Selected Cell, then Ctrl+Enter on the cell, runs every code cell
   up to and including the playground: each shows an execution count and none a traceback. That
   is the whole chapter but its last cell: 25 to 40 s on 2 cores, so no cell is skipped;
3. the playground works (live_check.exercise_toy_playground): a slider moved with the keyboard
   reaches the kernel, Train advances the step counter, the plot changes;
4. the kernel is the venv's Python: its process runs the server's own interpreter (sys.executable);
and fails when the browser console shows an error, a script threw, or the page requested anything
from another host. The server is shut down in every case. Screenshots in --screenshots:
lab-opened.png (the notebook just opened), lab-before.png (the playground, rendered, before
training), lab-after.png (after training). Exit status 1 on any failure.

Usage: python tools/lab_browser_check.py [--screenshots _build/screenshots] [--notebook notebooks/02_core_concepts.ipynb]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from browser_check import ROOT, run_browser_check
from live_check import (exercise_toy_playground, free_port, local_browser_page, log_tail,
                        start_server, stop_server, wait_for_server)

PLAYGROUND_MARK = "# Interactive playground"
CHAPTER_TIMEOUT_S = 420  # running chapter 2 up to the playground: 25 to 40 s alone on 2 cores
RUN_ALL_ABOVE = "Run All Above Selected Cell"  # JupyterLab's Run menu
# User settings of the temporary JupyterLab: nothing asked of the internet, no pop-up over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/extensionmanager-extension/plugin.jupyterlab-settings": {"enabled": False},
}
# Runs in the page: 'done' once the first `count` code cells show an execution count, 'error' as soon as
# an output holds a traceback, null (keep waiting) otherwise.
EXECUTION_STATE_JS = r"""
count => {
  const outputs = Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'));
  if (outputs.some(output => output.textContent.includes('Traceback (most recent call last)'))) return 'error';
  const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
    .slice(0, count).map(prompt => prompt.textContent);
  return prompts.length === count && prompts.every(text => /\[\d+\]/.test(text)) ? 'done' : null;
}
"""


class LabFolders:
    """The temporary JupyterLab: the folder it serves and its own config, data, runtime, settings and
    workspaces, under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.served, self.config, self.data = root / "notebooks", root / "config", root / "data"
        self.runtime, self.settings, self.workspaces = root / "runtime", root / "settings", root / "workspaces"
        self.log = root / "jupyterlab.log"

    def create(self, notebook: Path) -> None:
        for folder in (self.served, self.config, self.data, self.runtime, self.settings, self.workspaces):
            folder.mkdir(parents=True)
        shutil.copy2(notebook, self.served / notebook.name)
        for name, values in LAB_SETTINGS.items():
            path = self.settings / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values, indent=2))

    def environment(self) -> dict[str, str]:
        """The server's environment: the user's Jupyter and IPython folders replaced by the temporary ones."""
        return {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "JUPYTER_CONFIG_DIR": str(self.config),
                "JUPYTER_DATA_DIR": str(self.data), "JUPYTER_RUNTIME_DIR": str(self.runtime),
                "IPYTHONDIR": str(self.root / "ipython")}

    def command(self, port: int, token: str) -> list[str]:
        """JupyterLab on 127.0.0.1:port with `token`, serving `served`; no browser, nothing fetched; as root (a
        container, CI) with --allow-root, as `make lab` does."""
        return [sys.executable, "-m", "jupyterlab", str(self.served), "--no-browser", "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
                "--LabApp.extension_manager=readonly", f"--LabApp.user_settings_dir={self.settings}",
                f"--LabApp.workspaces_dir={self.workspaces}"] + (["--allow-root"] if os.geteuid() == 0 else [])


def playground_cell(notebook: Path) -> tuple[int, int]:
    """The playground cell's index among all cells, and how many code cells there are up to and including it."""
    cells = nbformat.read(notebook, as_version=4).cells
    for index, cell in enumerate(cells):
        if cell.cell_type == "code" and cell.source.lstrip().startswith(PLAYGROUND_MARK):
            return index, sum(c.cell_type == "code" for c in cells[:index + 1])
    raise ValueError(f"{notebook} has no code cell starting with {PLAYGROUND_MARK!r}")


def kernel_executables(runtime: Path) -> list[str]:
    """The program (argv[0]) of every process whose command line names a file in `runtime`: the kernels
    that the server started, each given its connection file there. Reads Linux's /proc."""
    programs = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:  # the process ended meanwhile
            continue
        if any(str(runtime).encode() in argument for argument in argv[1:]):
            programs.append(argv[0].decode())
    return programs


def click_menu(page, menu: str, item: str) -> None:
    """Open `menu` in JupyterLab's menu bar and click its `item`."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(menu)}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def open_notebook(page, url: str, cells: int, screenshots: Path) -> None:
    """Open the notebook and wait until all its cells are there and its kernel is idle."""
    page.goto(url)
    page.wait_for_function("count => document.querySelectorAll('.jp-Notebook .jp-Cell').length === count", arg=cells)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(state="attached")
    page.screenshot(path=str(screenshots / "lab-opened.png"))


def run_up_to(page, cell_index: int, code_cells: int) -> list[str]:
    """Run every cell above cell `cell_index` (Run menu), then that cell (Ctrl+Enter); wait until the first
    `code_cells` code cells have run. Returns the problems (a traceback)."""
    prompt = page.locator(".jp-Notebook .jp-Cell").nth(cell_index).locator(".jp-InputPrompt")
    prompt.scroll_into_view_if_needed()
    prompt.click()  # selects the cell, in command mode
    click_menu(page, "Run", RUN_ALL_ABOVE)
    prompt.click()
    page.keyboard.press("Control+Enter")
    state = page.wait_for_function(EXECUTION_STATE_JS, arg=code_cells, timeout=CHAPTER_TIMEOUT_S * 1000).json_value()
    if state == "done":
        return []
    tracebacks = [text[:600] for text in page.locator(".jp-Notebook .jp-OutputArea-output").all_text_contents()
                  if "Traceback (most recent call last)" in text]
    return [f"a cell raised:\n{traceback}" for traceback in tracebacks]


def check_kernel(runtime: Path) -> list[str]:
    """The kernel runs sys.executable, the venv's Python that runs JupyterLab (problems, or none)."""
    programs = kernel_executables(runtime)
    if not programs:
        return [f"found no kernel process with a connection file in {runtime}"]
    return [f"the kernel runs {program}, not the venv's {sys.executable}" for program in programs
            if program != sys.executable]


def drive_lab(base_url: str, token: str, folders: LabFolders, notebook: Path, screenshots: Path,
              chromium: str) -> list[str]:
    """Open `notebook` in JupyterLab, run it up to the playground, drive it; the problems found."""
    cell_index, code_cells = playground_cell(notebook)
    cells = len(nbformat.read(notebook, as_version=4).cells)
    with local_browser_page(chromium) as (page, browser_log):
        open_notebook(page, f"{base_url}/lab/tree/{notebook.name}?token={token}", cells, screenshots)
        print(f"  opened {notebook.name}: {cells} cells; the playground is cell {cell_index} "
              f"(code cell {code_cells})")
        started = time.perf_counter()
        problems = run_up_to(page, cell_index, code_cells)
        print(f"  ran {code_cells} code cells up to the playground in {time.perf_counter() - started:.1f} s")
        if not problems:  # a cell that raised leaves no playground to drive
            output = page.locator(".jp-Notebook .jp-Cell").nth(cell_index).locator(".jp-OutputArea")
            problems += exercise_toy_playground(page, output, screenshots, "lab")
        problems += check_kernel(folders.runtime)
    return problems + browser_log.problems()


def check_lab(notebook: Path, screenshots: Path, chromium: str) -> list[str]:
    """Start the temporary JupyterLab, drive it, shut it down (always); the problems found."""
    with tempfile.TemporaryDirectory(prefix="lab-check-") as root:
        folders = LabFolders(Path(root))
        folders.create(notebook)
        port, token = free_port(), secrets.token_hex(24)
        server = start_server(folders.command(port, token), folders.served, folders.log, folders.environment())
        try:
            wait_for_server(port, server, folders.log, "JupyterLab")
            print(f"lab browser check: JupyterLab on 127.0.0.1:{port}, {chromium} headless")
            return drive_lab(f"http://127.0.0.1:{port}", token, folders, notebook, screenshots, chromium)
        except Exception as error:  # report the failure with the server's log, then fail
            return [f"{type(error).__name__}: {error}", "JupyterLab log (end):\n" + log_tail(folders.log)]
        finally:
            stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    parser.add_argument("--notebook", type=Path, default=ROOT / "notebooks" / "02_core_concepts.ipynb",
                        help="a chapter with a code cell starting with " + repr(PLAYGROUND_MARK))
    args = parser.parse_args(argv)
    return run_browser_check("lab browser check", args.screenshots,
                             lambda chromium: check_lab(args.notebook.resolve(), args.screenshots, chromium),
                             "lab-opened.png, lab-before.png and lab-after.png")

if __name__ == "__main__":
    sys.exit(main())
