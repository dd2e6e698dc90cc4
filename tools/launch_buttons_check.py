"""Check the chapters' Colab and Binder launch buttons on a small book built with the book's own settings.

The book has no repository address yet, so its pages show no launch buttons (tools/page_fixes.py drops
them), and the browser check cannot see them. This check builds a book of two notebook pages in a
temporary folder with `jupyter-book build -W`: not executed, `repository: url:` a placeholder
(PLACEHOLDER_URL), and all that decides the buttons read from _config.yml, so the two cannot drift:
its `launch_buttons:`, its `repository:` path and branch, and the local extension page_fixes. Each page
is opened in headless Chromium (tools/browser_check.py's helpers: Debian's Chromium, a fresh profile,
requests to other hosts aborted); its launch menu (the rocket) must open and show a Colab and a Binder
button, each pointing at that page's notebook in the placeholder repository. Exit status 1 otherwise.
About 20 s.

    python tools/launch_buttons_check.py            # the placeholder address: must pass
    python tools/launch_buttons_check.py --no-url   # the address empty, as _config.yml has it while the book
                                                    # has none: no buttons, so the check must fail
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import yaml

from browser_check import ROOT, run_browser_check, serve
from live_check import local_browser_page

PLACEHOLDER_URL = "https://github.com/example-owner/example-book"
PAGES = ("notebooks/first", "notebooks/second")  # the small book's two pages; the first is its root
PROVIDERS = ("Colab", "Binder")
BINDER_INTERFACES = {"classic": "tree", "jupyterlab": "lab/tree"}  # sphinx-book-theme's `notebook_interface`
TIMEOUT_MS = 30_000
MENU = ".dropdown-launch-buttons"


def small_book_config(book_config: dict, url: str) -> dict:
    """The small book's _config.yml: `book_config`'s launch settings, the repository address `url`."""
    return {
        "title": "Launch buttons check",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},
        "launch_buttons": book_config["launch_buttons"],
        "repository": {**book_config["repository"], "url": url},
        "sphinx": {"local_extensions": {"page_fixes": str(ROOT / "tools")}},
    }


def write_small_book(folder: Path, config: dict) -> None:
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    (folder / "_toc.yml").write_text(yaml.safe_dump(
        {"format": "jb-book", "root": PAGES[0], "chapters": [{"file": page} for page in PAGES[1:]]}))
    for page in PAGES:
        cells = [nbformat.v4.new_markdown_cell(f"# {Path(page).name.title()} page"), nbformat.v4.new_code_cell("1 + 1")]
        notebook = nbformat.v4.new_notebook(cells=cells)
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        (folder / page).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{page}.ipynb")


def build(folder: Path) -> list[str]:
    """Build the book in `folder` (warnings are errors); the problems (the build's output when it failed)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    result = subprocess.run([str(jupyter_book), "build", str(folder), "-W"], capture_output=True, text=True)
    if result.returncode == 0:
        return []
    return [f"jupyter-book build failed (exit status {result.returncode}):\n{(result.stdout + result.stderr)[-3000:]}"]


def expected_links(page: str, config: dict) -> dict[str, str]:
    """Where each launch button of `page` must point: that page's notebook in `config`'s repository,
    at its branch (sphinx-book-theme's URL forms for a GitHub repository)."""
    launch, repository = config["launch_buttons"], config["repository"]
    github_repo = repository["url"].removeprefix("https://github.com/").strip("/")  # owner/name
    branch = repository["branch"]
    notebook = "/".join(part for part in (repository.get("path_to_book", "").strip("/"), f"{page}.ipynb") if part)
    interface = BINDER_INTERFACES[launch.get("notebook_interface", "classic")]
    colab, binder = launch["colab_url"].rstrip("/"), launch["binderhub_url"].rstrip("/")
    return {"Colab": f"{colab}/github/{github_repo}/blob/{branch}/{notebook}",
            "Binder": f"{binder}/v2/gh/{github_repo}/{branch}?urlpath={interface}/{notebook}"}


def shown_links(page) -> dict[str, str]:
    """Open the page's launch menu; each visible button's text and address ({} when there is no menu)."""
    if page.locator(MENU).count() == 0:
        return {}
    page.locator(f"{MENU} > button").click()
    links = {}
    for link in page.locator(f"{MENU} .dropdown-menu a").all():
        link.wait_for(state="visible", timeout=TIMEOUT_MS)
        links[link.inner_text().strip()] = link.get_attribute("href")
    return links


def link_problems(page_name: str, shown: dict[str, str], expected: dict[str, str]) -> list[str]:
    if not shown:
        return [f"{page_name}: no launch buttons (no {MENU} menu)"]
    problems = [f"{page_name}: no {provider} button (the menu shows {sorted(shown)})"
                for provider in PROVIDERS if provider not in shown]
    return problems + [f"{page_name}: the {provider} button points at {shown[provider]}, not {address}"
                       for provider, address in expected.items() if provider in shown and shown[provider] != address]


def check_buttons(site: Path, config: dict, chromium: str, screenshots: Path) -> list[str]:
    server = serve(site)
    problems = []
    try:
        with local_browser_page(chromium, timeout_s=TIMEOUT_MS / 1000) as (page, _):
            for page_name in PAGES:
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{page_name}.html", wait_until="load")
                shown = shown_links(page)
                page.screenshot(path=str(screenshots / f"launch-{Path(page_name).name}.png"))
                found = link_problems(page_name, shown, expected_links(page_name, config))
                print(f"  {page_name}: {shown or 'no launch buttons'}")
                problems += found
    finally:
        server.shutdown()
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=ROOT / "_config.yml", help="the book whose settings to use")
    parser.add_argument("--no-url", action="store_true", help="build with the repository address empty")
    parser.add_argument("--screenshots", type=Path, default=ROOT / "_build" / "screenshots")
    args = parser.parse_args(argv)
    config = small_book_config(yaml.safe_load(args.config.read_text()), "" if args.no_url else PLACEHOLDER_URL)

    def check(chromium: str) -> list[str]:
        with tempfile.TemporaryDirectory(prefix="launch-book-") as folder:
            book = Path(folder)
            write_small_book(book, config)
            started = time.perf_counter()
            problems = build(book)
            print(f"launch buttons check: built a {len(PAGES)}-page book with repository url "
                  f"{config['repository']['url'] or '(empty)'} in {time.perf_counter() - started:.1f} s")
            return problems or check_buttons(book / "_build" / "html", config, chromium, args.screenshots)

    return run_browser_check("launch buttons check", args.screenshots, check, "launch-*.png")


if __name__ == "__main__":
    sys.exit(main())
