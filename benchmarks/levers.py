"""Speed levers inside the training step: what each one does to the recipe's D+G step.

    python -m benchmarks.levers [--quick] [--threads 1 2]

The step is chapter 4's: `gan_lib.recipe("fashion-mnist")`'s networks, batch and Adam, one D update
on a real and a generated batch, one G update, on fixed tensors (no data stream, no logging), so
that only the compute differs. Each lever changes one thing:

- memory layout: the weights and images in channels_last (NHWC, what `gan_lib.Trainer` uses for
  image models) or in PyTorch's default contiguous NCHW;
- oneDNN: the CPU convolutions with oneDNN (PyTorch's default) or without it (`mkldnn` off);
- one D pass: D scores real and generated images as one batch of 2B instead of two batches of B.
  With batch norm in D this is a different model (the statistics mix real and fake images), so the
  lever is a speed figure here; whether it learns as well is a question for the recipe search;
- batch norm in D: the recipe's D without its batch norm layer (a different model: the recipe
  search measures how it learns), alone and with one D pass, which without batch norm is the same
  model as two passes;
- torch.compile: both networks compiled by inductor (C++ on the CPU, Triton on CUDA); the first
  steps' compile time (with inductor's on-disk caches off, as on a first run) is reported apart
  and counted in the steps it would take to pay back;
- threads: each of the above on 1 and on all threads.

Every figure is the fastest of several interleaved rounds, as in `benchmarks/speed.py`, with the
step's FLOPs per second against the machine's peak on the same threads (the faster of a large
matrix multiply and a large convolution, `benchmarks/peak.py`). Writes benchmarks/results/levers.json
and levers.md (`--quick`: levers-quick.*).
"""
from __future__ import annotations

import argparse
import contextlib
import time

import torch
import torch.nn.functional as F

import gan_lib
from gan_lib.device import describe_machine
from gan_lib.models import build_models
from gan_lib.modes import frozen

from .peak import fraction_of_peak, machine_peak, step_flops
from .speed import _timed as timed_calls
from .speed import write_results


class RecipeStep:
    """One D+G step of the recipe's networks on fixed tensors, with the levers as switches."""

    def __init__(self, device: torch.device, channels_last: bool = True, one_d_pass: bool = False,
                 compiled: bool = False, d_batch_norm: bool = True, batch_size: int | None = None, seed: int = 0):
        config = gan_lib.recipe("fashion-mnist", device=str(device), d_batch_norm=d_batch_norm)
        torch.manual_seed(seed)
        generator, discriminator = build_models(config.dataset, config.model_config())
        memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.generator = generator.to(device, memory_format=memory_format)
        self.discriminator = discriminator.to(device, memory_format=memory_format)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=config.lr_g, betas=config.betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr_d, betas=config.betas)
        self.G = torch.compile(self.generator) if compiled else self.generator
        self.D = torch.compile(self.discriminator) if compiled else self.discriminator
        batch = batch_size or config.batch_size
        self.real = (torch.rand(batch, *self.discriminator.input_shape, device=device) * 2 - 1).contiguous(
            memory_format=memory_format)
        self.z_d = torch.randn(batch, self.generator.latent_dim, device=device)
        self.z_g = torch.randn(batch, self.generator.latent_dim, device=device)
        self.one_d_pass = one_d_pass

    def __call__(self) -> None:
        with torch.no_grad():
            fake = self.G(self.z_d)
        if self.one_d_pass:  # D(cat(real, fake)): one forward and one backward over 2B images
            logits = self.D(torch.cat([self.real, fake]))
            real_logits, fake_logits = logits.chunk(2)
        else:
            real_logits, fake_logits = self.D(self.real), self.D(fake)
        # eq. 3.2: -log D(x) - log(1 - D(G(z))), with D's logits
        d_loss = F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        with frozen(self.discriminator):
            g_loss = F.softplus(-self.D(self.G(self.z_g))).mean()  # non-saturating, eq. 3.4
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        self.opt_g.step()


# label -> RecipeStep switches, and whether oneDNN is on
LEVERS = {
    "recipe step (channels_last, oneDNN)": dict(),
    "contiguous NCHW": dict(channels_last=False),
    "oneDNN off": dict(mkldnn=False),
    "one D pass over real+fake": dict(one_d_pass=True),
    "no batch norm in D": dict(d_batch_norm=False),
    "no batch norm in D, one D pass": dict(d_batch_norm=False, one_d_pass=True),
    "torch.compile (inductor)": dict(compiled=True),
}


@contextlib.contextmanager
def _cold_compile_caches():
    """Inductor without its on-disk caches (compiled graphs and kernels of earlier runs)."""
    import torch._inductor.config as inductor_config

    with inductor_config.patch(force_disable_caches=True):
        yield


def _mkldnn(enabled: bool):
    return torch.backends.mkldnn.flags(enabled=enabled) if not enabled else contextlib.nullcontext()


def _timed(step, n: int, device: torch.device, mkldnn: bool = True) -> float:
    """Seconds for `n` calls of `step` (speed.py's timer), with oneDNN switched as the lever says."""
    with _mkldnn(mkldnn):
        return timed_calls(step, n, device)


def measure(device: torch.device, threads: int, rounds: int, steps: int, levers: dict) -> dict:
    """Seconds per step (fastest round) of each lever on `threads` threads, interleaved round by round."""
    torch.set_num_threads(threads)
    contenders, compile_seconds = {}, {}
    for label, switches in levers.items():
        switches = dict(switches)
        mkldnn = switches.pop("mkldnn", True)
        step = RecipeStep(device, **switches)
        start = time.perf_counter()
        with _cold_compile_caches():  # the compile time a first run pays, not a cache hit from the last one
            _timed(step, 3, device, mkldnn)  # warm-up: allocation, kernel choice, and compilation when compiled
        if switches.get("compiled"):
            compile_seconds[label] = time.perf_counter() - start
        contenders[label] = (step, mkldnn)
    seconds = {label: [] for label in contenders}
    names = list(contenders)
    for round_index in range(rounds):
        for label in names[round_index % len(names):] + names[:round_index % len(names)]:
            step, mkldnn = contenders[label]
            seconds[label].append(_timed(step, steps, device, mkldnn) / steps)
    best = {label: min(values) for label, values in seconds.items()}
    baseline = next(iter(best))
    flops = step_flops(contenders[baseline][0])
    kernels = machine_peak(device, torch.float32)
    peak = kernels["peak"]
    rows = {}
    for label, per_step in best.items():
        row = {"ms_per_step": per_step * 1e3, "speedup": best[baseline] / per_step,
               "gflop_per_s": flops / per_step / 1e9, "fraction_of_peak": fraction_of_peak(flops, per_step, peak)}
        if label in compile_seconds:
            saved = best[baseline] - per_step
            row["compile_seconds"] = compile_seconds[label]
            row["steps_to_pay_back"] = compile_seconds[label] / saved if saved > 0 else None
        rows[label] = row
    return {"threads": threads, "gflop_per_step": flops / 1e9, "peak_gflop_per_s": peak / 1e9,
            "kernel_gflop_per_s": {k: v / 1e9 for k, v in kernels.items() if k != "peak"},
            "rounds": rounds, "steps_per_round": steps, "rows": rows}


def to_markdown(results: dict) -> str:
    lines = [f"# Speed levers inside the step ({results['machine']})", "",
             f"torch {results['torch']}, device {results['device']}. The D+G step of "
             f"`gan_lib.recipe(\"fashion-mnist\")` (batch {results['batch_size']}) on fixed tensors; fastest of "
             f"{results['by_threads'][0]['rounds']} interleaved rounds of {results['by_threads'][0]['steps_per_round']} "
             "steps; speed-up against the first row on the same threads; fraction of the machine's float32 peak "
             "measured on the same threads (the faster of a 2048 x 2048 matrix multiply and a 256-channel 3x3 "
             "convolution).", ""]
    for block in results["by_threads"]:
        lines += [f"## {block['threads']} thread{'s' if block['threads'] > 1 else ''}: "
                  f"{block['gflop_per_step']:.2f} GFLOP per step, peak {block['peak_gflop_per_s']:.0f} GFLOP/s "
                  f"(matrix multiply {block['kernel_gflop_per_s']['matmul']:.0f}, "
                  f"convolution {block['kernel_gflop_per_s']['conv']:.0f})",
                  "", "| lever | ms per step | speed-up | GFLOP/s | fraction of peak | compile s | steps to pay back |",
                  "|---|---|---|---|---|---|---|"]
        for label, row in block["rows"].items():
            compile_s = f"{row['compile_seconds']:.1f}" if "compile_seconds" in row else ""
            pay_back = row.get("steps_to_pay_back")
            pay_back = "" if "compile_seconds" not in row else ("never" if pay_back is None else f"{pay_back:,.0f}")
            lines.append(f"| {label} | {row['ms_per_step']:.2f} | {row['speedup']:.2f}x | {row['gflop_per_s']:.1f} "
                         f"| {row['fraction_of_peak']:.0%} | {compile_s} | {pay_back} |")
        lines.append("")
    return "\n".join(lines)


def run(quick: bool = False, threads: tuple[int, ...] | None = None, skip_compile: bool = False) -> dict:

    device = gan_lib.select_device("auto")
    threads = threads or ((1,) if quick else tuple(sorted({1, torch.get_num_threads()})))
    levers = {k: v for k, v in LEVERS.items()
              if not (device.type != "cpu" and "mkldnn" in v) and not (skip_compile and v.get("compiled"))}
    if quick:
        levers = {k: v for k, v in levers.items() if not v.get("compiled")}
    all_threads = torch.get_num_threads()
    try:
        blocks = [measure(device, n, rounds=2 if quick else 5, steps=3 if quick else 40, levers=levers)
                  for n in threads]
    finally:
        torch.set_num_threads(all_threads)
    results = {"machine": describe_machine(), "torch": torch.__version__, "device": str(device),
               "batch_size": gan_lib.recipe("fashion-mnist").batch_size, "quick": quick, "by_threads": blocks}
    return write_results("levers", results, to_markdown(results), quick)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="one thread, few steps, no compilation: a smoke run")
    parser.add_argument("--threads", type=int, nargs="+", help="thread counts to measure (default: 1 and all)")
    parser.add_argument("--skip-compile", action="store_true", help="leave out torch.compile (slow to compile)")
    args = parser.parse_args(argv)
    run(args.quick, tuple(args.threads) if args.threads else None, args.skip_compile)


if __name__ == "__main__":
    main()
