"""Tests of the book's build and check helpers in tools/: the link scan, the cache guard, the notebook refresher,
the browser checks' pure parts."""

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from .conftest import TOOLS, load_tool, write_idx


check_links = load_tool("check_links")
book_cache_guard = load_tool("book_cache_guard")
browser_check = load_tool("browser_check")
live_check = load_tool("live_check")
lab_browser_check = load_tool("lab_browser_check")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A two-page site with one of each problem the scan must find, and fine links beside them."""
    write(tmp_path / "index.html", """<html><body id="top">
      <a href="notebooks/ch1.html#sec-a">fine</a> <a href="#top">fine</a> <a href="https://arxiv.org/abs/1406.2661">fine</a>
      <a href="notebooks/ch1.html#no-such-id">bad fragment</a> <a href="notebooks/missing.html">bad page</a>
      <img src="_images/fig.png"> <img src="_images/gone.png">
      <script src="https://cdn.example.org/lib.js"></script> <link rel="stylesheet" href="https://cdn.example.org/x.css">
      <a href="mailto:someone@example.org">fine</a> <img src="data:image/png;base64,AAAA">
    </body></html>""")
    write(tmp_path / "notebooks" / "ch1.html", '<h2 id="sec-a">A</h2><a href="../index.html">back</a>'
                                              '<a href="../_sources/ch1.ipynb" download>nb</a>')
    write(tmp_path / "_images" / "fig.png", "png")
    write(tmp_path / "_sources" / "ch1.ipynb", "{}")
    write(tmp_path / "_static" / "theme-macros.html", "<link href=\"{{ pathto('x.css', 1) }}\">")  # a template, not a page
    return tmp_path


def test_check_links_finds_exactly_the_broken_links_and_remote_loads(site):
    problems, checked = check_links.check_site(site)
    assert sorted(problems) == sorted([
        "index.html: notebooks/ch1.html#no-such-id -> no id 'no-such-id' in notebooks/ch1.html",
        "index.html: <a> notebooks/missing.html -> missing file notebooks/missing.html",
        "index.html: <img> _images/gone.png -> missing file _images/gone.png",
        "index.html: <script> loads https://cdn.example.org/lib.js from the internet (the book must work offline)",
        "index.html: <link> loads https://cdn.example.org/x.css from the internet (the book must work offline)",
    ])
    # index: 2 fine + 2 broken links + 2 images; ch1: back link and the notebook download.
    assert checked == 8


def test_check_links_main_fails_without_a_built_site(tmp_path, capsys):
    assert check_links.main(["check_links.py", str(tmp_path)]) == 1
    assert "make book" in capsys.readouterr().err


def test_cache_guard_clears_cache_and_doctrees_only_when_gan_lib_changes(tmp_path):
    write(tmp_path / "gan_lib" / "losses.py", "x = 1\n")
    write(tmp_path / "requirements.txt", "torch\n")
    cache, doctrees = tmp_path / "_build" / ".jupyter_cache", tmp_path / "_build" / ".doctrees"
    write(cache / "db", "executed")
    write(doctrees / "env.pickle", "env")

    assert book_cache_guard.guard(cache, root=tmp_path) is True  # no fingerprint yet: cannot trust the cache
    write(cache / "db", "executed")
    write(doctrees / "env.pickle", "env")
    assert book_cache_guard.guard(cache, root=tmp_path) is False  # nothing changed: keep it
    assert (cache / "db").is_file() and (doctrees / "env.pickle").is_file()

    write(tmp_path / "gan_lib" / "losses.py", "x = 2\n")
    assert book_cache_guard.guard(cache, root=tmp_path) is True
    assert not cache.exists() and not doctrees.exists()


def test_cache_guard_demands_the_kernel_configuration_only_when_asked(tmp_path):
    write(tmp_path / "gan_lib" / "losses.py", "x = 1\n")
    write(tmp_path / "requirements.txt", "torch\n")
    cache = tmp_path / "_build" / ".jupyter_cache"
    book_cache_guard.guard(cache, root=tmp_path)  # filled by `make book` under the machine's default kernels
    write(cache / "db", "executed")
    assert book_cache_guard.guard(cache, root=tmp_path, kernels="portable") is True  # make test: re-execute
    assert not cache.exists()
    write(cache / "db", "executed")
    assert book_cache_guard.guard(cache, root=tmp_path, kernels="portable") is False  # same configuration: keep
    assert book_cache_guard.guard(cache, root=tmp_path) is False  # make book after make test: keep it too
    assert book_cache_guard.guard(cache, root=tmp_path, kernels="portable") is False  # ... and it stays portable
    assert (cache / "db").is_file()


def test_cache_guard_fingerprint_depends_on_content_and_requirements(tmp_path):
    write(tmp_path / "gan_lib" / "a.py", "x = 1\n")
    write(tmp_path / "requirements.txt", "torch\n")
    first = book_cache_guard.code_fingerprint(tmp_path)
    assert book_cache_guard.code_fingerprint(tmp_path) == first
    write(tmp_path / "requirements.txt", "torch\nscipy\n")
    assert book_cache_guard.code_fingerprint(tmp_path) != first


def test_cache_guard_fingerprint_covers_the_result_files_the_chapters_show(tmp_path):
    write(tmp_path / "gan_lib" / "results" / "speed.json", '{"threads": 2}\n')
    write(tmp_path / "requirements.txt", "torch\n")
    first = book_cache_guard.code_fingerprint(tmp_path)
    write(tmp_path / "gan_lib" / "results" / "speed.json", '{"threads": 1}\n')  # a re-run benchmark
    assert book_cache_guard.code_fingerprint(tmp_path) != first


def test_browser_check_reads_every_page_of_the_toc_in_order(tmp_path):
    write(tmp_path / "_toc.yml", """format: jb-book
root: book/intro
parts:
  - caption: A
    chapters:
      - file: notebooks/01_a
        sections:
          - file: notebooks/01b.ipynb
  - caption: B
    chapters:
      - file: book/glossary.md
""")
    assert browser_check.toc_pages(tmp_path / "_toc.yml") == [
        "book/intro", "notebooks/01_a", "notebooks/01b", "book/glossary"]


def test_refresh_can_save_every_figure_for_the_author(tmp_path):
    import base64

    import nbformat

    notebooks = load_tool("notebooks")
    png = b"\x89PNG\r\n\x1a\n fake image bytes"
    figure = nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(png).decode()})
    text = nbformat.v4.new_output("stream", name="stdout", text="no figure here\n")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print()", outputs=[text]),
                                               nbformat.v4.new_code_cell("plot()", outputs=[figure, figure])])
    written = notebooks.save_figures(notebook, "04_ch", tmp_path / "figures")
    assert [p.name for p in written] == ["04_ch-cell1-0.png", "04_ch-cell1-1.png"]
    assert all(p.read_bytes() == png for p in written)


def test_refresh_refuses_a_chapter_that_writes_to_stderr(tmp_path):
    """The book build (-W) fails on stderr; refresh says so at once, cell and line, and writes nothing."""
    notebooks = load_tool("notebooks")
    chapter = tmp_path / "chapter.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('fine')"),
        nbformat.v4.new_code_cell("import warnings\nwarnings.warn('a tensor with requires_grad')")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, chapter)
    before = chapter.read_text()
    with pytest.raises(notebooks.StderrInChapter, match=r"chapter.ipynb wrote to stderr.*cell 1: .*UserWarning"):
        notebooks.refresh(chapter)
    assert chapter.read_text() == before


claim_spread = load_tool("claim_spread")


def test_claim_spread_merges_runs_per_configuration_and_reports_the_smallest_margin():
    spread = {}
    first = [{"claim": "all 8 modes", "value": 8.0, "at_least": 8, "at_most": None, "holds": True},
             {"claim": "JSD below 0.15", "value": 0.03, "at_least": None, "at_most": 0.15, "holds": True}]
    claim_spread.merge(spread, "00.ipynb", "cpu | default | 1 thread", first, 12.0, None)
    second = [{"claim": "all 8 modes", "value": 7.0, "at_least": 8, "at_most": None, "holds": False},
              {"claim": "JSD below 0.15", "value": 0.11, "at_least": None, "at_most": 0.15, "holds": True}]
    claim_spread.merge(spread, "00.ipynb", "cpu | avx2 | 2 threads", second, 9.0, None)
    claims = spread["00.ipynb"]["claims"]
    assert claim_spread.margin(claims["all 8 modes"]) == -1.0  # failed under avx2
    assert claim_spread.margin(claims["JSD below 0.15"]) == pytest.approx(0.04)
    # Re-running a configuration replaces its values instead of adding to them.
    claim_spread.merge(spread, "00.ipynb", "cpu | avx2 | 2 threads", first, 9.5, None)
    assert claim_spread.margin(claims["all 8 modes"]) == 0.0
    assert claims["JSD below 0.15"]["values"]["cpu | avx2 | 2 threads"] == [0.03]
    assert "| all 8 modes | >= 8 | 8 | 8 | 0 | 2 |" in claim_spread.summary(spread)


def test_claim_spread_writes_after_every_run_and_resumes_what_is_missing(tmp_path, monkeypatch):
    """An interrupted spread keeps the runs it finished; `--missing` runs only the others, and a changed
    code cell (not a changed sentence) makes a notebook's runs missing again. Two-thread runs never
    overlap, even with --parallel 2."""
    notebooks = []
    for name in ("00_a.ipynb", "01_b.ipynb"):
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("text"),
                                                   nbformat.v4.new_code_cell("x = 1")])
        nbformat.write(notebook, tmp_path / name)
        notebooks.append(tmp_path / name)
    out = tmp_path / "spread.json"
    calls, running, overlaps = [], [], []
    lock = threading.Lock()

    def fake_run(notebook, capability, threads):
        with lock:
            running.append(threads)
            overlaps.append(sum(t > 1 for t in running) > 1)
        time.sleep(0.05)
        with lock:
            running.remove(threads)
        calls.append((notebook.name, capability, threads))
        if len(calls) == 3:
            raise KeyboardInterrupt  # the session ended during the third run
        return [{"claim": "x is 1", "value": 1.0, "at_least": 1, "at_most": None, "holds": True}], 1.0, None

    monkeypatch.setattr(claim_spread, "run_notebook", fake_run)
    monkeypatch.setattr(claim_spread, "parse_configs", lambda text: [("default", 1), ("default", 2)])
    arguments = [*map(str, notebooks), "--out", str(out), "--parallel", "2"]
    with pytest.raises(KeyboardInterrupt):
        claim_spread.main(arguments)
    saved = json.loads(out.read_text())
    assert sum(len(entry["runs"]) for entry in saved.values()) == 2  # the two finished runs, on disk
    calls.clear()
    assert claim_spread.main([*arguments, "--missing"]) == 0
    assert len(calls) == 2 and not any(overlaps)
    calls.clear()
    assert claim_spread.main([*arguments, "--missing"]) == 0 and calls == []  # nothing left to do
    notebook = nbformat.read(notebooks[0], as_version=4)
    notebook.cells[0].source = "other text"
    nbformat.write(notebook, notebooks[0])
    assert claim_spread.main([*arguments, "--missing"]) == 0 and calls == []  # prose changes no claim
    notebook.cells[1].source = "x = 2"
    nbformat.write(notebook, notebooks[0])
    assert claim_spread.main([*arguments, "--missing"]) == 0
    assert sorted(calls) == [("00_a.ipynb", "default", 1), ("00_a.ipynb", "default", 2)]


def test_claim_spread_configurations_are_checked_against_the_cpu():
    assert claim_spread.parse_configs("default:1,default:2") == [("default", 1), ("default", 2)]
    with pytest.raises(SystemExit, match="CAPABILITY:THREADS"):
        claim_spread.parse_configs("sse4:1")
    assert ("default", 1) in claim_spread.parse_configs(None) and len(claim_spread.parse_configs(None)) >= 2


def test_find_chromium_takes_the_setting_then_the_first_browser_on_the_path(tmp_path):
    browser = tmp_path / "my-chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    on_path = {"chromium-browser": "/usr/bin/chromium-browser", "google-chrome": "/opt/google/chrome"}
    which = on_path.get
    assert browser_check.find_chromium({"GAN_BOOK_CHROMIUM": str(browser)}, which) == str(browser)
    assert browser_check.find_chromium({}, which) == "/usr/bin/chromium-browser"  # chromium itself is absent
    assert browser_check.find_chromium({}, {"chromium": "/usr/bin/chromium", **on_path}.get) == "/usr/bin/chromium"


def test_find_chromium_says_what_to_install_or_set(tmp_path):
    with pytest.raises(browser_check.BrowserNotFoundError,
                       match="no Chromium or Chrome found.*apt-get install chromium.*GAN_BOOK_CHROMIUM="):
        browser_check.find_chromium({}, lambda name: None)
    with pytest.raises(browser_check.BrowserNotFoundError, match="GAN_BOOK_CHROMIUM=.*is not an executable file"):
        browser_check.find_chromium({"GAN_BOOK_CHROMIUM": str(tmp_path / "missing")}, lambda name: "/usr/bin/chromium")


def test_lab_check_finds_the_playground_cell_of_chapter_2():
    chapter = TOOLS.parent / "notebooks" / "02_core_concepts.ipynb"
    index, code_cells = lab_browser_check.playground_cell(chapter)
    cells = nbformat.read(chapter, as_version=4).cells
    assert cells[index].cell_type == "code" and cells[index].source.startswith(lab_browser_check.PLAYGROUND_MARK)
    assert code_cells == sum(cell.cell_type == "code" for cell in cells[:index + 1])


def test_lab_check_refuses_a_notebook_without_a_playground(tmp_path):
    notebook = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("# Interactive? no")]), notebook)
    with pytest.raises(ValueError, match="no code cell starting with '# Interactive playground'"):
        lab_browser_check.playground_cell(notebook)


def test_lab_check_serves_on_localhost_with_a_token_and_its_own_settings(tmp_path):
    folders = lab_browser_check.LabFolders(tmp_path)
    notebook = tmp_path / "chapter.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), notebook)
    folders.create(notebook)
    command, environment = folders.command(8999, "secret"), folders.environment()
    assert "--ServerApp.ip=127.0.0.1" in command and "--IdentityProvider.token=secret" in command
    assert "--LabApp.news_url=None" in command and "--LabApp.extension_manager=readonly" in command
    assert environment["JUPYTER_PREFER_ENV_PATH"] == "1"
    assert all(environment[name].startswith(str(tmp_path)) for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR",
                                                                        "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"))
    assert (folders.served / "chapter.ipynb").is_file()
    news = json.loads((folders.settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings").read_text())
    assert news == {"fetchNews": "false", "checkForUpdates": False}


def test_playground_step_counter_is_read_from_the_status_line():
    assert live_check.step_of("step 12 · paused") == 12
    with pytest.raises(AssertionError, match="no step counter"):
        live_check.step_of("new model: press Train")


# Stands in for the Python that tools/install_data.sh is given: it hides the loader's system and clone folders
# (this machine has /usr/share/datasets/fashion-mnist), logs each IDX file the loader reads, then runs `-c CODE`.
LOGGING_PYTHON = """#!{python}
import sys
from pathlib import Path

from gan_lib.data import images

images.FASHION_MNIST_SYSTEM_ROOT, images.PROJECT_DATA_ROOT = Path("{tmp}/no-system-copy"), None
read = images._read_idx


def logged_read(path):
    with open("{log}", "a") as log:
        log.write(f"{{path}}\\n")
    return read(path)


images._read_idx = logged_read
assert sys.argv[1] == "-c", sys.argv
exec(sys.argv[2], {{"__name__": "__main__"}})
"""


def test_install_data_accepts_uncompressed_idx_files_in_gan_lib_data(tmp_path):
    import numpy as np

    store = tmp_path / "store"  # the layout the script's own error message recommends
    store.mkdir()
    for prefix in ("train", "t10k"):
        write_idx(store / f"{prefix}-images-idx3-ubyte", np.zeros((2, 28, 28)))
        write_idx(store / f"{prefix}-labels-idx1-ubyte", np.array([0, 9]))
    python, log = tmp_path / "python", tmp_path / "read.log"
    python.write_text(LOGGING_PYTHON.format(python=sys.executable, tmp=tmp_path, log=log))
    python.chmod(0o755)
    env = {**os.environ, "GAN_LIB_DATA": str(store), "PYTHONPATH": str(TOOLS.parent), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(["bash", str(TOOLS / "install_data.sh"), str(python)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # found at once: no apt-get, no download
    assert log.read_text().split() == [str(store / name) for name in (
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]


@pytest.mark.parametrize("capabilities, expected", [
    (["default", "avx2", "avx512"], "avx2"),  # AVX-512 CPU: nbval runs AVX-512 kernels, the build AVX2
    (["default", "avx2"], "default"),  # AVX2-only CPU: nbval runs AVX2, the build the unvectorised kernels
    (["default"], "default"),  # no AVX2 (an Arm machine, or no /proc/cpuinfo): the same kernels twice
])
def test_the_book_build_s_second_kernel_configuration(capabilities, expected):
    tool = load_tool("second_kernels")
    assert tool.second_kernels(capabilities) == f"ATEN_CPU_CAPABILITY={expected} OMP_NUM_THREADS=1 MKL_NUM_THREADS=1"
    assert tool.first_kernels() == "OMP_NUM_THREADS=1 MKL_NUM_THREADS=1"  # one thread each: they run side by side
