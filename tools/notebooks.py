"""Author and refresh the book's notebooks.

    python tools/notebooks.py from-script SRC.py OUT.ipynb   # '# %%' / '# %% [markdown]' cells -> notebook
    python tools/notebooks.py refresh NB.ipynb [...]          # execute, keep only nbval-checked text outputs
    python tools/notebooks.py refresh --figures DIR NB.ipynb  # the same, and save every figure as DIR/NB-cellN-K.png

Committed notebooks stay light: only the outputs of cells marked `# NBVAL_CHECK_OUTPUT`
are stored (as text), because those are what nbval compares; the book build executes
every notebook and renders all figures itself.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CHECK_MARK = "# NBVAL_CHECK_OUTPUT"
KEEP_MIME = ("text/plain", "text/markdown")  # text only: a table renders from its Markdown


def from_script(source: Path, target: Path) -> None:
    cells, kind, lines = [], None, []

    def flush():
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#") for line in text.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(text))
        elif kind == "code" and text:
            cells.append(nbformat.v4.new_code_cell(text))

    for line in source.read_text().splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, target)


def cell_seconds(cell) -> float:
    """Wall-clock seconds a code cell took, from the timing nbclient records in its metadata."""
    timing = cell.metadata.get("execution", {})
    started, finished = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not (started and finished):
        return 0.0
    return (datetime.fromisoformat(finished.replace("Z", "+00:00"))
            - datetime.fromisoformat(started.replace("Z", "+00:00"))).total_seconds()


def report_slowest_cells(notebook, count: int = 5) -> None:
    """Print the `count` slowest code cells: where a chapter's time budget goes."""
    timed = sorted(((cell_seconds(cell), index) for index, cell in enumerate(notebook.cells)
                    if cell.cell_type == "code"), reverse=True)[:count]
    for seconds, index in timed:
        first_line = notebook.cells[index].source.strip().splitlines()[0][:70]
        print(f"  cell {index:3d}: {seconds:6.1f} s  {first_line}")


def save_figures(notebook, stem: str, directory: Path) -> list[Path]:
    """Write every PNG output of `notebook` to `directory` as STEM-cellN-K.png (to look at them while
    writing captions: the committed notebook keeps no images)."""
    import base64

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for index, cell in enumerate(notebook.cells):
        pngs = [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        for k, png in enumerate(pngs):
            written.append(directory / f"{stem}-cell{index}-{k}.png")
            written[-1].write_bytes(base64.b64decode(png))
    return written


class StderrInChapter(RuntimeError):
    """A chapter wrote to stderr (a warning, most often): the book build (-W) would fail on it."""


def stderr_outputs(notebook) -> list[str]:
    """'cell N: first line' for every code cell that wrote to stderr."""
    return [f"cell {index}: {output.text.strip().splitlines()[0] if output.text.strip() else '(empty)'}"
            for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "stream" and output.name == "stderr"]


def refresh(path: Path, figures: Path | None = None) -> float:
    """Execute `path` and keep only the outputs nbval checks; a cell that writes to stderr raises
    `StderrInChapter` and leaves the file as it was (the book build would fail on it)."""
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=600, kernel_name="python3", record_timing=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    report_slowest_cells(notebook)
    written = stderr_outputs(notebook)
    if written:
        raise StderrInChapter(f"{path.name} wrote to stderr, which fails the book build; fix the cause: "
                              + "; ".join(written))
    if figures is not None:
        print(f"  figures: {len(save_figures(notebook, path.stem, figures))} written to {figures}/")
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if CHECK_MARK in cell.source:
            kept = []
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stdout":
                    kept.append(output)
                elif output.output_type in ("execute_result", "display_data"):
                    data = {k: v for k, v in output.get("data", {}).items() if k in KEEP_MIME}
                    if data:
                        output["data"] = data
                        output["metadata"] = {}
                        kept.append(output)
            cell.outputs = kept
        else:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    # Saved widget state is tens of kilobytes per playground and useless on a static page (the book loads
    # no widget JavaScript: _config.yml, nb_ipywidgets_js).
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, path)
    return seconds


if __name__ == "__main__":
    command, *paths = sys.argv[1:]
    if command == "from-script":
        from_script(Path(paths[0]), Path(paths[1]))
    elif command == "refresh":
        figures = None
        if paths[:1] == ["--figures"]:
            figures, paths = Path(paths[1]), paths[2:]
        for name in paths:
            print(f"{name}: executed in {refresh(Path(name), figures):.1f} s")
    else:
        raise SystemExit(__doc__)
