"""Run every benchmark in turn: `python -m benchmarks.run [--quick] [--only quality,speed]`.

Each benchmark is a module of this package with a `run(quick: bool = False) -> dict` function
that writes its own files to benchmarks/results/ (or gan_lib/results/, those a chapter shows). A
benchmark that fails, or whose module is missing (renamed or deleted: `BENCHMARKS` must follow), is
reported, the others still run, and the exit status is 1.
A benchmark fails when it raises or when its results record errors (`results["errors"]`,
where benchmarks/speed.py puts the parts it could not measure).
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

BENCHMARKS = ("quality", "recipes", "speed", "levers", "distributed")  # in this order: module names in the benchmarks package


def _load(name: str):
    """The benchmark module `name`, or None when its file does not exist."""
    try:
        return importlib.import_module(f"{__package__ or 'benchmarks'}.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"{__package__ or 'benchmarks'}.{name}":
            return None
        raise


def recorded_errors(results) -> dict:
    """The errors a benchmark's results record, {part: message}; empty when every part ran."""
    if not isinstance(results, dict):
        return {}
    return dict(results.get("errors") or {})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small smoke version of every benchmark")
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated benchmarks to run (default: {','.join(BENCHMARKS)})")
    args = parser.parse_args(argv)
    names = [name for name in args.only.split(",") if name]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    failed = []
    for name in names:
        module = _load(name)
        if module is None:  # a benchmark that vanished must not pass as one that ran
            print(f"[run] benchmarks/{name}.py is missing: rename it in benchmarks/run.py's BENCHMARKS or "
                  "restore the file", file=sys.stderr, flush=True)
            failed.append(name)
            continue
        started = time.perf_counter()
        print(f"[run] {name}{' (quick)' if args.quick else ''} ...", flush=True)
        try:
            errors = recorded_errors(module.run(quick=args.quick))
        except Exception:  # report and go on with the next benchmark
            traceback.print_exc()
            failed.append(name)
        else:
            for part, message in errors.items():
                print(f"[run] {name}: {part} failed: {message}", file=sys.stderr, flush=True)
            if errors:
                failed.append(name)
        print(f"[run] {name} finished in {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"[run] failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
