"""Open every page of the built book in a real browser and check what a reader would see.

Debian's Chromium runs headless, driven by Playwright (its own browser download is never used:
`executable_path` points at the system's browser, found by `find_chromium`: $GAN_BOOK_CHROMIUM, else
chromium, chromium-browser, google-chrome or google-chrome-stable on the PATH), with a fresh profile. The site is served from
127.0.0.1 on a random port and every request to any other host is blocked, so a page that needs
the internet fails here. For each page listed in _toc.yml it checks that:
- every <img> loaded (naturalWidth > 0) and every local request succeeded;
- MathJax rendered every equation: each `.math` element holds an <mjx-container>, MathJax
  reported no error (<mjx-merror>, or an undefined macro shown in red), and no raw TeX ($$, \\[, \\(, \\begin{...}) is left in the text;
- the browser console shows no errors and no script threw;
- every image of the article has alt text (not the file path docutils writes when there is none);
- no code or output block scrolls sideways at the viewport's width (1280 px), collapsed solutions opened;
- a notebook page offers its .ipynb for download, and the file is served;
and it saves a full-page screenshot per page under the screenshots folder. Finally it runs one
query in the book's search page. Exit status 1 on any problem.

Usage: python tools/browser_check.py [--site _build/html] [--screenshots _build/screenshots] [--page notebooks/00_quickstart]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_SETTING = "GAN_BOOK_CHROMIUM"  # environment variable: the browser's path, when it is not on the PATH
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")  # Debian, Ubuntu, Google
# Headless, no GPU, no sandbox (we run as root in CI), and none of Chromium's own calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic", "--disable-default-apps"]
VIEWPORT = {"width": 1280, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
PAGE_TIMEOUT_MS = 120_000  # generous: the CI machine has 2 cores shared with the rest of the test run
SEARCH_QUERY = "discriminator"

# Runs in the page: waits for MathJax's first typesetting and for every image, then reports.
INSPECT_PAGE_JS = r"""
async () => {
  const mathElements = Array.from(document.querySelectorAll('.math'));
  let mathjax = 'absent';
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    mathjax = 'ready';
  }
  for (const img of document.images) img.loading = 'eager';
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
    new Promise(done => { img.addEventListener('load', done); img.addEventListener('error', done); })));
  const brokenImages = Array.from(document.images)
    .filter(img => !(img.complete && img.naturalWidth > 0))
    .map(img => (img.currentSrc || img.src || '(no src)').slice(0, 120));
  const unrendered = mathElements.filter(el => !el.querySelector('mjx-container'))
    .map(el => el.textContent.trim().slice(0, 80));
  const mathErrors = Array.from(document.querySelectorAll('mjx-merror'))
    .map(el => el.getAttribute('data-mjx-error') || el.textContent.slice(0, 80));
  // MathJax shows an undefined macro as red text, not as an error: find it in the MathML it built.
  if (mathjax === 'ready' && MathJax.startup.document && MathJax.startup.toMML) {
    for (const item of MathJax.startup.document.math) {
      const undefinedMacro = MathJax.startup.toMML(item.root).match(/<mtext mathcolor="red">(\\[A-Za-z]+)<\/mtext>/);
      if (undefinedMacro) mathErrors.push(`undefined macro ${undefinedMacro[1]} in ${item.math.trim().slice(0, 60)}`);
    }
  }
  // The reader-visible text, without code (which may legitimately contain TeX in strings).
  const main = (document.querySelector('main') || document.body).cloneNode(true);
  main.querySelectorAll('pre, code, script, style, textarea, mjx-container, .highlight, .cell_input')
    .forEach(el => el.remove());
  const text = main.textContent;
  const rawTex = [];
  for (const pattern of [/\$\$/, /\\\[/, /\\\(/, /\\begin\{/, /\$[^$\s][^$\n]*\\[A-Za-z]+[^$\n]*\$/]) {
    const match = text.match(pattern);
    if (match) rawTex.push(text.slice(Math.max(0, match.index - 30), match.index + 50).replace(/\s+/g, ' '));
  }
  // Every image of the article says what it shows (alt text; docutils writes the file's path when there is none).
  const article = document.querySelector('main') || document.body;
  const imagesWithoutAlt = Array.from(article.querySelectorAll('img'))
    .filter(img => { const alt = (img.getAttribute('alt') || '').trim();
                     return !alt || /\.(png|jpe?g|gif|svg|webp)$/i.test(alt); })
    .map(img => (img.getAttribute('src') || '(no src)').slice(-80));
  // No code or output block scrolls sideways: open every collapsed solution first, then measure each visible <pre>.
  article.querySelectorAll('details').forEach(el => { el.open = true; });
  article.querySelectorAll('.toggle-hidden').forEach(el => el.classList.remove('toggle-hidden'));
  const sideways = Array.from(article.querySelectorAll('pre'))
    .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => {
      const longest = pre.textContent.split('\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      return `${pre.scrollWidth} px in ${pre.clientWidth} px: ${longest.trim().slice(0, 70)}`;
    });
  // sphinx-book-theme's download menu (not the launch buttons, which also end in .ipynb).
  const download = document.querySelector('.dropdown-download-buttons a[href$=".ipynb"]');
  let downloadStatus = null;
  if (download) {  // what a click would save: it must be a notebook, not an error page
    const response = await fetch(download.href);
    const body = await response.text();
    let cells = -1;
    try { cells = JSON.parse(body).cells.length; } catch (error) { cells = -1; }
    downloadStatus = response.status === 200 && cells > 0 ? 200 : `${response.status}, ${cells} cells`;
  }
  return {
    title: document.title, images: document.images.length, brokenImages,
    mathElements: mathElements.length, mathContainers: document.querySelectorAll('mjx-container').length,
    mathjax, unrendered, mathErrors, rawTex, imagesWithoutAlt, sideways,
    download: download ? download.getAttribute('href') : null, downloadStatus,
  };
}
"""


@dataclass
class PageReport:
    page: str
    seconds: float = 0.0
    facts: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    screenshot: str = ""


def toc_pages(toc_path: Path) -> list[str]:
    """Document names in _toc.yml order (root first), e.g. 'notebooks/00_quickstart'."""
    toc = yaml.safe_load(toc_path.read_text())
    pages = [toc["root"]]

    def walk(entries: list) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [page.removesuffix(".md").removesuffix(".ipynb") for page in pages]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".woff": "font/woff", ".woff2": "font/woff2", ".ipynb": "application/x-ipynb+json"}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


def serve(site: Path) -> http.server.ThreadingHTTPServer:
    """Serve `site` on 127.0.0.1 at a free port, from a daemon thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def screenshot_name(page: str, taken: set[str]) -> str:
    name = Path(page).name
    if name in taken:
        name = page.replace("/", "__")
    taken.add(name)
    return name + ".png"


def check_page(context, base_url: str, page_name: str, screenshots: Path, taken: set[str]) -> PageReport:
    report = PageReport(page_name)
    console_errors: list[str] = []
    failed_requests: list[str] = []
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: failed_requests.append(f"{request.url} ({request.failure})")
            if urlsplit(request.url).hostname in LOCAL_HOSTS else None)
    page.on("response", lambda response: failed_requests.append(f"{response.url} (HTTP {response.status})")
            if response.status >= 400 else None)
    started = time.perf_counter()
    try:
        page.goto(f"{base_url}/{page_name}.html", wait_until="load", timeout=PAGE_TIMEOUT_MS)
        facts = page.evaluate(INSPECT_PAGE_JS)
        report.screenshot = screenshot_name(page_name, taken)
        page.screenshot(path=str(screenshots / report.screenshot), full_page=True, timeout=PAGE_TIMEOUT_MS)
    except Exception as error:  # a page that cannot even be inspected is one problem, not a crash
        report.problems.append(f"could not load and inspect the page: {error}")
        page.close()
        return report
    report.seconds = time.perf_counter() - started
    report.facts = facts
    problems = report.problems
    problems += [f"image did not load: {src}" for src in facts["brokenImages"]]
    if facts["mathElements"] and facts["mathjax"] != "ready":
        problems.append(f"{facts['mathElements']} equations but MathJax did not load")
    problems += [f"equation not rendered by MathJax: {tex}" for tex in facts["unrendered"]]
    problems += [f"MathJax error: {message}" for message in facts["mathErrors"]]
    problems += [f"raw TeX left in the text: ...{snippet}..." for snippet in facts["rawTex"]]
    problems += [f"image without alt text: {src}" for src in facts["imagesWithoutAlt"]]
    problems += [f"a code or output block scrolls sideways at {VIEWPORT['width']} px ({block})"
                 for block in facts["sideways"]]
    problems += [f"console error: {message}" for message in console_errors]
    problems += [f"request failed: {failure}" for failure in failed_requests]
    if page_name.startswith("notebooks/"):
        if not facts["download"]:
            problems.append("no .ipynb download link (sphinx-book-theme's download button)")
        elif facts["downloadStatus"] != 200:
            problems.append(f"the .ipynb download {facts['download']} is not a notebook (HTTP {facts['downloadStatus']})")
    page.close()
    return report


def check_search(context, base_url: str) -> list[str]:
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(f"console error on the search page: {msg.text}")
            if msg.type == "error" else None)
    try:
        page.goto(f"{base_url}/search.html?q={SEARCH_QUERY}", wait_until="load", timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector("#search-results li", timeout=PAGE_TIMEOUT_MS)
        hits = page.locator("#search-results li").count()
    except Exception as error:
        return errors + [f"search for '{SEARCH_QUERY}' found nothing: {error}"]
    finally:
        page.close()
    print(f"  search: '{SEARCH_QUERY}' -> {hits} pages")
    return errors


def localhost_only(blocked: list[str]):
    """A Playwright route handler that lets requests to this machine through and aborts all others,
    noting their URLs in `blocked`."""

    def route_request(route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("blockedbyclient")

    return route_request


class BrowserNotFoundError(RuntimeError):
    """No Chromium or Chrome on this machine; the message says what to install or set."""


def find_chromium(environ=os.environ, which=shutil.which) -> str:
    """The path of the browser to drive: $GAN_BOOK_CHROMIUM when set (it must be an executable file),
    else the first of CHROMIUM_NAMES on the PATH."""
    setting = environ.get(CHROMIUM_SETTING)
    if setting:
        if Path(setting).is_file() and os.access(setting, os.X_OK):
            return setting
        raise BrowserNotFoundError(f"{CHROMIUM_SETTING}={setting} is not an executable file; point it at a "
                                   "Chromium or Chrome binary, or unset it to search the PATH")
    for name in CHROMIUM_NAMES:
        found = which(name)
        if found:
            return found
    raise BrowserNotFoundError(f"no Chromium or Chrome found (looked for {', '.join(CHROMIUM_NAMES)} on the PATH). "
                               "Install one: make browser-deps (Debian/Ubuntu: sudo apt-get install chromium), "
                               f"or set {CHROMIUM_SETTING}=/path/to/chromium")


def run_browser_check(name: str, screenshots: Path, check, shots: str) -> int:
    """The frame of every browser check's main(): find Chromium (or say what to install), make the
    screenshot folder, run `check(chromium) -> list of problems`, print each problem and a verdict
    with the time taken and where the screenshots (`shots`) are; exit status 1 on any problem."""
    try:
        chromium = find_chromium()
    except BrowserNotFoundError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    screenshots.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    problems = check(chromium)
    for problem in problems:
        print(f"  FAIL {problem}")
    verdict = "passed" if not problems else f"FAILED ({len(problems)} problems)"
    print(f"{name} {verdict} in {time.perf_counter() - started:.1f} s; screenshots {shots} in {screenshots}")
    return 1 if problems else 0


def run_checks(site: Path, screenshots: Path, pages: list[str], chromium: str) -> tuple[list[PageReport], list[str]]:
    from playwright.sync_api import sync_playwright  # imported here so --help works without it

    server = serve(site)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    blocked: list[str] = []
    only_localhost = localhost_only(blocked)
    taken: set[str] = set()
    reports: list[PageReport] = []
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="book-chromium-") as profile:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
                service_workers="block")
            context.route("**/*", only_localhost)
            for page_name in pages:
                report = check_page(context, base_url, page_name, screenshots, taken)
                reports.append(report)
                status = "ok  " if not report.problems else "FAIL"
                facts = report.facts
                print(f"  {status} {page_name:42s} {report.seconds:5.1f} s  images {facts.get('images', '?'):>3}  "
                      f"equations {facts.get('mathContainers', '?'):>4}  -> {report.screenshot or '(none)'}")
                for problem in report.problems:
                    print(f"       {problem}")
            site_problems = check_search(context, base_url)
            context.close()
    finally:
        server.shutdown()
    site_problems += [f"blocked a request to another host (the book must work offline): {url}" for url in blocked]
    return reports, site_problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html", help="the built book")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    parser.add_argument("--toc", type=Path, default=ROOT / "_toc.yml", help="lists the pages to check")
    parser.add_argument("--page", action="append", help="check only this page (repeatable), e.g. book/glossary")
    args = parser.parse_args(argv)

    if not (args.site / "index.html").is_file():
        print(f"ERROR: no built book at {args.site} (no index.html). Build it first: make book", file=sys.stderr)
        return 1
    try:
        chromium = find_chromium()
    except BrowserNotFoundError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    pages = args.page or toc_pages(args.toc)
    missing = [page for page in pages if not (args.site / f"{page}.html").is_file()]
    if missing:
        print(f"ERROR: pages in {args.toc} missing from {args.site}: {', '.join(missing)}", file=sys.stderr)
        return 1
    args.screenshots.mkdir(parents=True, exist_ok=True)
    for old in args.screenshots.glob("*.png"):
        old.unlink()

    print(f"browser check: {len(pages)} pages of {args.site} in {chromium} (headless, localhost only)")
    started = time.perf_counter()
    reports, site_problems = run_checks(args.site.resolve(), args.screenshots, pages, chromium)
    elapsed = time.perf_counter() - started
    failed = [report for report in reports if report.problems]
    for problem in site_problems:
        print(f"  FAIL {problem}")
    print(f"browser check: {len(reports) - len(failed)}/{len(reports)} pages passed in {elapsed:.1f} s; "
          f"screenshots in {args.screenshots}")
    return 1 if failed or site_problems else 0


if __name__ == "__main__":
    sys.exit(main())
