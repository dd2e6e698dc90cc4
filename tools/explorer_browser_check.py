"""Drive the static explorers (book/_static/explorer/explorer.js) in a real browser, as a reader would.

Debian's Chromium, headless and driven by Playwright (tools/browser_check.py's helpers: the same
browser, arguments and localhost-only routing), opens each page that holds an explorer, and for
every explorer on it:
1. visits every run of the chapter's grid by clicking the knobs' radio buttons (so every knob and
   every option is changed), and after each click checks that the picture changed (a hash of the
   canvases' pixels) and that the readouts (step, losses, modes captured, high-quality share,
   gradient size, FD) show the stored run's values at that step, read from the data file itself;
2. moves the step scrubber with the keyboard (Home, End, arrows) and checks the same;
3. toggles each view switch (D's map, samples, arrows, latent grid; or G/EMA) and checks the picture changes;
4. presses Play, waits for the step to advance, presses Pause;
and fails on any console error, uncaught exception, failed local request or request to another host.
It saves a screenshot of each explorer. Exit status 1 on any problem.

    python tools/explorer_browser_check.py --demo                  # tools/explorer_demo.html, over http and file://
    python tools/explorer_browser_check.py --site _build/html      # the built book's pages that hold an explorer
    python tools/explorer_browser_check.py --site _build/html --page notebooks/02_core_concepts
"""
from __future__ import annotations

import argparse
import hashlib
import itertools
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from browser_check import (CHROMIUM_ARGS, ROOT, VIEWPORT, localhost_only, run_browser_check, serve,
                           toc_pages)
from explorer_data import load_data_file, snapshot_index

DEMO = ROOT / "tools" / "explorer_demo.html"
DEMO_DATA = ROOT / "book" / "_static" / "explorer"
TIMEOUT_MS = 60_000
PLAY_STEPS = 2  # snapshots the Play button must advance

# The explorer's state, its readouts and a fingerprint of every canvas, read in the page.
STATE_JS = r"""
root => ({
  run: root.getAttribute('data-run'), index: Number(root.getAttribute('data-index')),
  canvases: Array.from(root.querySelectorAll('canvas')).map(c => c.toDataURL()).join('|'),
  readouts: Object.fromEntries(Array.from(root.querySelectorAll('[data-readout]'))
                               .map(e => [e.getAttribute('data-readout'), e.textContent])),
  stepText: root.querySelector('.ge-step').textContent, note: root.querySelector('.ge-note').textContent,
  playing: root.querySelector('.ge-play').getAttribute('aria-pressed'),
})
"""
SETTLED_JS = "root => root.getAttribute('data-requested') === root.getAttribute('data-rendered')"


def local_or_file_only(blocked: list[str]):
    """localhost_only, plus file:// (the demo opened as a plain file)."""
    only_localhost = localhost_only(blocked)

    def route_request(route) -> None:
        if urlsplit(route.request.url).scheme == "file":
            route.continue_()
        else:
            only_localhost(route)

    return route_request


def same_number(text: str, value: float) -> bool:
    try:
        shown = float(text)
    except ValueError:
        return False
    return abs(shown - value) <= 1e-9 * max(1.0, abs(value))


def expected_problems(data: dict, key: str, index: int, state: dict, source: str = "ema") -> list[str]:
    """What is wrong with the readouts in `state` for run `key` at scrubber position `index`."""
    problems, readouts = [], state["readouts"]
    where = f"run {key} at position {index}"
    run = data["runs"][key]
    if state["run"] != key or state["index"] != index:
        return [f"{where}: the explorer shows run {state['run']} at position {state['index']}"]
    if f"step {data['steps'][index]} of {data['steps'][-1]}" != state["stepText"]:
        problems.append(f"{where}: the scrubber says {state['stepText']!r}")
    for knob in data["knobs"]:
        option = next(o for o in knob["options"] if o["id"] == key.split("|")[data["knobs"].index(knob)])
        if f"{knob['label']}: {option['label']}" not in readouts.get("settings", ""):
            problems.append(f"{where}: the settings readout {readouts.get('settings')!r} lacks {knob['label']}: {option['label']}")
    if run["refused"]:
        if readouts.get("run") != "refused" or "refuses" not in state["note"]:
            problems.append(f"{where}: a refused run should say so, shows {readouts} / {state['note']!r}")
        return problems
    snap = run["snapshots"][snapshot_index(run, index)]
    metrics = snap["metrics"]
    wanted = {"step": str(snap["step"])}
    if data["kind"] == "toy":
        modes = len(data["targets"][run["settings"]["target"]]["modes"])
        wanted["modes"] = f"{metrics['modes']} of {modes}" if "modes" in metrics else "\u2014"
        wanted["hq"] = f"{metrics['hq']:.1f}%" if "hq" in metrics else "\u2014"
        numbers = {"d_loss": metrics["d_loss"], "g_loss": metrics["g_loss"], "push": metrics["push"]}
    else:
        numbers = {"d_loss": metrics["d_loss"], "g_loss": metrics["g_loss"], "fd": metrics["fd_" + source]}
    for name, text in wanted.items():
        if readouts.get(name) != text:
            problems.append(f"{where}: readout {name} shows {readouts.get(name)!r}, the data file says {text!r}")
    for name, value in numbers.items():
        shown = readouts.get(name)
        if (value is None and shown != "\u2014") or (value is not None and not same_number(shown or "", value)):
            problems.append(f"{where}: readout {name} shows {shown!r}, the data file says {value!r}")
    return problems


class ExplorerDriver:
    """One explorer on a page: acts on its controls and reads its state."""

    def __init__(self, page, root, data: dict, name: str):
        self.page, self.root, self.data, self.name = page, root, data, name
        self.source = "ema"

    def state(self) -> dict:
        self.page.wait_for_function(f"() => ({SETTLED_JS})(document.querySelectorAll('.gan-explorer')[{self.position}])",
                                    timeout=TIMEOUT_MS)
        state = self.root.evaluate(STATE_JS)
        state["hash"] = hashlib.sha256(state.pop("canvases").encode()).hexdigest()[:16]
        return state

    @property
    def position(self) -> int:
        return self.root.evaluate("root => Array.from(document.querySelectorAll('.gan-explorer')).indexOf(root)")

    def choose(self, knob: str, option: str) -> None:
        self.root.locator(f'fieldset[data-knob="{knob}"] input[value="{option}"]').check()

    def check(self, shots: Path, label: str) -> list[str]:
        data, problems = self.data, []
        where = f"{label} {self.name}"
        self.page.wait_for_function(f"() => document.querySelectorAll('.gan-explorer.ge-ready').length > {self.position}",
                                    timeout=TIMEOUT_MS)
        last = len(data["steps"]) - 1
        state = self.state()
        defaults = [knob["default"] for knob in data["knobs"]]
        problems += expected_problems(data, "|".join(defaults), last, state)
        self.root.screenshot(path=str(shots / f"explorer-{label}-{self.name}.png"))

        # 1. Every run of the grid, reached by clicking the knobs (each knob and option changes).
        current, visited = defaults, 0
        combos = list(itertools.product(*[[o["id"] for o in knob["options"]] for knob in data["knobs"]]))
        for combo in combos + [tuple(defaults)]:
            if list(combo) == current:
                continue
            for knob, old, new in zip(data["knobs"], current, combo):
                if old != new:
                    self.choose(knob["name"], new)
            before, state = state, self.state()
            key, old_key = "|".join(combo), "|".join(current)
            both_refused = data["runs"][key]["refused"] and data["runs"][old_key]["refused"]
            if state["hash"] == before["hash"] and not both_refused:
                problems.append(f"{where}: the picture did not change from run {old_key} to {key}")
            problems += expected_problems(data, key, last, state, self.source)
            current, visited = list(combo), visited + 1

        # 2. The step scrubber, by keyboard.
        key = "|".join(current)
        slider = self.root.locator("input.ge-slider")
        slider.focus()
        for press, index in (("Home", 0), ("ArrowRight", 1), ("ArrowRight", 2), ("End", last), ("ArrowLeft", last - 1)):
            before = state
            self.page.keyboard.press(press)
            state = self.state()
            if state["hash"] == before["hash"] and index != before["index"]:
                problems.append(f"{where}: the picture did not change on {press} (position {before['index']} -> {index})")
            problems += expected_problems(data, key, index, state, self.source)

        # 3. The view switches.
        switches = self.root.locator(".ge-views input")
        for i in range(switches.count()):
            switch = switches.nth(i)
            value, kind = switch.get_attribute("value"), switch.get_attribute("type")
            if kind == "radio" and switch.is_checked():
                continue
            before = state
            switch.click()
            state = self.state()
            if kind == "radio":
                self.source = value
            if state["hash"] == before["hash"]:
                problems.append(f"{where}: the picture did not change when switching {value!r}")
            problems += expected_problems(data, key, last - 1, state, self.source)
            if kind == "checkbox":
                switch.click()
                state = self.state()
                if state["hash"] != before["hash"]:
                    problems.append(f"{where}: switching {value!r} off and on again did not restore the picture")
        if data["kind"] == "images":  # back to the EMA, then check the readouts of another run with it
            self.root.locator('.ge-views input[value="ema"]').check()
            self.source = "ema"
            problems += expected_problems(data, key, last - 1, self.state(), self.source)

        # 4. Play from the start, then pause.
        slider.focus()
        self.page.keyboard.press("Home")
        self.state()
        self.root.locator("button.ge-play").click()
        self.page.wait_for_function(
            f"() => Number(document.querySelectorAll('.gan-explorer')[{self.position}].getAttribute('data-index')) >= {PLAY_STEPS}",
            timeout=TIMEOUT_MS)
        self.root.locator("button.ge-play").click()
        state = self.state()
        if state["playing"] != "false":
            problems.append(f"{where}: the Play button did not pause")
        problems += expected_problems(data, key, state["index"], state, self.source)
        problems = [problem if problem.startswith(where) else f"{where}: {problem}" for problem in problems]
        print(f"    {self.name}: {visited} knob changes over {len(combos)} runs, 5 scrubber moves, "
              f"{switches.count()} view switches, play/pause; {len(problems)} problems")
        return problems


def check_page(context, url: str, label: str, data_dir: Path, shots: Path) -> list[str]:
    problems, console = [], []
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: console.append(f"request failed: {request.url} ({request.failure})")
            if not request.url.startswith("data:") else None)
    page.on("response", lambda response: console.append(f"HTTP {response.status}: {response.url}")
            if response.status >= 400 else None)
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    roots = page.locator(".gan-explorer")
    count = roots.count()
    print(f"  {label}: {count} explorers at {url}")
    if not count:
        problems.append(f"{label}: no explorer (div.gan-explorer) on the page")
    for i in range(count):
        root = roots.nth(i)
        name = root.get_attribute("data-explorer")
        path = data_dir / f"{name}.js"
        if not path.is_file():
            problems.append(f"{label}: explorer {name!r} has no data file {path}")
            continue
        try:
            problems += ExplorerDriver(page, root, load_data_file(path), name).check(shots, label)
        except Exception as error:  # a failed wait is one problem, not a crash of the whole check
            problems.append(f"{label} {name}: {type(error).__name__}: {str(error).splitlines()[0]}")
    page.screenshot(path=str(shots / f"explorer-{label}-page.png"), full_page=True)
    page.close()
    problems += [f"{label}: console: {message}" for message in console]
    print(f"  {label}: {'ok' if not problems else 'FAIL'} in {time.perf_counter() - started:.1f} s")
    return problems


def pages_with_explorers(site: Path, toc: Path) -> list[str]:
    return [page for page in toc_pages(toc)
            if (site / f"{page}.html").is_file() and 'class="gan-explorer"' in (site / f"{page}.html").read_text()]


def run(targets: list[tuple[str, str, Path]], shots: Path, chromium: str, serve_root: Path | None) -> list[str]:
    """targets: (label, url or path relative to serve_root, data folder)."""
    from playwright.sync_api import sync_playwright  # imported here so --help works without it

    problems, blocked = [], []
    server = serve(serve_root) if serve_root else None
    base = f"http://127.0.0.1:{server.server_address[1]}" if server else ""
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="explorer-chromium-") as profile:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS + ["--allow-file-access-from-files"],
                viewport=VIEWPORT, service_workers="block")
            context.route("**/*", local_or_file_only(blocked))
            for label, where, data_dir in targets:
                url = where if re.match(r"^[a-z]+://", where) else f"{base}/{where}"
                problems += check_page(context, url, label, data_dir, shots)
            context.close()
    finally:
        if server:
            server.shutdown()
    return problems + [f"blocked a request to another host (the explorer must work offline): {url}" for url in blocked]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built book (its pages that hold an explorer are checked)")
    parser.add_argument("--page", action="append", help="with --site: check this page (repeatable), e.g. notebooks/02_core_concepts")
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml")
    parser.add_argument("--demo", action="store_true", help="check tools/explorer_demo.html, over http and as a file (default without --site)")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)
    if args.site and not (args.site / "index.html").is_file():
        print(f"ERROR: no built book at {args.site} (no index.html). Build it first: make book", file=sys.stderr)
        return 1

    def check(chromium: str) -> list[str]:
        problems = []
        if args.site:
            pages = args.page or pages_with_explorers(args.site, args.toc)
            if not pages:
                problems.append(f"no page of {args.site} holds an explorer (<div class=\"gan-explorer\" ...>)")
            targets = [(Path(page).name, f"{page}.html", args.site / "_static" / "explorer") for page in pages]
            print(f"explorer check: {len(pages)} pages of {args.site} in {chromium} (headless, localhost only)")
            problems += run(targets, args.screenshots, chromium, args.site.resolve())
        if args.demo or not args.site:
            print(f"explorer check: {DEMO.relative_to(ROOT)} over http and file:// in {chromium} (headless)")
            targets = [("demo-http", DEMO.relative_to(ROOT).as_posix(), DEMO_DATA),
                       ("demo-file", DEMO.as_uri(), DEMO_DATA)]
            problems += run(targets, args.screenshots, chromium, ROOT)
        return problems

    return run_browser_check("explorer check", args.screenshots, check, "explorer-*.png")

if __name__ == "__main__":
    sys.exit(main())
