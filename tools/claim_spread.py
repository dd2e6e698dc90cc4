"""Measure every chapter claim under several kernel configurations and record the spread.

A chapter checks the outcome of a training run as a claim with a margin (`gan_lib.book.claim`):
"all 8 modes captured", "JSD below 0.15 nats". Whether the margin is wide enough is measured,
not guessed: this tool executes the notebooks under several kernel configurations of one machine
(`ATEN_CPU_CAPABILITY` picks PyTorch's vectorised kernels, the thread count changes how sums are
split), which give other float results of training just as another CPU or a GPU would, and
records each claim's measured value under every configuration.

    python tools/claim_spread.py                       # the default configurations, every notebook
    python tools/claim_spread.py --configs default:1,avx2:2 notebooks/00_quickstart.ipynb
    python tools/claim_spread.py --parallel 2          # run two single-thread configurations at once
    python tools/claim_spread.py --missing             # only the runs not yet made with today's code

Results are merged into notebooks/results/claim_spread.json (one entry per notebook, claim and
configuration, so runs on other machines, a GPU among them, add to the same file) and summarised
in notebooks/results/claim_spread.md. Claims are recorded, not raised (`GAN_BOOK_CLAIMS=record`),
so one failed claim does not hide the others; the summary marks it.

Both files are rewritten (atomically) after every run, so an interrupted spread keeps what it
measured. Each run records the fingerprint of what it executed (gan_lib, requirements.txt and the
notebook's code cells); `--missing` skips a run whose configuration already has one with today's
fingerprint, so the same command, run again in a later session, finishes the spread. Two-thread
configurations run one at a time, after the single-thread ones (`--parallel` runs only those side
by side): two two-thread runs on a two-core machine slow each other down several times over.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from book_cache_guard import code_fingerprint  # noqa: E402
from gan_lib.atomic import atomic_write  # noqa: E402
from gan_lib.device import cpu_kernel_capabilities, cpu_model_name  # noqa: E402

RESULTS = ROOT / "notebooks" / "results"
SPREAD_JSON = RESULTS / "claim_spread.json"
SPREAD_MD = RESULTS / "claim_spread.md"
EXECUTE_ONE = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
notebook = nbformat.read(path, as_version=4)
NotebookClient(notebook, timeout=900, kernel_name="python3",
               resources={"metadata": {"path": str(__import__('pathlib').Path(path).parent)}}).execute()
"""


def parse_configs(text: str | None) -> list[tuple[str, int]]:
    """'default:1,avx2:2' -> [('default', 1), ('avx2', 2)]; None -> every capability x 1 and 2 threads."""
    if not text:
        return [(capability, threads) for capability in cpu_kernel_capabilities() for threads in (1, 2)]
    configs = []
    for item in text.split(","):
        capability, _, threads = item.partition(":")
        if capability not in ("default", "avx2", "avx512") or not threads.isdigit():
            raise SystemExit(f"bad configuration {item!r}: write CAPABILITY:THREADS, e.g. default:1 or avx2:2")
        if capability not in cpu_kernel_capabilities():
            raise SystemExit(f"this CPU cannot run ATEN_CPU_CAPABILITY={capability} (it has {cpu_kernel_capabilities()})")
        configs.append((capability, int(threads)))
    return configs


def config_label(capability: str, threads: int) -> str:
    return f"{cpu_model_name()} | ATEN_CPU_CAPABILITY={capability} | {threads} thread{'s' if threads > 1 else ''}"


def run_notebook(notebook: Path, capability: str, threads: int) -> tuple[list[dict], float, str | None]:
    """Execute `notebook` in a fresh kernel under one configuration; return its recorded claims,
    the seconds it took, and the error text if a cell raised."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as log:
        log_path = log.name
    env = {**os.environ, "ATEN_CPU_CAPABILITY": capability, "OMP_NUM_THREADS": str(threads),
           "MKL_NUM_THREADS": str(threads), "GAN_BOOK_CLAIMS_LOG": log_path, "GAN_BOOK_CLAIMS": "record"}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", EXECUTE_ONE, str(notebook)], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    error = None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["failed"])[-1][:400]
    claims = [json.loads(line) for line in Path(log_path).read_text().splitlines() if line.strip()]
    os.unlink(log_path)
    return claims, seconds, error


def fingerprint(notebook: Path, code: str) -> str:
    """What a run of `notebook` executed: `code` (gan_lib and requirements.txt, from
    book_cache_guard.code_fingerprint) and the notebook's code cells (its prose changes no claim)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    sources = "\0".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")
    return hashlib.sha256((code + "\0" + sources).encode("utf-8")).hexdigest()[:16]


def merge(spread: dict, notebook: str, label: str, claims: list[dict], seconds: float, error: str | None,
          run_fingerprint: str | None = None) -> None:
    """Put one run's claims into `spread[notebook]`, replacing an earlier run of the same configuration."""
    entry = spread.setdefault(notebook, {"claims": {}, "runs": {}})
    entry["runs"][label] = {"seconds": round(seconds, 1), "error": error, "fingerprint": run_fingerprint}
    for claim in entry["claims"].values():
        claim["values"].pop(label, None)
    for text in [text for text, claim in entry["claims"].items() if not claim["values"]]:
        del entry["claims"][text]  # no configuration measures it any more: the chapter dropped or reworded it
    for record in claims:
        claim = entry["claims"].setdefault(record["claim"], {"values": {}})
        claim["at_least"], claim["at_most"] = record["at_least"], record["at_most"]
        claim["values"].setdefault(label, []).append(record["value"])


def margin(claim: dict) -> float:
    """The smallest distance of any measured value from the claim's bound (negative: it failed)."""
    distances = []
    for values in claim["values"].values():
        for value in values:
            if claim["at_least"] is not None:
                distances.append(value - claim["at_least"])
            if claim["at_most"] is not None:
                distances.append(claim["at_most"] - value)
    return min(distances) if distances else float("nan")


def summary(spread: dict) -> str:
    lines = ["# Spread of the chapters' claims across kernel configurations", "",
             "Written by `python tools/claim_spread.py`: every notebook executed under each configuration "
             "below; each claim's bound, the lowest and highest value measured, and the margin "
             "(the smallest distance of any measured value from the bound; negative means it failed).", ""]
    for notebook, entry in sorted(spread.items()):
        lines += [f"## {notebook}", "", "Configurations: " + "; ".join(
            f"{label} ({run['seconds']:.0f} s{', ERROR: ' + run['error'] if run['error'] else ''})"
            for label, run in sorted(entry["runs"].items())), "",
            "| claim | bound | lowest | highest | margin | configurations |", "|---|---|---|---|---|---|"]
        for text, claim in entry["claims"].items():
            values = [v for vs in claim["values"].values() for v in vs]
            bound = " and ".join(f"{sign} {b:g}" for sign, b in ((">=", claim["at_least"]), ("<=", claim["at_most"]))
                                 if b is not None)
            lines.append(f"| {text} | {bound} | {min(values):.4g} | {max(values):.4g} | {margin(claim):.4g} | "
                         f"{len(claim['values'])} |")
        lines.append("")
    return "\n".join(lines)


def write(spread: dict, out: Path) -> None:
    """claim_spread.json and its summary .md, each replaced atomically."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for path, text in ((out, json.dumps(spread, indent=1, sort_keys=True) + "\n"), (out.with_suffix(".md"), summary(spread))):
        atomic_write(path, lambda file, text=text: file.write(text.encode("utf-8")))


def already_measured(spread: dict, notebook: str, label: str, run_fingerprint: str) -> bool:
    run = spread.get(notebook, {}).get("runs", {}).get(label)
    return bool(run) and run.get("fingerprint") == run_fingerprint and not run.get("error")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--configs", help="CAPABILITY:THREADS,... (default: every capability of this CPU x 1, 2)")
    parser.add_argument("--parallel", type=int, default=1,
                        help="single-thread runs at once (default 1); two-thread runs always run alone")
    parser.add_argument("--missing", action="store_true",
                        help="skip the runs already measured, without an error, with today's code and notebook")
    parser.add_argument("--out", type=Path, default=SPREAD_JSON)
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    configs = parse_configs(args.configs)
    spread = json.loads(args.out.read_text()) if args.out.is_file() else {}
    code = code_fingerprint()
    prints = {notebook: fingerprint(notebook, code) for notebook in notebooks}
    jobs = [(notebook, capability, threads) for capability, threads in configs for notebook in notebooks]
    if args.missing:
        skipped = [job for job in jobs if already_measured(spread, job[0].name, config_label(*job[1:]), prints[job[0]])]
        jobs = [job for job in jobs if job not in skipped]
        print(f"{len(skipped)} runs already measured with this code, {len(jobs)} to go", flush=True)
    lock = threading.Lock()

    def run(job):
        notebook, capability, threads = job
        claims, seconds, error = run_notebook(notebook, capability, threads)
        label = config_label(capability, threads)
        held = sum(c["holds"] for c in claims)
        print(f"{notebook.name:34s} {capability:8s} {threads} thread(s) {seconds:6.1f} s  "
              f"{held}/{len(claims)} claims held{'  ERROR ' + error if error else ''}", flush=True)
        with lock:  # write after every run: an interrupted spread keeps what it measured
            merge(spread, notebook.name, label, claims, seconds, error, prints[notebook])
            write(spread, args.out)

    with ThreadPoolExecutor(max(1, args.parallel)) as pool:
        list(pool.map(run, [job for job in jobs if job[2] == 1]))
    for job in [job for job in jobs if job[2] > 1]:
        run(job)
    failed = [(n, t) for n, e in spread.items() for t, c in e["claims"].items() if margin(c) < 0]
    errors = [(n, label) for n, e in spread.items() for label, run in e["runs"].items() if run["error"]]
    for name, text in failed:
        print(f"FAILED claim in {name}: {text}")
    for name, label in errors:
        print(f"ERROR executing {name} under {label}")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
