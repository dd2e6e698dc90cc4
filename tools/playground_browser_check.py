"""Drive the 2D playground in a real browser, on a live kernel, as a reader would.

A one-cell notebook that shows `gan_lib.widgets.ToyPlayground` is served by Voilà on 127.0.0.1
(a Jupyter server with a live kernel that renders only the widgets). Debian's Chromium, headless
and driven by Playwright (never its own browser download), opens it with a fresh profile and every
request to another host blocked. The check then:
1. waits for the widgets to render and reads the status line ("step 0 ...") and the plot;
2. moves the "G learning rate" slider with the keyboard and waits for the kernel's answer in the
   status line (the round trip from browser to Python and back);
3. presses Train, waits until the step counter has advanced by at least MIN_STEPS, presses Pause;
4. asserts that the plot changed and that no script in the page threw.
It saves screenshots before and after training. Exit status 1 on any failure.

Usage: python tools/playground_browser_check.py [--screenshots _build/screenshots]
"""
from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from browser_check import CHROMIUM_ARGS, ROOT, VIEWPORT, BrowserNotFoundError, find_chromium, localhost_only

MIN_STEPS = 20  # generator steps the counter must advance while training
TIMEOUT_S = 180  # for the server, the kernel and the first render, on a busy 2-core machine
PLAYGROUND_CELL = """from gan_lib.widgets import ToyPlayground

ToyPlayground(target="ring", loss="non-saturating")"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_voila(notebook: Path, port: int) -> subprocess.Popen:
    """Voilà serving `notebook` on 127.0.0.1:port, its kernel the Python that runs this script."""
    command = [sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
               "--show_tracebacks=True"]
    log = open(notebook.with_suffix(".log"), "w")
    return subprocess.Popen(command, cwd=notebook.parent, stdout=log, stderr=subprocess.STDOUT)


def wait_for_server(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Voilà exited with status {server.returncode}:\n{log.read_text()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"Voilà did not listen on port {port} within {TIMEOUT_S} s:\n{log.read_text()[-2000:]}")


def step_of(status: str) -> int:
    match = re.search(r"step (\d+)", status)
    if not match:
        raise AssertionError(f"no step counter in the status line {status!r}")
    return int(match.group(1))


def drive(url: str, screenshots: Path, chromium: str) -> list[str]:
    """Run the checks in Chromium; returns the problems found (empty when all passed)."""
    from playwright.sync_api import sync_playwright  # imported here so --help works without it

    problems, page_errors, blocked = [], [], []
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="playground-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            service_workers="block")
        context.route("**/*", localhost_only(blocked))
        page = context.new_page()
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        page.set_default_timeout(TIMEOUT_S * 1000)
        page.goto(url)
        train = page.locator("button.jupyter-button", has_text="Train")
        train.wait_for(state="visible")
        status = page.locator(".widget-html-content", has_text="step")
        plot = page.locator("img.widget-image").first
        plot.wait_for(state="visible")
        page.wait_for_function("() => { const img = document.querySelector('img.widget-image');"
                               " return img && img.complete && img.naturalWidth > 0; }")
        before_status, before_plot = status.inner_text(), plot.screenshot()
        page.screenshot(path=str(screenshots / "playground-before.png"))
        print(f"  rendered: status '{before_status}', plot {len(before_plot)} bytes")
        if step_of(before_status) != 0:
            problems.append(f"a new model should start at step 0, the status says {before_status!r}")

        # Move the G learning-rate slider by three keyboard steps; the kernel confirms the new value.
        slider = page.locator(".widget-slider", has_text="G learning rate")
        readout_before = slider.locator(".widget-readout").inner_text()
        slider.locator(".noUi-handle").focus()
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.locator(".widget-html-content", has_text="G learning rate set to").wait_for(state="visible")
        readout_after = slider.locator(".widget-readout").inner_text()
        print(f"  slider: G learning rate {readout_before} -> {readout_after}; kernel: '{status.inner_text()}'")
        if readout_after == readout_before:
            problems.append(f"the G learning-rate slider did not move (readout stays {readout_before})")

        # Train until the counter has advanced, then pause.
        train.click()
        page.locator("button.jupyter-button", has_text="Pause").wait_for(state="visible")
        page.wait_for_function(
            "minimum => { const match = Array.from(document.querySelectorAll('.widget-html-content'))"
            ".map(el => el.textContent.match(/step (\\d+)/)).find(Boolean);"
            " return match && Number(match[1]) >= minimum; }", arg=MIN_STEPS)
        page.locator("button.jupyter-button", has_text="Pause").click()
        train.wait_for(state="visible")
        time.sleep(1.0)  # the last frame after the pause
        after_status, after_plot = status.inner_text(), plot.screenshot()
        page.screenshot(path=str(screenshots / "playground-after.png"))
        print(f"  trained: status '{after_status}', plot {len(after_plot)} bytes")
        if step_of(after_status) < MIN_STEPS:
            problems.append(f"the step counter did not advance to {MIN_STEPS}: {after_status!r}")
        if after_plot == before_plot:
            problems.append("the plot did not change while training")
        context.close()
    problems += [f"a script in the page threw: {error}" for error in page_errors]
    if blocked:
        print(f"  note: {len(blocked)} requests to other hosts were blocked, e.g. {blocked[0]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)
    try:
        chromium = find_chromium()
    except BrowserNotFoundError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    args.screenshots.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="playground-voila-") as folder:
        notebook = Path(folder) / "playground.ipynb"
        cell = nbformat.v4.new_code_cell(PLAYGROUND_CELL)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {
            "name": "python3", "display_name": "Python 3", "language": "python"}}), notebook)
        port = free_port()
        server = start_voila(notebook, port)
        try:
            wait_for_server(port, server, notebook.with_suffix(".log"))
            print(f"playground browser check: Voilà on 127.0.0.1:{port}, {chromium} headless")
            problems = drive(f"http://127.0.0.1:{port}/", args.screenshots, chromium)
        except Exception as error:  # report the failure with the server's log, then fail
            problems = [f"{type(error).__name__}: {error}",
                        "Voilà log (end):\n" + notebook.with_suffix(".log").read_text()[-3000:]]
        finally:
            server.terminate()
            server.wait(timeout=30)
    for problem in problems:
        print(f"  FAIL {problem}")
    verdict = "passed" if not problems else "FAILED"
    print(f"playground browser check {verdict} in {time.perf_counter() - started:.1f} s; "
          f"screenshots playground-before.png and playground-after.png in {args.screenshots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
