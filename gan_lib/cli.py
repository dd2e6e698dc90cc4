"""Command line: `python -m gan_lib train ...` and `python -m gan_lib sample ...`.

`train` has one option per `TrainConfig` field, generated from the dataclass: the option's type
and check come from the field's type and name, its help text from the field's comment, so the
command line and the config cannot drift apart. `--recipe NAME` starts from a registered recipe
(gan_lib.recipes); options given explicitly override it, the others keep the recipe's values.
Under torchrun every process runs the same `run_train`, which trains a DistributedTrainer and
lets rank 0 alone write files (gan_lib.distributed).

Errors gan_lib raises on purpose (`GanLibError`: bad settings, missing or unreadable files, a diverged
run) end the command with one line, `error: <message>`, and exit status 2; any other exception is a
bug and keeps its traceback. The output folder is created and write-tested before anything is built.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields
from pathlib import Path

from .atomic import ensure_writable_folder
from .errors import GanLibError
from .field_comments import field_comments

# Options of `train` that are not TrainConfig fields: what to do with the run, not what to train.
RUN_OPTIONS = ("recipe", "out", "resume", "checkpoint_every", "dist_timeout")
IMAGE_BATCH_SIZE = 64  # --batch-size when neither it nor a recipe is given, for image data (toy data: the config's)
MIXED_PRECISION_WORDS = {"auto": "auto", "on": True, "off": False}


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, got {value}")
    return value


def _mixed_precision(text: str):
    if text not in MIXED_PRECISION_WORDS:
        raise argparse.ArgumentTypeError(f"choose auto, on or off, got {text!r}")
    return MIXED_PRECISION_WORDS[text]


def _registered_names() -> dict[str, list[str]]:
    """The fields whose value is a registered name, and the names (the option's choices)."""
    from .data import DATASETS
    from .losses import LOSSES
    from .optim import OPTIMIZERS
    from .penalties import PENALTIES

    return {"dataset": DATASETS.names(), "loss": LOSSES.names(), "penalty": PENALTIES.names(),
            "optimizer": OPTIMIZERS.names()}


def _option_for(config_field, comment: str, choices: dict[str, list[str]]) -> tuple[str, dict]:
    """The argparse flag and keywords for one TrainConfig field. Defaults are SUPPRESSed: an option
    the user did not give is absent from the parsed arguments, so it cannot override a recipe."""
    name, kind, default = config_field.name, str(config_field.type), config_field.default
    shown = "see --dataset" if default is MISSING else default
    keywords = {"default": argparse.SUPPRESS, "dest": name, "help": f"{comment} (default: {shown})"}
    flag = "--" + name.replace("_", "-")
    if name in choices:
        keywords["choices"] = choices[name]
    elif name == "mixed_precision":
        keywords.update(type=_mixed_precision, metavar="{auto,on,off}",
                        help=f"{comment}. auto = on CUDA only; on = also on a CPU with native bfloat16 "
                             "(default: auto)")
    elif kind.startswith("bool"):
        if default:  # a switch that is on unless turned off: --no-progress
            flag, keywords["action"] = f"--no-{name.replace('_', '-')}", "store_false"
        else:
            keywords["action"] = "store_true"
    elif kind.startswith("tuple"):
        keywords.update(type=float, nargs=2, metavar=("B1", "B2"))
    elif kind.startswith("int"):
        keywords["type"] = int if name == "seed" else _positive_int
    elif kind.startswith("float"):
        keywords["type"] = float if name == "ema_decay" else _positive_float
    return flag, keywords


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """One option per TrainConfig field, with the field's comment as help."""
    from .train import TrainConfig

    comments, choices = field_comments(TrainConfig), _registered_names()
    group = parser.add_argument_group("what to train (the fields of gan_lib.TrainConfig)")
    for config_field in fields(TrainConfig):
        flag, keywords = _option_for(config_field, comments.get(config_field.name, ""), choices)
        group.add_argument(flag, **keywords)


def build_parser() -> argparse.ArgumentParser:
    from .recipes import RECIPES

    parser = argparse.ArgumentParser(prog="python -m gan_lib", description="Train GANs and sample from them.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a GAN and write checkpoint.pt, samples.png, history.json")
    run = train.add_argument_group("the run")
    run.add_argument("--recipe", choices=RECIPES.names(), default=None,
                     help="start from this recipe's settings (gan_lib.recipe); options given here override them")
    run.add_argument("--out", required=True, type=Path, help="output directory")
    run.add_argument("--resume", action="store_true",
                     help="continue from OUT/checkpoint.pt; options given here override its settings")
    run.add_argument("--checkpoint-every", type=_positive_int, default=500, help="save every this many steps (default: 500)")
    run.add_argument("--dist-timeout", type=_positive_float, default=300.0,
                     help="under torchrun: seconds a rank waits for the others before the run stops with an error "
                          "(default: 300)")
    add_config_options(train)

    sample = commands.add_parser("sample", help="write N generated samples as a NumPy .npy file (needs the "
                                 "checkpoint only: no training data)",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sample.add_argument("--checkpoint", required=True, type=Path, help="a checkpoint.pt written by train")
    sample.add_argument("--n", type=_positive_int, default=1000, help="number of samples")
    sample.add_argument("--seed", type=int, default=0, help="noise seed")
    sample.add_argument("--label", type=int, default=None, help="class to sample (conditional models)")
    sample.add_argument("--device", default="auto", help="where to run the generator: auto, cpu, cuda or mps")
    sample.add_argument("--no-ema", dest="use_ema", action="store_false",
                        help="sample from G's own weights, not their moving average (when the run kept one)")
    sample.add_argument("--out", required=True, type=Path, help="output .npy file")
    return parser


def given_settings(args) -> dict:
    """The TrainConfig fields given on the command line (absent options are not in `args`)."""
    return {name: value for name, value in vars(args).items()
            if name not in RUN_OPTIONS and name != "command"}


def config_from_args(args):
    """The TrainConfig that `train`'s options describe: the recipe's settings (or TrainConfig's defaults),
    then every option given explicitly. Image data default to batch 64 unless an option or recipe sets it."""
    from .data import is_toy
    from .recipes import RECIPES
    from .train import TrainConfig

    settings = dict(RECIPES.get(args.recipe)()) if args.recipe else {}
    settings.update(given_settings(args))
    if "batch_size" not in settings and not is_toy(settings.get("dataset", TrainConfig.dataset)):
        settings["batch_size"] = IMAGE_BATCH_SIZE
    return TrainConfig(**settings)


def run_train(args) -> int:
    """`python -m gan_lib train`: one process, or one of torchrun's processes (DDP, rank 0 writes).
    Every process checks --out first, so that none waits for a rank that could not write."""
    from .distributed import launched_by_torchrun

    ensure_writable_folder(args.out)
    if not launched_by_torchrun():
        from .train import Trainer

        return _train(args, Trainer)
    from torch.distributed.elastic.multiprocessing.errors import record

    from .distributed import DistributedTrainer, init_distributed, shutdown_distributed

    init_distributed(args.device if "device" in args else "auto", args.dist_timeout)
    try:
        return record(_train)(args, DistributedTrainer)  # torchrun's failure summary shows this rank's traceback
    finally:
        shutdown_distributed()


def _train(args, trainer_class) -> int:
    """Build (or resume) a `trainer_class`, train it with periodic checkpoints, and let the main process
    write the checkpoint, history and sample figure."""
    from .checkpoint import PeriodicCheckpoint, resume
    from .distributed import is_main_process, synchronize, world_size

    main, processes = is_main_process(), world_size()
    on = f" on {processes} processes" if processes > 1 else ""
    checkpoint = args.out / "checkpoint.pt"
    if args.resume:  # every rank reads the checkpoint: multi-node runs need --out on a shared filesystem
        trainer = resume(checkpoint, trainer_class=trainer_class, **given_settings(args))
        if main:
            print(f"resumed {checkpoint} at step {trainer.step}{on}")
    else:
        trainer = trainer_class.from_config(config_from_args(args))

    save_periodically = PeriodicCheckpoint(checkpoint, args.checkpoint_every, enabled=main)
    trainer.fit(callbacks=[save_periodically])
    save_periodically.final(trainer)  # once: not again when the last periodic save was at the final step
    if main:
        trainer.history.save_json(args.out / "history.json")
        _save_sample_figure(trainer, args.out / "samples.png")
        batch = f" (global batch {trainer.config.batch_size})" if processes > 1 else ""
        print(f"trained {trainer.step} steps{on}{batch}; wrote {checkpoint}, {args.out / 'samples.png'}, "
              f"{args.out / 'history.json'}")
    synchronize()  # under DDP the run ends when rank 0 has written its files
    return 0


def _save_sample_figure(trainer, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import viz
    from .data import DISTRIBUTIONS_1D, SIGNALS, TOY_DISTRIBUTIONS, is_toy

    fig, ax = plt.subplots(figsize=(5, 5))
    title = f"{trainer.config.dataset}, step {trainer.step}"
    if trainer.config.dataset in DISTRIBUTIONS_1D:
        viz.plot_density_1d(DISTRIBUTIONS_1D.get(trainer.config.dataset)(), trainer.sample(5000), ax=ax, title=title)
    elif is_toy(trainer.config.dataset):
        real = TOY_DISTRIBUTIONS.get(trainer.config.dataset)().sample(1000, torch_generator(0))
        viz.plot_toy(real, trainer.sample(1000), ax=ax, title=title)
    elif trainer.config.dataset in SIGNALS:  # 1D signals (chapter 6)
        viz.plot_signals(trainer.sample(6), ax=ax, n=6, title=title)
    else:
        viz.plot_samples(trainer.sample(64), nrow=8, ax=ax, title=title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def torch_generator(seed: int):
    import torch

    rng = torch.Generator()
    rng.manual_seed(seed)
    return rng


def run_sample(args) -> int:
    import numpy as np

    from .checkpoint import load_generator
    from .train import sample_generator

    out = args.out if args.out.suffix == ".npy" else args.out.with_name(args.out.name + ".npy")  # as np.save names it
    ensure_writable_folder(out.parent)
    generator = load_generator(args.checkpoint, device=args.device, use_ema=args.use_ema)
    num_classes = getattr(generator, "num_classes", 0)
    if args.label is not None and not num_classes:
        raise SystemExit("error: --label applies to conditional models only; this model is unconditional "
                         "(leave --label out)")
    if args.label is not None and not 0 <= args.label < num_classes:
        raise SystemExit(f"error: --label {args.label} is out of range: this model has {num_classes} classes, "
                         f"0 to {num_classes - 1}")
    samples = sample_generator(generator, args.n, labels=args.label, seed=args.seed).numpy()
    np.save(out, samples)
    print(f"wrote {args.n} samples of shape {samples.shape[1:]} to {out}")
    return 0


def check_train_args(args, parser: argparse.ArgumentParser) -> None:
    """Refuse combinations argparse cannot see: a --data-root that does not exist (the data would
    silently come from elsewhere) unless --download is to create it; a recipe for a resumed run."""
    data_root, download = getattr(args, "data_root", None), getattr(args, "download", False)
    if data_root is not None and not download and not Path(data_root).is_dir():
        parser.error(f"--data-root {data_root}: the directory does not exist; fix the path, "
                     "or add --download to fetch Fashion-MNIST into it")
    if args.resume and args.recipe:
        parser.error("--recipe does not apply to --resume: a resumed run keeps its checkpoint's settings "
                     "(give single options to change those that do not alter the model, such as --steps)")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        check_train_args(args, parser)
    try:
        return run_train(args) if args.command == "train" else run_sample(args)
    except GanLibError as error:  # its message names the problem and the fix; anything else is a bug
        print(f"error: {error}", file=sys.stderr)
        return 2
