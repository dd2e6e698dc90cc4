"""Speed benchmark: how fast gan_lib trains, measured against the PyTorch official DCGAN style.

    python -m benchmarks.speed [--quick] [--skip time_to_quality,book,...]

Writes gan_lib/results/speed.json and speed.md, which appendix A shows and gan_lib ships (`--quick`:
benchmarks/results/speed-quick.json/.md, a smoke run that leaves the full results alone), saved after
every part. A part skipped with `--skip` (or not reached) keeps the last file's figures; every part
records the machine, threads and date it was measured on. Comparisons are ratios of runs interleaved round by round (a, b, bare,
a, b, bare, ...), so a change in the machine's load hits both sides of a ratio alike.

- throughput: images/s of one full D+G step of the default Fashion-MNIST DCGAN at batch 128,
  (a) gan_lib's Trainer and (b) the official example's loop (torchvision dataset + transforms
  + DataLoader workers) on the same models, batch and Adam settings; ratio a/b.
- overhead: gan_lib's step against the bare compute of the same step (the same forward and
  backward passes and optimiser steps on pre-made tensors); ratio - 1.
- time_to_quality: seconds of training until the Frechet distance (gan_lib.metrics, on the
  book's own Fashion-MNIST classifier) first falls below a threshold, for gan_lib's recipe
  (`gan_lib.recipe("fashion-mnist")`, chosen by benchmarks/recipes.py) and the baseline recipe
  (the official architecture and hyperparameters); evaluation time is excluded from both clocks.
- book: seconds to execute each notebook, and the total.
- playground: training steps/s and plot refreshes/s of the 2D widget (gan_lib.widgets).
- peak: the step's floating-point operations per second against the machine's peak in the same
  precision on the same threads (the faster of a large matrix multiply and a large convolution,
  benchmarks/peak.py), for every loop above.
- Where gan_lib has a mixed precision (bfloat16 on CUDA, or on a CPU with native bfloat16),
  throughput is also measured in it, against the same float32 loops.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path

import torch
import torch.nn.functional as F

import gan_lib
import gan_lib.results
from gan_lib.models import build_models, default_model_config
from gan_lib.modes import evaluating, frozen

from .baseline_dcgan import OfficialStyleTrainer, official_dataloader, official_recipe
from .peak import fraction_of_peak, machine_peak, step_flops, sync

RESULTS = Path(__file__).parent / "results"  # the results no chapter reads, and every quick run's
SHIPPED = gan_lib.results.DIRECTORY  # the results a chapter reads: they ship with gan_lib (gan_lib/results/)
NOTEBOOKS = Path(__file__).parent.parent / "notebooks"


def _timed(step, n: int, device: torch.device) -> float:
    """Seconds for `n` calls of `step`, synchronised with the device at both ends."""
    sync(device)
    start = time.perf_counter()
    for _ in range(n):
        step()
    sync(device)
    return time.perf_counter() - start


class BareStep:
    """gan_lib's D+G step with nothing around it: fixed tensors, no data stream, no logging,
    no shape checks (the models' own checks stay: they are part of the models)."""

    def __init__(self, generator, discriminator, batch_size: int, device: torch.device, dtype=None):
        # The same weight layout as gan_lib's Trainer gives image models (channels_last).
        generator = generator.to(device, memory_format=torch.channels_last)
        discriminator = discriminator.to(device, memory_format=torch.channels_last)
        self.generator, self.discriminator, self.dtype, self.device = generator, discriminator, dtype, device
        self.opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
        self.real = torch.rand(batch_size, *discriminator.input_shape, device=device) * 2 - 1
        self.real = self.real.contiguous(memory_format=torch.channels_last)
        self.z_d = torch.randn(batch_size, generator.latent_dim, device=device)
        self.z_g = torch.randn(batch_size, generator.latent_dim, device=device)

    def __call__(self) -> None:
        G, D = self.generator, self.discriminator
        with gan_lib.device.autocast(self.device, self.dtype):
            with torch.no_grad():
                fake = G(self.z_d)
            d_loss = F.softplus(-D(self.real).float()).mean() + F.softplus(D(fake).float()).mean()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        with frozen(D):
            with gan_lib.device.autocast(self.device, self.dtype):
                g_loss = F.softplus(-D(G(self.z_g)).float()).mean()
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        self.opt_g.step()


def mixed_precision_dtype(device: torch.device) -> torch.dtype | None:
    """The dtype gan_lib's `mixed_precision=True` trains in here, or None where it has none
    (a CPU without native bfloat16, MPS)."""
    try:
        return gan_lib.device.autocast_dtype(device, True)
    except ValueError:
        return None


def measure_throughput(device: torch.device, batch_size: int = 128, rounds: int = 5, steps: int = 10,
                       workers: int = 2) -> dict:
    """Images/s of gan_lib's trainer, the official-style loop and the bare step, interleaved.

    All three in float32, the official example's precision. Where gan_lib has a mixed precision
    (bfloat16 on CUDA, or on a CPU with native bfloat16) its trainer and bare step are also timed
    in it, in the same rounds. The order of the loops rotates from round to round, so that none
    always follows the official loop (whose DataLoader workers refill their queue after it)."""
    def trainer(mixed_precision):
        config = gan_lib.TrainConfig(dataset="fashion-mnist", batch_size=batch_size, steps=10**9, progress=False,
                                     device=str(device), mixed_precision=mixed_precision, seed=0)
        return gan_lib.Trainer.from_config(config)

    def bare(dtype):
        torch.manual_seed(0)
        g_bare, d_bare = build_models("fashion-mnist", default_model_config("fashion-mnist"))
        return BareStep(g_bare.to(device), d_bare.to(device), batch_size, device, dtype)

    torch.manual_seed(0)
    g_official, d_official = build_models("fashion-mnist", default_model_config("fashion-mnist"))
    official = OfficialStyleTrainer(g_official, d_official, official_dataloader(batch_size, workers), device)
    bare_float32 = bare(None)
    contenders = {"gan_lib": trainer(False).train_step, "official_style": official.step, "bare_compute": bare_float32}
    low_precision = mixed_precision_dtype(device)
    if low_precision is not None:
        contenders["gan_lib_mixed_precision"] = trainer(True).train_step
        contenders["bare_compute_mixed_precision"] = bare(low_precision)
    for step in contenders.values():  # warm-up: allocator, cuDNN/oneDNN kernel choice, DataLoader workers
        _timed(step, 3, device)
    seconds = {name: [] for name in contenders}
    names = list(contenders)
    for round_index in range(rounds):
        for name in names[round_index % len(names):] + names[:round_index % len(names)]:
            seconds[name].append(_timed(contenders[name], steps, device))
    # Headline ratios compare each loop's fastest round (timeit's rule: the least disturbed one; a slower
    # round measures the machine's other load, which on a shared 2-core VM swings by +-10% within seconds).
    # The medians of the per-round ratios are kept beside them as a check.
    best = {name: min(values) for name, values in seconds.items()}

    def ratio(slower: str, faster: str) -> float:
        return best[slower] / best[faster]

    def median_ratio(slower: str, faster: str) -> float:
        return statistics.median(a / b for a, b in zip(seconds[slower], seconds[faster]))

    results = {
        "images_per_second": {name: batch_size * steps / s for name, s in best.items()},
        "speedup_over_official": ratio("official_style", "gan_lib"),
        "overhead_over_bare": ratio("gan_lib", "bare_compute") - 1.0,
        "median_of_round_ratios": {"speedup_over_official": median_ratio("official_style", "gan_lib"),
                                   "overhead_over_bare": median_ratio("gan_lib", "bare_compute") - 1.0},
        "mixed_precision": str(low_precision) if low_precision is not None else None,
        "rounds": rounds, "steps_per_round": steps, "batch_size": batch_size, "dataloader_workers": workers,
        "seconds_per_round": seconds,
    }
    results["peak"] = measure_fraction_of_peak(device, bare_float32, best, steps, low_precision)
    if low_precision is not None:
        results["mixed_precision_speedup_over_official"] = ratio("official_style", "gan_lib_mixed_precision")
        results["mixed_precision_over_float32"] = ratio("gan_lib", "gan_lib_mixed_precision")
        results["mixed_precision_overhead_over_bare"] = ratio("gan_lib_mixed_precision",
                                                              "bare_compute_mixed_precision") - 1.0
    return results


def measure_fraction_of_peak(device: torch.device, step, best_seconds: dict, steps: int,
                             low_precision: torch.dtype | None) -> dict:
    """The step's FLOPs (counted on `step`, the bare float32 step: every loop runs the same models) per
    second of each loop's fastest round, against the machine's peak (the faster of a large matrix multiply
    and a large convolution) in the same precision."""
    flops = step_flops(step)
    low_name = str(low_precision).removeprefix("torch.")
    precisions = {"float32": torch.float32, **({low_name: low_precision} if low_precision is not None else {})}
    kernels = {name: machine_peak(device, dtype) for name, dtype in precisions.items()}
    fractions = {}
    for name, seconds in best_seconds.items():
        precision = low_name if "mixed_precision" in name else "float32"
        fractions[name] = fraction_of_peak(flops, seconds / steps, kernels[precision]["peak"])
    return {"gflop_per_step": flops / 1e9,
            "peak_gflop_per_s": {name: rates["peak"] / 1e9 for name, rates in kernels.items()},
            "kernel_gflop_per_s": {name: {k: v / 1e9 for k, v in rates.items() if k != "peak"}
                                   for name, rates in kernels.items()},
            "achieved_gflop_per_s": {name: flops / (seconds / steps) / 1e9 for name, seconds in best_seconds.items()},
            "fraction_of_peak": fractions}


# --- time to quality -----------------------------------------------------------------------

def gan_lib_recipe(device: torch.device, seed: int = 0) -> gan_lib.Trainer:
    """gan_lib's Fashion-MNIST recipe, `gan_lib.recipe("fashion-mnist")`: the one chapter 4 trains."""
    config = gan_lib.recipe("fashion-mnist", steps=10**9, progress=False, device=str(device), seed=seed)
    return gan_lib.Trainer.from_config(config)


class FrechetProbe:
    """Frechet distance of 2,000 generated images to the test set, on the book's own classifier."""

    def __init__(self, device: torch.device, n: int = 2000):
        from gan_lib.data import load_fashion_mnist
        from gan_lib.metrics import evaluation_classifier, frechet_distance

        self.n, self.device = n, device
        self.frechet_distance = frechet_distance
        self.classifier = evaluation_classifier("fashion-mnist", device=str(device))
        test = load_fashion_mnist("test").to_unit_range()[:n].to(device)
        self.real_features = self._features(test)

    @torch.no_grad()
    def _features(self, images: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.classifier.features(chunk) for chunk in images.split(500)]).cpu()

    @torch.no_grad()
    def __call__(self, generator: torch.nn.Module) -> float:
        z = torch.randn(self.n, generator.latent_dim, generator=torch.Generator().manual_seed(123)).to(self.device)
        with evaluating(generator):
            fake = torch.cat([generator(chunk) for chunk in z.split(500)]).float()
        return float(self.frechet_distance(self.real_features, self._features(fake)))


def race(step, generator, probe: FrechetProbe, threshold: float | None, budget_s: float, eval_every_s: float,
         device: torch.device) -> dict:
    """Train with `step` until the FD falls to `threshold` (or the budget runs out); FD checks off the clock."""
    clock, curve, next_eval = 0.0, [], eval_every_s
    while clock < budget_s:
        sync(device)
        start = time.perf_counter()
        while time.perf_counter() - start < next_eval - clock:
            step()
        sync(device)
        clock += time.perf_counter() - start
        next_eval = clock + eval_every_s
        fd = probe(generator)
        curve.append((round(clock, 2), round(fd, 3)))
        if threshold is not None and fd <= threshold:
            return {"seconds": clock, "reached": True, "curve": curve}
    return {"seconds": None, "reached": False, "curve": curve}


def measure_time_to_quality(device: torch.device, budget_s: float, eval_every_s: float,
                            threshold: float | None) -> dict:
    """The baseline recipe trains for the whole budget; the threshold defaults to 1.1 x the best FD
    it reached (a level it does reach). Then gan_lib's recipe races to that threshold."""
    probe = FrechetProbe(device)
    baseline = official_recipe(device)
    baseline_run = race(baseline.step, baseline.generator, probe, None, budget_s, eval_every_s, device)
    best = min(fd for _, fd in baseline_run["curve"])
    threshold = threshold if threshold is not None else round(1.1 * best, 2)
    baseline_seconds = next((t for t, fd in baseline_run["curve"] if fd <= threshold), None)
    trainer = gan_lib_recipe(device)
    generator = trainer.sampling_generator
    ours = race(trainer.train_step, generator, probe, threshold, budget_s, eval_every_s, device)
    return {
        "threshold_fd": threshold,
        "baseline_best_fd": best,
        "baseline_seconds": baseline_seconds,
        "gan_lib_seconds": ours["seconds"],
        "speedup": (baseline_seconds / ours["seconds"]) if ours["reached"] and baseline_seconds else None,
        "baseline_curve": baseline_run["curve"],
        "gan_lib_curve": ours["curve"],
        "budget_s": budget_s,
    }


# --- book and playground ----------------------------------------------------------------------

def measure_book(notebooks: list[Path]) -> dict:
    """Seconds to execute each notebook in a fresh kernel, as the book build does."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    seconds = {}
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        try:
            NotebookClient(notebook, timeout=900, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except CellExecutionError as error:  # recorded as this part's error; the other parts stand
            raise RuntimeError(f"{path.name} did not run: {str(error).strip().splitlines()[-1]}") from error
        seconds[path.name] = round(time.perf_counter() - start, 1)
    return {"seconds": seconds, "total_seconds": round(sum(seconds.values()), 1),
            "slowest": max(seconds, key=seconds.get) if seconds else None}


def smoke_notebook() -> Path:
    """A one-cell notebook that imports gan_lib and samples a toy generator: `measure_book`'s path (a fresh
    kernel, the execution, the timing) without the minutes a chapter takes. Written to a temporary folder."""
    import tempfile

    import nbformat

    path = Path(tempfile.mkdtemp(prefix="speed-smoke-")) / "smoke.ipynb"
    cell = nbformat.v4.new_code_cell("import gan_lib\ngenerator, _ = gan_lib.build_models('ring')\n"
                                     "print(gan_lib.sample_generator(generator, 4, seed=0).shape)")
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    return path


def measure_playground() -> dict:
    from .playground_speed import measure_playground_speed

    return measure_playground_speed()


# --- report ---------------------------------------------------------------------------------------

def _fmt(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"


def _heading(title: str, part: dict) -> list[str]:
    """A section's heading, with the machine and date its figures were measured on when known."""
    measured = part.get("measured")
    if not measured:
        return [f"## {title}", ""]
    return [f"## {title}", "", f"Measured on {measured['machine']}, {measured['threads']} threads, "
            f"{measured['date']}.", ""]


def to_markdown(results: dict) -> str:
    lines = [f"# Speed benchmark ({results['machine']})", "",
             f"torch {results['torch']}, device {results['device']}, {results['threads']} threads. "
             "Throughput: the fastest of interleaved rounds measured in this one run (the medians of the "
             "per-round ratios are in speed.json).", ""]
    if "throughput" in results:
        t = results["throughput"]
        ips = t["images_per_second"]
        lines += _heading("Throughput (Fashion-MNIST DCGAN, batch %d, one D + one G update)" % t["batch_size"], t)
        lines += ["| loop | images/s |", "|---|---|"]
        lines += [f"| {name} | {value:.0f} |" for name, value in ips.items()]
        lines += ["", f"- gan_lib / official style, both float32: **{t['speedup_over_official']:.2f}x** (target at least 1.3x)",
                  f"- gan_lib overhead over bare compute: **{100 * t['overhead_over_bare']:.1f}%** (target at most 5%)"]
        if t.get("mixed_precision"):
            lines += [f"- gan_lib in mixed precision ({t['mixed_precision']}, `mixed_precision=True`) / official style "
                      f"(float32): **{t['mixed_precision_speedup_over_official']:.2f}x**; over gan_lib in float32: "
                      f"{t['mixed_precision_over_float32']:.2f}x; overhead over its bare compute: "
                      f"{100 * t['mixed_precision_overhead_over_bare']:.1f}%"]
        if "peak" in t:
            pk = t["peak"]
            peaks = "; ".join(f"{precision} {pk['peak_gflop_per_s'][precision]:.0f} GFLOP/s (matrix multiply "
                              f"{rates['matmul']:.0f}, convolution {rates['conv']:.0f})"
                              for precision, rates in pk["kernel_gflop_per_s"].items())
            lines += ["", f"Against the machine's limit: one step is {pk['gflop_per_step']:.1f} GFLOP (matrix multiplies "
                      f"and convolutions, forward and backward, counted by FlopCounterMode). The peak is the faster "
                      f"of a 2048 x 2048 matrix multiply and a 256-channel 3x3 convolution on the same threads: "
                      f"{peaks}.", "",
                      "| loop | GFLOP/s | fraction of peak |", "|---|---|---|"]
            lines += [f"| {name} | {pk['achieved_gflop_per_s'][name]:.1f} | {100 * fraction:.0f}% |"
                      for name, fraction in pk["fraction_of_peak"].items()]
        lines += [""]
    if "time_to_quality" in results:
        q = results["time_to_quality"]
        lines += _heading("Time to quality (Frechet distance on the book's classifier, 2,000 samples vs test set)", q)
        lines += [f"Threshold FD {q['threshold_fd']} (1.1 x the baseline's best, {q['baseline_best_fd']:.2f}, "
                  f"within {q['budget_s']:.0f} s of training).", "",
                  "| recipe | seconds to threshold |", "|---|---|",
                  f"| official style (architecture and hyperparameters of pytorch/examples) | {_fmt(q['baseline_seconds'], 1)} |",
                  f"| gan_lib | {_fmt(q['gan_lib_seconds'], 1)} |", "",
                  f"- speedup: **{_fmt(q['speedup'])}x** (target at least 3x)", ""]
    if "book" in results:
        b = results["book"]
        lines += _heading("Book: seconds to execute each notebook", b) + ["| notebook | seconds |", "|---|---|"]
        lines += [f"| {name} | {s:.1f} |" for name, s in b["seconds"].items()]
        lines += [f"| **total** | **{b['total_seconds']:.1f}** |", "",
                  "Targets: every notebook under 180 s, the whole book under 900 s.", ""]
    if "playground" in results:
        p = results["playground"]
        lines += _heading("2D playground", p) + ["| measure | value |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" if isinstance(v, float) else f"| {k} | {v} |" for k, v in p.items()
                  if k != "measured"]
        lines += ["", "Targets: at least 50 training steps/s and at least 5 plot refreshes/s.", ""]
    for name, error in results.get("errors", {}).items():
        lines += [f"- {name} not measured: {error}"]
    return "\n".join(lines) + "\n"


def run(quick: bool = False, skip: tuple[str, ...] = (), threshold: float | None = None) -> dict:
    device = gan_lib.select_device("auto")
    results = {"machine": gan_lib.device.describe_machine(),
               "torch": torch.__version__, "device": str(device), "threads": torch.get_num_threads(),
               "quick": quick, "errors": {}}
    jobs = {
        "throughput": lambda: measure_throughput(device, rounds=3 if quick else 15, steps=5 if quick else 12),
        # quick: a smoke race (two FD checks per recipe) and a one-cell notebook, so that make test checks
        # that every part still runs without a third execution of a chapter
        "time_to_quality": lambda: measure_time_to_quality(device, budget_s=8 if quick else 300,
                                                           eval_every_s=4 if quick else 10, threshold=threshold),
        "book": lambda: measure_book([smoke_notebook()] if quick else sorted(NOTEBOOKS.glob("*.ipynb"))),
        "playground": measure_playground,
    }
    stamp = {"machine": results["machine"], "threads": results["threads"], "date": date.today().isoformat()}
    if not quick:  # every part starts from the last results file and is replaced once re-measured
        results.update(kept_parts(SHIPPED / "speed.json", tuple(jobs)))
    for name, job in jobs.items():
        if name in skip:
            continue
        print(f"[speed] {name} ...", flush=True)
        try:
            results[name] = {**job(), "measured": stamp}
        except (ImportError, FileNotFoundError, RuntimeError) as error:
            results.pop(name, None)
            results["errors"][name] = f"{type(error).__name__}: {error}"
        # saved after every part: the book part runs appendix A, which quotes the parts measured before
        # it, and an interrupted run keeps what it measured
        write_results("speed", results, to_markdown(results), quick, echo=False, shipped=True)
    print(to_markdown(results))
    return results


def kept_parts(path: Path, parts: tuple[str, ...]) -> dict:
    """The named parts as the last full results file has them (each with the machine and date it
    was measured on), so that re-measuring one part keeps the others."""
    if not path.exists():
        return {}
    previous = json.loads(path.read_text())
    return {name: previous[name] for name in parts if name in previous}


def write_results(name: str, results: dict, markdown: str, quick: bool, echo: bool = True,
                  shipped: bool = False) -> dict:
    """Write NAME.json and NAME.md, print the markdown when `echo`, and return `results`. They go to
    benchmarks/results/, or with `shipped` (a chapter reads them) to gan_lib/results/, inside the package,
    so that the chapter finds them wherever gan_lib is installed. A quick run writes NAME-quick.* to
    benchmarks/results/ (not committed): it leaves the committed figures alone, and gan_lib ships none of it."""
    directory = SHIPPED if shipped and not quick else RESULTS
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{name}-quick" if quick else name
    (directory / f"{stem}.json").write_text(json.dumps(results, indent=2) + "\n")
    (directory / f"{stem}.md").write_text(markdown)
    if echo:
        print(markdown)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and a short race: a smoke run")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: throughput,time_to_quality,book,playground")
    parser.add_argument("--threshold", type=float, default=None, help="FD threshold (default: 1.1 x the baseline's best)")
    args = parser.parse_args(argv)
    run(args.quick, tuple(s for s in args.skip.split(",") if s), args.threshold)


if __name__ == "__main__":
    main()
