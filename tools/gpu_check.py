"""The GPU check: what must hold on a CUDA machine, in one script that runs there as the machine is.

    python3 tools/gpu_check.py --out DIR [--data DIR] [--chapters 04,05,06,08] [--steps N] [--stand-in-t4]

It needs only the machine's own python3 with torch (at least pyproject.toml's floor), numpy, scipy,
scikit-learn, matplotlib and tqdm: no Jupyter, no nbval, no virtual environment, no package registry.
gan_lib is imported from this checkout; `--data` names a folder with the Fashion-MNIST IDX files
(they travel with the call). What it does, each part recorded even when another fails:

1. the machine: torch's version against pyproject's floor, the GPU, whether it has native bfloat16;
2. every image configuration the chapters train (tests/chapter_configs.json) and the GPU recipe, a few
   steps each on the GPU: mixed precision is bfloat16 exactly where the GPU has it natively (and
   `mixed_precision=True` is refused where it has not), weights and batches are channels_last, losses finite,
   milliseconds per step;
3. a checkpoint written on the GPU: resumed there (bit for bit with `deterministic=True`), resumed on the
   CPU, and its generator loaded on the CPU by `load_generator`, sampling what the GPU samples;
4. the image chapters' code cells, in order, in one Python process per chapter (cells that build widgets
   are skipped: no front end), with every claim recorded (`gan_lib.book.claim` in record mode).

Results go to DIR/gpu-check-<device>.json and DIR/claims-<device>.json, never over the CPU results the
chapters quote. `--stand-in-t4` switches native-bfloat16 detection off, as on Colab's T4.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import traceback
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # gan_lib from this checkout, whatever is installed

import torch  # noqa: E402

import gan_lib  # noqa: E402
from gan_lib import Trainer, TrainConfig, load_generator, resume, sample_generator, save_checkpoint  # noqa: E402
from gan_lib import device as device_module  # noqa: E402

IMAGE_DATASETS = ("digits", "fashion-mnist")
CHAPTERS = {"04": "04_dcgan_end_to_end", "05": "05_when_training_goes_wrong", "06": "06_applications",
            "08": "08_trends_and_challenges"}
WIDGET_CELL = re.compile(r"ipywidgets|Playground\(|LatentExplorer\(")


def torch_floor() -> str | None:
    """The lowest torch version pyproject.toml admits (`torch>=X`), or None if it states none."""
    found = re.search(r'"torch>=([0-9.]+)', (ROOT / "pyproject.toml").read_text())
    return found.group(1) if found else None


def version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text.split("+")[0])[:3])


def machine(device: torch.device) -> dict:
    floor = torch_floor()
    info = {"torch": torch.__version__, "gan_lib": gan_lib.__version__, "torch_floor": floor,
            "torch_at_least_floor": floor is None or version_tuple(torch.__version__) >= version_tuple(floor),
            "device": str(device), "machine": device_module.describe_machine()}
    if device.type == "cuda":
        info.update(gpu=torch.cuda.get_device_name(device), capability=list(torch.cuda.get_device_capability(device)),
                    native_bfloat16=device_module.cuda_has_native_bfloat16(device))
    return info


def is_channels_last(tensor: torch.Tensor) -> bool:
    return tensor.ndim != 4 or tensor.is_contiguous(memory_format=torch.channels_last)


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def chapter_image_configs() -> list[dict]:
    configs = json.loads((ROOT / "tests" / "chapter_configs.json").read_text())
    return [config for config in configs if config["dataset"] in IMAGE_DATASETS]


def train_configurations(device: torch.device, steps: int) -> list[dict]:
    """A few steps of every image configuration the chapters train, and the GPU recipe, on `device`."""
    settings = [(f"chapter config {i}", config) for i, config in enumerate(chapter_image_configs())]
    settings.append(("recipe fashion-mnist-gpu", gan_lib.recipe("fashion-mnist-gpu").to_dict()))
    expected_amp = device_module.autocast_dtype(device, "auto")
    rows = []
    for name, config in settings:
        row = {"name": name, "dataset": config["dataset"], "batch_size": config.get("batch_size"),
               "width": config.get("width")}
        try:
            trainer = Trainer.from_config(TrainConfig(**{**config, "steps": steps + 2, "device": str(device),
                                                         "progress": False, "log_every": 1}))
            trainer.train(2)  # warm-up: cuDNN's plans, allocator
            synchronize(device)
            started = time.perf_counter()
            trainer.train(steps)
            synchronize(device)
            row["ms_per_step"] = 1000 * (time.perf_counter() - started) / steps
            batch = trainer.batches.next_batch().x
            conv_weights = [p for p in (*trainer.generator.parameters(), *trainer.discriminator.parameters())
                            if p.ndim == 4]
            row.update(amp=str(trainer.amp_dtype), amp_as_expected=trainer.amp_dtype == expected_amp,
                       channels_last=all(map(is_channels_last, [batch, *conv_weights])),
                       finite=trainer.history.is_finite(), sample_dtype=str(trainer.sample(4).dtype))
            row["ok"] = row["amp_as_expected"] and row["channels_last"] and row["finite"] \
                and row["sample_dtype"] == "torch.float32"
        except Exception as error:  # recorded, and the next configuration still runs
            row.update(ok=False, error=f"{type(error).__name__}: {error}")
        rows.append(row)
    return rows


def mixed_precision_true(device: torch.device) -> dict:
    """`mixed_precision=True` means bfloat16 where it is native and a ValueError elsewhere, never float32."""
    native = device_module.has_native_bfloat16(device)
    try:
        dtype = device_module.autocast_dtype(device, True)
        return {"native": native, "result": str(dtype), "ok": native and dtype is torch.bfloat16}
    except ValueError as error:
        return {"native": native, "result": f"ValueError: {error}", "ok": not native}


def checkpoint_round_trip(device: torch.device, folder: Path) -> dict:
    """Written on `device`, resumed there and on the CPU, sampled on the CPU from load_generator."""
    config = TrainConfig(dataset="digits", conditional=True, penalty="wgan-gp", n_critic=2, ema_decay=0.9, width=16,
                         batch_size=64, steps=20, device=str(device), progress=False, log_every=5, deterministic=True)
    straight = Trainer.from_config(config)
    straight.fit()
    first = Trainer.from_config(config)
    first.train(10)
    path = save_checkpoint(first, folder / f"checkpoint-{device.type}.pt")
    resumed = resume(path)
    resumed.fit()
    weights = [(a, b) for a, b in zip(straight.generator.state_dict().values(), resumed.generator.state_dict().values())]
    on_cpu = resume(path, device="cpu")
    on_cpu.fit()
    generator = load_generator(path, device="cpu")
    gpu_samples, cpu_samples = first.sample(64, seed=3), sample_generator(generator, 64, seed=3)
    result = {
        "resume_on_device_bit_exact": all(torch.equal(a, b) for a, b in weights),
        "resume_on_device_max_difference": max(float((a.float() - b.float()).abs().max()) for a, b in weights),
        "resumed_on_cpu_to_step": on_cpu.step, "resumed_on_cpu_finite": on_cpu.history.is_finite(),
        "cpu_sample_max_difference": float((gpu_samples - cpu_samples).abs().max()),
    }
    result["ok"] = (result["resume_on_device_bit_exact"] and result["resumed_on_cpu_to_step"] == 20
                    and result["resumed_on_cpu_finite"] and result["cpu_sample_max_difference"] < 1e-3)
    return result


def code_cells(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]


def runnable(source: str) -> str:
    """A cell's code without IPython's magics and shell lines (`%matplotlib`, `!pip`)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def install_display_stand_ins() -> None:
    """Where IPython is absent (a bare GPU image), `from IPython.display import display, HTML, Markdown` gets
    stand-ins that print what a notebook would show."""
    try:
        import IPython.display  # noqa: F401
        return
    except ImportError:
        pass
    display_module = types.ModuleType("IPython.display")
    display_module.display = lambda *objects, **kwargs: [print(repr(item)) for item in objects] and None

    class Shown(str):
        def __new__(cls, data="", *args, **kwargs):
            return super().__new__(cls, data)

    display_module.HTML = display_module.Markdown = display_module.Image = Shown
    package = types.ModuleType("IPython")
    package.display = display_module
    sys.modules.update({"IPython": package, "IPython.display": display_module})


def run_chapter(name: str, claims_log: Path) -> dict:
    """Every code cell of one chapter, in order, in a fresh namespace; its claims go to `claims_log`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    notebook = ROOT / "notebooks" / f"{CHAPTERS[name]}.ipynb"
    namespace = {"__name__": "__main__"}
    before = len(claims_log.read_text().splitlines()) if claims_log.exists() else 0
    os.environ["GAN_BOOK_CLAIMS_LOG"] = str(claims_log)
    started, ran, skipped, error = time.perf_counter(), 0, [], None
    previous = Path.cwd()
    os.chdir(notebook.parent)
    try:
        for index, source in enumerate(code_cells(notebook)):
            if WIDGET_CELL.search(source):
                skipped.append(index)
                continue
            exec(compile(runnable(source), f"{notebook.name}[code cell {index}]", "exec"), namespace)
            ran += 1
            plt.close("all")
    except Exception:
        error = traceback.format_exc(limit=3)
    finally:
        os.chdir(previous)
    lines = claims_log.read_text().splitlines()[before:] if claims_log.exists() else []
    claims = [json.loads(line) for line in lines]
    return {"chapter": notebook.name, "seconds": round(time.perf_counter() - started, 1), "cells_run": ran,
            "cells_skipped": skipped, "error": error, "claims": len(claims),
            "claims_failed": [c["claim"] for c in claims if not c["holds"]], "ok": error is None and all(
                c["holds"] for c in claims)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the result files")
    parser.add_argument("--data", type=Path, help="folder with Fashion-MNIST's IDX files (sets GAN_LIB_DATA)")
    parser.add_argument("--device", default="cuda", help="the device to check (cpu: a dry run of the script)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per configuration")
    parser.add_argument("--chapters", default="04,05,06,08", help="comma-separated chapter numbers ('' for none)")
    parser.add_argument("--stand-in-t4", action="store_true", help="switch native-bfloat16 detection off")
    args = parser.parse_args(argv)
    if args.data is not None:
        os.environ["GAN_LIB_DATA"] = str(args.data.resolve())
    if args.stand_in_t4:
        device_module.cuda_has_native_bfloat16 = lambda device: False
    os.environ["GAN_BOOK_CLAIMS"] = "record"  # a claim that fails is recorded, and the chapter goes on
    install_display_stand_ins()
    device = device_module.select_device(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = device.type + ("-t4-stand-in" if args.stand_in_t4 else "")
    report: dict = {"machine": machine(device), "date": time.strftime("%Y-%m-%d")}
    parts = {"configurations": lambda: train_configurations(device, args.steps),
             "mixed_precision_true": lambda: mixed_precision_true(device),
             "checkpoint": lambda: checkpoint_round_trip(device, args.out)}
    claims_log = args.out / f"claims-{suffix}.jsonl"
    claims_log.unlink(missing_ok=True)
    for name in filter(None, args.chapters.split(",")):
        parts[f"chapter {name}"] = lambda name=name: run_chapter(name, claims_log)
    failed = []
    for name, part in parts.items():
        started = time.perf_counter()
        try:
            report[name] = part()
        except Exception as error:
            report[name] = {"ok": False, "error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
        results = report[name] if isinstance(report[name], list) else [report[name]]
        if not all(result.get("ok") for result in results):
            failed.append(name)
        print(f"{name}: {'ok' if name not in failed else 'FAILED'} ({time.perf_counter() - started:.1f} s)", flush=True)
        (args.out / f"gpu-check-{suffix}.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    report["failed"] = failed
    (args.out / f"gpu-check-{suffix}.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"{len(parts) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed or not report["machine"]["torch_at_least_floor"] else 0


if __name__ == "__main__":
    sys.exit(main())
