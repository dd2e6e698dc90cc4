"""Scan the built book for broken local links and for anything that would load from the internet.

Sphinx's -W catches broken cross-references in the sources; this checks the HTML it wrote:
- every local href/src (pages, images, scripts, stylesheets, downloads) points to a file that exists;
- every #fragment pointing into one of the book's pages names an id that page has;
- nothing the page *loads* (script, stylesheet, image, iframe, media) comes from another host,
  so the book works offline. Plain <a href="https://..."> links to papers and sites are fine.
Usage: python tools/check_links.py [SITE_DIR]   (default _build/html; exit status 1 on any problem)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# Attributes holding a URL, per tag. An <a>/<link rel!=stylesheet> target is navigated to, not loaded.
URL_ATTRIBUTES = {"a": "href", "link": "href", "img": "src", "script": "src", "iframe": "src",
                  "source": "src", "video": "src", "audio": "src", "embed": "src", "object": "data"}
NOT_FILES = ("mailto:", "javascript:", "data:", "tel:", "blob:")


@dataclass
class Reference:
    tag: str
    url: str
    loads: bool  # True when the browser fetches it while showing the page


@dataclass
class ParsedPage:
    ids: set[str] = field(default_factory=set)
    references: list[Reference] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = ParsedPage()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for name in ("id", "name"):
            if attributes.get(name):
                self.page.ids.add(attributes[name])
        url_attribute = URL_ATTRIBUTES.get(tag)
        if url_attribute is None or not attributes.get(url_attribute):
            return
        if tag == "link":
            rel = attributes.get("rel", "").lower().split()
            loads = bool({"stylesheet", "icon", "preload", "modulepreload"} & set(rel))
        else:
            loads = tag != "a"
        self.page.references.append(Reference(tag, attributes[url_attribute], loads))


def parse_page(path: Path) -> ParsedPage:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser.page


def book_pages(site: Path) -> list[Path]:
    """Every page of the site; _static/ holds theme templates (.html with Jinja in them), not pages."""
    return [path for path in sorted(site.rglob("*.html")) if "_static" not in path.relative_to(site).parts]


def check_site(site: Path) -> tuple[list[str], int]:
    """Return (problems, number of local references checked) for every .html file under `site`."""
    site = site.resolve()
    pages = {path.resolve(): parse_page(path) for path in book_pages(site)}
    problems: list[str] = []
    checked = 0
    for page_path, page in pages.items():
        where = page_path.relative_to(site).as_posix()
        for ref in page.references:
            parts = urlsplit(ref.url)
            if ref.url.startswith(NOT_FILES):
                continue
            if parts.scheme or parts.netloc:  # another host
                if ref.loads:
                    problems.append(f"{where}: <{ref.tag}> loads {ref.url} from the internet (the book must work offline)")
                continue
            checked += 1
            target = page_path if not parts.path else (page_path.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if site not in target.parents and target != site:
                problems.append(f"{where}: {ref.url} points outside the site")
                continue
            if not target.is_file():
                problems.append(f"{where}: <{ref.tag}> {ref.url} -> missing file {target.relative_to(site)}")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target in pages and fragment not in pages[target].ids:
                problems.append(f"{where}: {ref.url} -> no id '{fragment}' in {target.relative_to(site)}")
    return problems, checked


def main(argv: list[str]) -> int:
    site = Path(argv[1] if len(argv) > 1 else "_build/html")
    if not (site / "index.html").is_file():
        print(f"ERROR: no built book at {site} (no index.html). Build it first: make book", file=sys.stderr)
        return 1
    problems, checked = check_site(site)
    pages = len(book_pages(site))
    if problems:
        print(f"check_links: {len(problems)} problem(s) in {site}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"check_links: {pages} pages, {checked} local links and sources, all resolve; nothing loads from the internet.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
