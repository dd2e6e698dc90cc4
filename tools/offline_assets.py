"""The book's third-party web assets, served from the built site so that it works with no internet.

By default the built pages would fetch code from CDNs: MathJax (Sphinx), RequireJS and the
ipywidgets renderer (myst-nb, on pages whose notebook saved widget state), and Font Awesome 4
(matplotlib's `to_jshtml` animation controls). A classroom or air-gapped reader would then see
raw LaTeX, empty widgets and blank buttons. This module pins those packages (npm registry),
installs them, and, as a Sphinx extension, copies them into `_static/` and points the pages there.

- `python tools/offline_assets.py install [DEST]`  fetch the pinned packages (`npm pack`, no
  dependency trees) into DEST (default .venv/web_assets); idempotent. `make web-assets` runs it.
- Sphinx extension (`_config.yml`: sphinx.local_extensions): sets `mathjax_path`, copies the
  assets on build-finished, and rewrites matplotlib's Font Awesome link inside page bodies.
  myst-nb's widget scripts are pointed at the copies by `nb_ipywidgets_js` in `_config.yml`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEST = ROOT / ".venv" / "web_assets"


@dataclass(frozen=True)
class Asset:
    package: str  # npm name
    version: str  # pinned: a new version is a deliberate change, checked by the browser test
    copy: tuple[str, ...]  # files, folders or glob patterns (copied flat) inside the package to serve
    target: str  # folder under the site's _static/
    leave_out: tuple[str, ...] = ("*.map",)  # file patterns not served

    @property
    def folder(self) -> str:
        return f"{self.package.replace('/', '__')}@{self.version}"


ASSETS = (
    # Sphinx's default MathJax entry point (TeX and MathML in, HTML out) and what it loads on demand:
    # TeX extensions (autoload, \require), MathML input, the web fonts, the menu, accessibility.
    Asset("mathjax", "3.2.2", ("es5/tex-mml-chtml.js", "es5/input/tex", "es5/input/mml", "es5/output/chtml",
                               "es5/ui", "es5/a11y", "es5/sre"), "mathjax"),
    # myst-nb's widget embedding: RequireJS, then the ipywidgets 8 HTML manager with its fonts. The
    # manager finds its fonts from its AMD module id, so it sits at vendor/<its id>/ and
    # vendor/require-config.js makes RequireJS resolve ids there; a second bundle inside it looks one
    # level up (vendor/@jupyter-widgets/), so the fonts are there too.
    Asset("requirejs", "2.3.4", ("require.js",), "vendor"),
    Asset("@jupyter-widgets/html-manager", "1.0.6", ("dist",), "vendor/@jupyter-widgets/html-manager",
          leave_out=("*.map", "embed.js", "*.embed.js", "libembed-amd.js")),  # the other two bundles
    Asset("@jupyter-widgets/html-manager", "1.0.6",
          tuple(f"dist/*.{font}" for font in ("woff2", "woff", "ttf", "eot", "svg")), "vendor/@jupyter-widgets"),
    # The icons of matplotlib's JavaScript animation player (to_jshtml links Font Awesome 4.4).
    Asset("font-awesome", "4.4.0", ("css/font-awesome.min.css", "fonts"), "vendor/font-awesome"),
)
MATHJAX_PATH = "mathjax/tex-mml-chtml.js"  # relative to _static/
FONT_AWESOME_CSS = "_static/vendor/font-awesome/css/font-awesome.min.css"
FONT_AWESOME_CDN = re.compile(r"https://maxcdn\.bootstrapcdn\.com/font-awesome/[0-9.]+/css/font-awesome(\.min)?\.css")
REQUIRE_CONFIG = """\
// Written by tools/offline_assets.py: resolve AMD module ids (the ipywidgets manager's) against this
// folder, the book's own copy, so that the manager loads its fonts from here and not from a CDN.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  require.config({ baseUrl: here });
})();
"""
COMPLETE = ".complete"  # written last: a folder without it is a half-finished install


# ---------------------------------------------------------------- install (npm registry)

def install(dest: Path = DEFAULT_DEST) -> None:
    """Fetch every pinned package into dest/<name>@<version>/ unless it is already there."""
    missing = list({asset.folder: asset for asset in ASSETS if not (dest / asset.folder / COMPLETE).is_file()}.values())
    if not missing:
        return
    if shutil.which("npm") is None:  # Debian's npm brings Node.js with it
        subprocess.run(["bash", str(ROOT / "tools" / "apt_install.sh"), "npm"], check=True)
    for asset in missing:
        print(f"Installing {asset.package}@{asset.version} (npm) into {dest / asset.folder} ...")
        with tempfile.TemporaryDirectory() as scratch:
            packed = subprocess.run(
                ["npm", "pack", "--silent", "--pack-destination", scratch, f"{asset.package}@{asset.version}"],
                capture_output=True, text=True)
            if packed.returncode != 0:
                raise SystemExit(f"ERROR: npm could not fetch {asset.package}@{asset.version}:\n{packed.stderr.strip()}\n"
                                 "Fix: check that the npm registry is reachable (npm ping), then re-run make.")
            tarball = next(Path(scratch).glob("*.tgz"))
            target = dest / asset.folder
            shutil.rmtree(target, ignore_errors=True)
            with tarfile.open(tarball) as archive:
                archive.extractall(scratch, filter="data")  # refuses paths that leave the folder
            shutil.move(str(Path(scratch) / "package"), target)
        (target / COMPLETE).write_text(f"{asset.package}@{asset.version}\n")


def installed_folder(package: str, dest: Path = DEFAULT_DEST) -> Path:
    """Where `install` put the pinned npm `package` (e.g. "font-awesome"); FileNotFoundError naming the fix
    when it is not there."""
    asset = next(asset for asset in ASSETS if asset.package == package)
    folder = dest / asset.folder
    if not (folder / COMPLETE).is_file():
        raise FileNotFoundError(f"{asset.package}@{asset.version} is not installed in {dest}: run make web-assets "
                                "(python tools/offline_assets.py install)")
    return folder


# ---------------------------------------------------------------- Sphinx extension

def asset_dir(app, asset: Asset) -> Path:
    """Where `asset` was installed; a clear error when it is missing."""
    folder = Path(app.confdir, app.config.offline_assets_dir, asset.folder)
    if not (folder / COMPLETE).is_file():
        from sphinx.errors import ConfigError

        raise ConfigError(f"offline_assets: {asset.package}@{asset.version} is not installed in {folder.parent}. "
                          "Install it with `make web-assets` (python tools/offline_assets.py install).")
    return folder


def use_local_mathjax(app, config) -> None:
    for asset in ASSETS:
        asset_dir(app, asset)  # fail at start-up, not after executing every notebook
    config.mathjax_path = MATHJAX_PATH


def localise_page_body(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Point matplotlib's Font Awesome <link> (inside notebook outputs) at the local copy."""
    body = context.get("body")
    if body and FONT_AWESOME_CDN.search(body):
        context["body"] = FONT_AWESOME_CDN.sub(context["pathto"](FONT_AWESOME_CSS, 1), body)


def copy_assets(app, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    static = Path(app.outdir, "_static")
    for asset in ASSETS:
        source = asset_dir(app, asset)
        folder = static / asset.target
        for part in asset.copy:
            if "*" in part:
                folder.mkdir(parents=True, exist_ok=True)
                for match in sorted(source.glob(part)):
                    shutil.copy2(match, folder / match.name)
                continue
            # MathJax keeps its es5/ layout minus the es5/ prefix; other packages keep their own layout.
            target = folder / part.removeprefix("es5/")
            target.parent.mkdir(parents=True, exist_ok=True)
            if (source / part).is_dir():
                shutil.copytree(source / part, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*asset.leave_out))
            else:
                shutil.copy2(source / part, target)
    (static / "vendor" / "require-config.js").write_text(REQUIRE_CONFIG)


def setup(app) -> dict:
    app.setup_extension("sphinx.ext.mathjax")
    app.add_config_value("offline_assets_dir", ".venv/web_assets", "env")
    app.connect("config-inited", use_local_mathjax)
    app.connect("html-page-context", localise_page_body)
    app.connect("build-finished", copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "install":
        sys.exit("usage: python tools/offline_assets.py install [DEST]   (default .venv/web_assets)")
    install(Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_DEST)
