"""Drive the 2D playground in a real browser, on a live kernel, as a reader would.

A one-cell notebook that shows `gan_lib.widgets.ToyPlayground` is served by Voilà on 127.0.0.1
(a Jupyter server with a live kernel that renders only the widgets). Voilà's lab template links
Font Awesome from a CDN; the check renders with a template of its own (VOILA_TEMPLATE, Voilà's lab
template otherwise) that links the Font Awesome 4 which `make web-assets` installed into
.venv/web_assets, served by Voilà itself. Debian's Chromium, headless and driven by Playwright
(never its own browser download), opens the page with a fresh profile. The check then
(tools/live_check.py's exercise_toy_playground):
1. waits for the widgets to render and reads the status line ("step 0 ...") and the plot;
2. moves the "G learning rate" slider with the keyboard and waits for the kernel's answer in the
   status line (the round trip from browser to Python and back);
3. presses Train, waits until the step counter has advanced by at least MIN_STEPS, presses Pause;
4. asserts that the plot changed and that the local Font Awesome stylesheet loaded;
and fails when any script in the page threw, the console shows an error, or the page requested
anything from a host other than this machine (such requests are aborted). It saves screenshots
playground-before.png and playground-after.png. Exit status 1 on any failure.

Usage: python tools/playground_browser_check.py [--screenshots _build/screenshots]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from browser_check import ROOT, run_browser_check
from live_check import (exercise_toy_playground, free_port, local_browser_page, log_tail, start_server, stop_server,
                        wait_for_server)
from offline_assets import installed_folder

PLAYGROUND_CELL = """from gan_lib.widgets import ToyPlayground

ToyPlayground(target="ring", loss="non-saturating")"""
VOILA_TEMPLATE = "gan-book-offline"
# The two stylesheets Voilà 0.5's lab template links from jsDelivr, as its notebook_css block writes them.
FONT_AWESOME_CDN_LINKS = tuple(
    f'<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@^5/css/{name}" '
    'type="text/css" />' for name in ("all.min.css", "v4-shims.min.css"))
LOCAL_FONT_AWESOME_CSS = "static/font-awesome/css/font-awesome.min.css"  # inside the template's folder
TEMPLATE_INDEX = """{%- extends 'lab/index.html.j2' -%}
{#- Voila's lab template, with Font Awesome served by Voila (Font Awesome 4, from .venv/web_assets) in place of
    the CDN stylesheets. Written by tools/playground_browser_check.py. -#}
{%- block notebook_css -%}
{{ super() | replace('CDN_ALL', resources.include_css('LOCAL_CSS')) | replace('CDN_SHIMS', '') }}
{%- endblock notebook_css -%}
""".replace("CDN_ALL", FONT_AWESOME_CDN_LINKS[0]).replace("CDN_SHIMS", FONT_AWESOME_CDN_LINKS[1]) \
    .replace("LOCAL_CSS", LOCAL_FONT_AWESOME_CSS)


def write_voila_template(jupyter_path: Path) -> None:
    """Write VOILA_TEMPLATE under jupyter_path/voila/templates/: Voilà's lab template whose Font Awesome
    stylesheet is a copy of the one `make web-assets` installed, served from the template's static folder."""
    folder = jupyter_path / "voila" / "templates" / VOILA_TEMPLATE
    font_awesome = installed_folder("font-awesome")
    for part in ("css", "fonts"):
        shutil.copytree(font_awesome / part, folder / "static" / "font-awesome" / part)
    (folder / "conf.json").write_text('{"base_template": "lab"}\n')
    (folder / "index.html.j2").write_text(TEMPLATE_INDEX)


def local_font_awesome_loaded(page) -> bool:
    """Whether the page holds the local Font Awesome stylesheet, with its rules (it loaded)."""
    return page.evaluate("css => Array.from(document.styleSheets).some(sheet => sheet.href"
                         " && new URL(sheet.href).pathname.endsWith(css) && sheet.cssRules.length > 0)",
                         LOCAL_FONT_AWESOME_CSS.removeprefix("static/"))


def write_playground_notebook(path: Path) -> None:
    cell = nbformat.v4.new_code_cell(PLAYGROUND_CELL)
    nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), path)


def voila_command(notebook: Path, port: int) -> list[str]:
    """Voilà serving `notebook` on 127.0.0.1:port with VOILA_TEMPLATE; its kernel the Python running this script."""
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            f"--template={VOILA_TEMPLATE}", "--show_tracebacks=True"]


def check_playground(folder: Path, screenshots: Path, chromium: str) -> list[str]:
    """Serve the playground with Voilà from `folder`, drive it in Chromium; the problems found."""
    notebook, log = folder / "playground.ipynb", folder / "voila.log"
    write_playground_notebook(notebook)
    jupyter_path = folder / "jupyter"
    write_voila_template(jupyter_path)
    environment = {**os.environ, "JUPYTER_PATH": str(jupyter_path)}
    port = free_port()
    server = start_server(voila_command(notebook, port), folder, log, environment)
    try:
        wait_for_server(port, server, log, "Voilà")
        print(f"playground browser check: Voilà on 127.0.0.1:{port}, {chromium} headless")
        with local_browser_page(chromium) as (page, browser_log):
            page.goto(f"http://127.0.0.1:{port}/")
            problems = exercise_toy_playground(page, page, screenshots, "playground")
            if not local_font_awesome_loaded(page):
                problems.append(f"the local Font Awesome stylesheet ({LOCAL_FONT_AWESOME_CSS}) did not load")
        return problems + browser_log.problems()
    except Exception as error:  # report the failure with the server's log, then fail
        return [f"{type(error).__name__}: {error}", "Voilà log (end):\n" + log_tail(log)]
    finally:
        stop_server(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)

    def check(chromium: str) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="playground-voila-") as folder:
            return check_playground(Path(folder), args.screenshots, chromium)

    return run_browser_check("playground browser check", args.screenshots, check,
                             "playground-before.png and playground-after.png")

if __name__ == "__main__":
    sys.exit(main())
