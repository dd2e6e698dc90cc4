"""What the two live-kernel browser checks share: a Jupyter server on 127.0.0.1, Chromium kept on this
machine, and the 2D playground driven as a reader would drive it.

- tools/playground_browser_check.py serves the playground with Voilà;
- tools/lab_browser_check.py opens chapter 2 in JupyterLab and runs it up to the playground.

Both start a server with `start_server`, wait for it with `wait_for_server`, always end it with
`stop_server`, open one page with `local_browser_page` (Debian's Chromium, headless, a fresh
profile, every request to another host aborted and recorded) and call `exercise_toy_playground`.
"""
from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from browser_check import CHROMIUM_ARGS, VIEWPORT, localhost_only

SERVER_TIMEOUT_S = 180  # for a server, a kernel or a first render, on a busy 2-core machine
MIN_STEPS = 20  # generator steps the playground's counter must advance while training
SLIDER_LABEL = "G learning rate"
SLIDER_PRESSES = 3  # ArrowRight presses on the slider's handle


# ---------------------------------------------------------------- the server

def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(command: list[str], cwd: Path, log: Path, env: dict | None = None) -> subprocess.Popen:
    """Run `command` (a Jupyter server) in `cwd`, its output going to the file `log`."""
    with open(log, "w") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT)


def log_tail(log: Path, characters: int = 3000) -> str:
    return log.read_text(errors="replace")[-characters:] if log.is_file() else "(no log)"


def wait_for_server(port: int, server: subprocess.Popen, log: Path, name: str) -> None:
    """Return once something listens on 127.0.0.1:port; raise if `server` exits or SERVER_TIMEOUT_S pass."""
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"{name} exited with status {server.returncode}:\n{log_tail(log)}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise RuntimeError(f"{name} did not listen on port {port} within {SERVER_TIMEOUT_S} s:\n{log_tail(log)}")


def stop_server(server: subprocess.Popen) -> None:
    """End the server (SIGTERM: Jupyter shuts its kernels down), or kill it after 30 s."""
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


# ---------------------------------------------------------------- the browser

@dataclass
class BrowserLog:
    """What went wrong in the page: requests to other hosts (aborted), scripts that threw, console errors."""
    blocked: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"a request to another host (it must work offline): {url}" for url in self.blocked]
                + [f"a script in the page threw: {error}" for error in self.page_errors]
                + [f"console error: {message}" for message in self.console_errors])


@contextmanager
def local_browser_page(chromium: str, timeout_s: float = SERVER_TIMEOUT_S) -> Iterator[tuple[object, BrowserLog]]:
    """A page in headless Chromium (fresh profile, service workers off) whose requests to any host but
    this machine are aborted; yields the page and the BrowserLog that records what went wrong."""
    from playwright.sync_api import sync_playwright  # imported here so --help works without it

    log = BrowserLog()
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="live-chromium-") as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            service_workers="block")
        try:
            context.route("**/*", localhost_only(log.blocked))
            page = context.new_page()
            page.on("pageerror", lambda error: log.page_errors.append(str(error)))
            page.on("console", lambda message: log.console_errors.append(message.text)
                    if message.type == "error" else None)
            page.set_default_timeout(timeout_s * 1000)
            yield page, log
        finally:
            context.close()


# ---------------------------------------------------------------- the playground

# Every widget whose layout fixes its width in px (the playground's controls) that is drawn narrower (a flex
# row squeezed it) or that sticks out of an ancestor that clips its overflow (a squeezed column hides the
# controls' right-hand part: dropdowns cut off, slider readouts gone).
SHRUNK_CONTROLS_JS = r"""scope => {
  const root = scope && scope.querySelectorAll ? scope : document;
  const name = el => (el.innerText || el.className).trim().split('\n')[0];
  const problems = [];
  for (const el of root.querySelectorAll('.jupyter-widgets')) {
    if (!/^[0-9.]+px$/.test(el.style.width)) continue;
    const box = el.getBoundingClientRect();
    if (box.width + 1 < parseFloat(el.style.width)) {
      problems.push(`${name(el)}: ${box.width.toFixed(0)} px of ${el.style.width}`);
      continue;
    }
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      const edge = up.getBoundingClientRect().right;
      if (overflow !== 'visible' && edge + 1 < box.right) {
        problems.push(`${name(el)}: ${(box.right - edge).toFixed(0)} px cut off by its container`);
        break;
      }
    }
  }
  return problems;
}"""


def step_of(status: str) -> int:
    """The generator step in the playground's status line, e.g. 12 in 'step 12 · paused'."""
    match = re.search(r"step (\d+)", status)
    if not match:
        raise AssertionError(f"no step counter in the status line {status!r}")
    return int(match.group(1))


class ToyPlaygroundView:
    """The rendered ToyPlayground inside `scope` (the page, or the output of the cell that shows it)."""

    def __init__(self, page, scope) -> None:
        self.page = page
        self.train = scope.locator("button.jupyter-button", has_text="Train")
        self.pause = scope.locator("button.jupyter-button", has_text="Pause")
        self.status = scope.locator(".widget-html-content", has_text="step")
        self.plot = scope.locator("img.widget-image").first
        self.slider = scope.locator(".widget-slider", has_text=SLIDER_LABEL)
        self.scope = scope

    def wait_until_rendered(self) -> None:
        """The Train button is visible and the plot image has loaded."""
        self.train.wait_for(state="visible")
        self.plot.wait_for(state="visible")
        self.plot.evaluate("img => img.complete && img.naturalWidth > 0 ? true :"
                           " new Promise(done => img.addEventListener('load', () => done(true), {once: true}))")

    def move_slider(self) -> tuple[str, str]:
        """Press ArrowRight SLIDER_PRESSES times on the slider's handle and wait for the kernel to answer
        in the status line ('... set to ...'); returns the readout before and after."""
        readout = self.slider.locator(".widget-readout")
        before = readout.inner_text()
        self.slider.locator(".noUi-handle").focus()
        for _ in range(SLIDER_PRESSES):
            self.page.keyboard.press("ArrowRight")
        self.scope.locator(".widget-html-content", has_text=f"{SLIDER_LABEL} set to").wait_for(state="visible")
        return before, readout.inner_text()

    def kernel_value(self) -> float:
        """The value the kernel reports in the status line after a slider move ('G learning rate set to 0.002')."""
        match = re.search(rf"{re.escape(SLIDER_LABEL)} set to (\S+)", self.status.inner_text())
        if not match:
            raise AssertionError(f"no '{SLIDER_LABEL} set to' in the status line {self.status.inner_text()!r}")
        return float(match.group(1))

    def wait_for_kernel_value(self, expected: float, timeout_s: float = 30.0) -> float:
        """The kernel's last reported value, once it equals `expected` (each key press is one change, and
        the kernel answers them in turn) or after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while (value := self.kernel_value()) != expected and time.monotonic() < deadline:
            time.sleep(0.25)
        return value

    def shrunk_controls(self) -> list[str]:
        """Controls drawn narrower than the width their layout asks for (clipped labels or sliders)."""
        return self.scope.evaluate(SHRUNK_CONTROLS_JS)

    def train_for(self, min_steps: int) -> None:
        """Press Train, wait until the step counter reaches `min_steps`, press Pause."""
        self.train.click()
        self.pause.wait_for(state="visible")
        deadline = time.monotonic() + SERVER_TIMEOUT_S
        while step_of(self.status.inner_text()) < min_steps:
            if time.monotonic() > deadline:
                raise TimeoutError(f"the step counter did not reach {min_steps} in {SERVER_TIMEOUT_S} s")
            time.sleep(0.25)
        self.pause.click()
        self.train.wait_for(state="visible")
        time.sleep(1.0)  # the last frame after the pause


def exercise_toy_playground(page, scope, screenshots: Path, prefix: str, min_steps: int = MIN_STEPS) -> list[str]:
    """Drive the playground in `scope` and return what failed (empty when all passed). It asserts that:
    a new model starts at step 0; the slider moved with the keyboard reaches the kernel (its answer
    appears in the status line) and its readout changes; Train advances the step counter to at least
    `min_steps`; and the plot's pixels differ after training. Saves {prefix}-before.png and
    {prefix}-after.png (the viewport, scrolled to the playground)."""
    view = ToyPlaygroundView(page, scope)
    problems = []
    view.wait_until_rendered()
    view.plot.scroll_into_view_if_needed()
    before_status, before_plot = view.status.inner_text(), view.plot.screenshot()
    page.screenshot(path=str(screenshots / f"{prefix}-before.png"))
    print(f"  rendered: status '{before_status}', plot {len(before_plot)} bytes")
    if step_of(before_status) != 0:
        problems.append(f"a new model should start at step 0, the status says {before_status!r}")

    readout_before, readout_after = view.move_slider()
    if readout_after == readout_before:
        problems.append(f"the {SLIDER_LABEL} slider did not move (readout stays {readout_before})")
    kernel_value = view.wait_for_kernel_value(float(readout_after))
    print(f"  slider: {SLIDER_LABEL} {readout_before} -> {readout_after}; kernel: '{view.status.inner_text()}'")
    if float(readout_after) != kernel_value:
        problems.append(f"the {SLIDER_LABEL} slider shows {readout_after} while the kernel holds {kernel_value}")
    shrunk = view.shrunk_controls()
    print(f"  layout at {page.viewport_size['width']} px: {len(shrunk)} controls squeezed or cut off")
    problems += [f"control clipped: {entry}" for entry in shrunk]

    view.train_for(min_steps)
    view.plot.scroll_into_view_if_needed()
    after_status, after_plot = view.status.inner_text(), view.plot.screenshot()
    page.screenshot(path=str(screenshots / f"{prefix}-after.png"))
    print(f"  trained: status '{after_status}', plot {len(after_plot)} bytes")
    if step_of(after_status) < min_steps:
        problems.append(f"the step counter did not advance to {min_steps}: {after_status!r}")
    if after_plot == before_plot:
        problems.append("the plot did not change while training")
    return problems
