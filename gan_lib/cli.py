"""Command line: `python -m gan_lib train ...` and `python -m gan_lib sample ...`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import DATASETS
from .losses import LOSSES
from .optim import OPTIMIZERS
from .penalties import PENALTIES


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gan_lib", description="Train GANs and sample from them.")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train a GAN and write checkpoint.pt, samples.png, history.json",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    train.add_argument("--dataset", choices=DATASETS.names(), default="ring", help="training data")
    train.add_argument("--loss", choices=LOSSES.names(), default="non-saturating", help="GAN loss")
    train.add_argument("--penalty", choices=PENALTIES.names(), default="none", help="regulariser of D")
    train.add_argument("--penalty-weight", type=_positive_float, default=None, help="lambda/gamma (default 10)")
    train.add_argument("--steps", type=_positive_int, default=2000, help="generator updates in total")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="batch size (256 toy, 64 images)")
    train.add_argument("--n-critic", type=_positive_int, default=1, help="D updates per G update")
    train.add_argument("--lr-g", type=_positive_float, default=2e-4, help="generator learning rate")
    train.add_argument("--lr-d", type=_positive_float, default=2e-4, help="discriminator learning rate")
    train.add_argument("--optimizer", choices=OPTIMIZERS.names(), default="adam", help="optimiser of both networks")
    train.add_argument("--grad-clip", type=_positive_float, default=None, help="clip gradient norms to this value")
    train.add_argument("--weight-clip", type=_positive_float, default=None, help="clip D's weights (WGAN)")
    train.add_argument("--ema-decay", type=float, default=None, help="keep an EMA of G with this decay, e.g. 0.999")
    train.add_argument("--spectral-norm", action="store_true", help="spectral normalisation on D")
    train.add_argument("--conditional", action="store_true", help="class-conditional GAN (image datasets)")
    train.add_argument("--latent-dim", type=_positive_int, default=None, help="size of z (dataset default)")
    train.add_argument("--width", type=_positive_int, default=None, help="hidden units / base channels")
    train.add_argument("--seed", type=int, default=0, help="random seed")
    train.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    train.add_argument("--mixed-precision", choices=["auto", "on", "off"], default="auto",
                       help="bfloat16 autocast: auto = on CUDA only; on = also on a CPU with native bfloat16 (AMX)")
    train.add_argument("--data-root", default=None,
                       help="existing directory holding Fashion-MNIST (with --download: the directory to fill)")
    train.add_argument("--download", action="store_true", help="allow torchvision to download Fashion-MNIST")
    train.add_argument("--out", required=True, type=Path, help="output directory")
    train.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    train.add_argument("--checkpoint-every", type=_positive_int, default=500, help="save every this many steps")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    train.add_argument("--dist-timeout", type=_positive_float, default=300.0,
                       help="under torchrun: seconds a rank waits for the others before the run stops with an error")

    sample = commands.add_parser("sample", help="write N generated samples as a NumPy .npy file",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sample.add_argument("--checkpoint", required=True, type=Path, help="a checkpoint.pt written by train")
    sample.add_argument("--n", type=_positive_int, default=1000, help="number of samples")
    sample.add_argument("--seed", type=int, default=0, help="noise seed")
    sample.add_argument("--label", type=int, default=None, help="class to sample (conditional models)")
    sample.add_argument("--out", required=True, type=Path, help="output .npy file")
    return parser


def config_from_args(args):
    """The TrainConfig that `train`'s options describe."""
    from .data import is_toy
    from .train import TrainConfig

    batch_size = args.batch_size or (256 if is_toy(args.dataset) else 64)
    return TrainConfig(
        dataset=args.dataset, loss=args.loss, penalty=args.penalty, penalty_weight=args.penalty_weight,
        steps=args.steps, batch_size=batch_size, n_critic=args.n_critic, lr_g=args.lr_g, lr_d=args.lr_d,
        optimizer=args.optimizer, grad_clip=args.grad_clip, weight_clip=args.weight_clip,
        ema_decay=args.ema_decay, latent_dim=args.latent_dim, width=args.width,
        spectral_norm=args.spectral_norm, conditional=args.conditional, seed=args.seed, device=args.device,
        mixed_precision={"auto": "auto", "on": True, "off": False}[args.mixed_precision],
        progress=not args.no_progress, data_root=args.data_root, download=args.download)


def run_train(args) -> int:
    from .checkpoint import PeriodicCheckpoint, resume
    from .distributed import launched_by_torchrun, run_train_distributed
    from .train import Trainer

    if launched_by_torchrun():  # one of torchrun's processes: train with DDP, rank 0 writes (gan_lib.distributed)
        return run_train_distributed(args)
    checkpoint = args.out / "checkpoint.pt"
    if args.resume:
        trainer = resume(checkpoint, steps=args.steps, progress=not args.no_progress)
        print(f"resumed {checkpoint} at step {trainer.step}")
    else:
        trainer = Trainer.from_config(config_from_args(args))

    save_periodically = PeriodicCheckpoint(checkpoint, args.checkpoint_every)
    trainer.fit(callbacks=[save_periodically])
    save_periodically.final(trainer)  # once: not again when the last periodic save was at the final step
    trainer.history.save_json(args.out / "history.json")
    _save_sample_figure(trainer, args.out / "samples.png")
    print(f"trained {trainer.step} steps; wrote {checkpoint}, {args.out / 'samples.png'}, {args.out / 'history.json'}")
    return 0


def _save_sample_figure(trainer, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import viz
    from .data import DISTRIBUTIONS_1D, SIGNALS, TOY_DISTRIBUTIONS, is_toy

    fig, ax = plt.subplots(figsize=(5, 5))
    if trainer.config.dataset in DISTRIBUTIONS_1D:
        viz.plot_density_1d(DISTRIBUTIONS_1D.get(trainer.config.dataset)(), trainer.sample(5000), ax=ax,
                            title=f"{trainer.config.dataset}, step {trainer.step}")
    elif is_toy(trainer.config.dataset):
        real = TOY_DISTRIBUTIONS.get(trainer.config.dataset)().sample(1000, torch_generator(0))
        viz.plot_toy(real, trainer.sample(1000), ax=ax, title=f"{trainer.config.dataset}, step {trainer.step}")
    elif trainer.config.dataset in SIGNALS:  # 1D signals (chapter 5)
        viz.plot_signals(trainer.sample(6), ax=ax, n=6, title=f"{trainer.config.dataset}, step {trainer.step}")
    else:
        viz.plot_samples(trainer.sample(64), nrow=8, ax=ax, title=f"{trainer.config.dataset}, step {trainer.step}")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def torch_generator(seed: int):
    import torch

    rng = torch.Generator()
    rng.manual_seed(seed)
    return rng


def run_sample(args) -> int:
    import numpy as np

    from .checkpoint import resume

    trainer = resume(args.checkpoint, progress=False)
    if args.label is not None and not 0 <= args.label < max(trainer.num_classes, 1):
        raise SystemExit(f"error: --label {args.label} is out of range: this model has {trainer.num_classes} classes "
                         "(0 means unconditional: leave --label out)")
    samples = trainer.sample(args.n, labels=args.label, seed=args.seed).numpy()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, samples)
    print(f"wrote {args.n} samples of shape {samples.shape[1:]} to {args.out}")
    return 0


def check_data_root(args, parser: argparse.ArgumentParser) -> None:
    """A --data-root the user names must exist (else the data would silently come from elsewhere),
    unless --download is to create it."""
    if args.data_root is not None and not args.download and not Path(args.data_root).is_dir():
        parser.error(f"--data-root {args.data_root}: the directory does not exist; fix the path, "
                     "or add --download to fetch Fashion-MNIST into it")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        check_data_root(args, parser)
    from .checkpoint import CheckpointError
    from .data import DatasetNotFoundError

    try:
        return run_train(args) if args.command == "train" else run_sample(args)
    except (CheckpointError, DatasetNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
