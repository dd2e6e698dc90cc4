"""Precomputed runs for the static explorers of the rendered book (chapters 2, 4 and 8).

The notebooks' playgrounds (gan_lib.widgets) train while the reader watches, but only in a live
kernel; the static web page has none. This tool trains, with the real `gan_lib.Trainer`, every
combination of a few knobs chosen for what each chapter teaches, takes snapshots of each run at
fixed steps, and writes them compactly to `book/_static/explorer/<chapter>.js`, which
`book/_static/explorer/explorer.js` draws in the page (no kernel, no network, works from file://).

THE OUTPUT IS COMMITTED: the book build does not run this tool. After a change to gan_lib that
changes training, or to the grids below, regenerate and commit the data files:

    python tools/explorer_data.py --chapter ch2     # 12 toy runs, about 2 minutes on one CPU core
    python tools/explorer_data.py --chapter ch8     # 28 toy runs (and 4 combinations gan_lib refuses), about 3 minutes
    python tools/explorer_data.py --chapter ch4     # 4 Fashion-MNIST DCGAN runs, about 2.5 minutes
    python tools/explorer_data.py --chapter all
    python tools/explorer_data.py --chapter ch8 --metadata-only   # new wording (title, intro, labels) only

It trains on the CPU with one thread; the output is the same, byte for byte, for the same seed,
gan_lib, PyTorch and CPU kernels (PyTorch's float results differ a little between CPUs, as the
chapters' claims do; see notebooks/results/claim_spread.md).

What a data file holds (format "gan-explorer/1"): a header comment with the grid, the snapshot
steps, the seed and the gan_lib call of every run, then
`window.GAN_EXPLORER_DATA["<chapter>"] = {...}` (a script, not fetched JSON, so that the page
works from file:// where fetch is blocked). For each run ("run key": the knob option ids joined
by "|"), at every snapshot step:
- 2D chapters (kind "toy"): G's samples from fixed noise, G's push -dL_G/dx on each sample, D's
  map over the plane, G's image of a grid of latent points (the manifold view: the plane through
  z0 = 0 along the first two axes of z), the losses, and mode coverage (gan_lib.metrics.mode_coverage
  on 2,500 samples: modes captured, high-quality share, reverse KL);
- image chapter (kind "images"): PNG grids of samples from fixed noise (G and its EMA), a 5 x 5
  5 x 5 slice of latent space spanned by four random latent points (spherical interpolation,
  gan_lib.widgets.slerp), the losses, and the
  Frechet distance in the packaged evaluation classifier's features (FD_N: N generated samples
  against the test split; biased upwards at small N, comparable between runs of this file).
Coordinates are int16 (scale `coord_scale`), D's map uint8, both base64; losses 4 significant digits.
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "book" / "_static" / "explorer"
FORMAT = "gan-explorer/1"
DATA_PREFIX = 'window.GAN_EXPLORER_DATA["'  # the line holding the JSON starts with this
COORD_SCALE = 1e-3  # int16 coordinates: +-32.767 at 0.001 resolution
INT16_MAX = 32767
SIZE_BUDGET = 2_000_000  # bytes of data per chapter page
GRAY_LEVELS = 16  # image grids: 16 grays (4-bit PNG) keep chapter 4's data under the budget


# --- quantisation and file format (pure functions: tests/test_explorer_data.py) ----------------------------
def encode_i16(values, scale: float = COORD_SCALE) -> str:
    """Floats -> base64 of little-endian int16 round(value / scale), clipped to the int16 range."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(array)):
        array = np.nan_to_num(array, nan=0.0, posinf=INT16_MAX * scale, neginf=-INT16_MAX * scale)
    quantised = np.clip(np.rint(array / scale), -INT16_MAX, INT16_MAX).astype("<i2")
    return base64.b64encode(quantised.tobytes()).decode("ascii")


def decode_i16(text: str, scale: float = COORD_SCALE) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<i2").astype(np.float64) * scale


def encode_u8(values) -> str:
    """Values in [0, 1] -> base64 of uint8 round(255 value) (clipped)."""
    array = np.nan_to_num(np.asarray(values, dtype=np.float64).ravel(), nan=0.0)
    return base64.b64encode(np.clip(np.rint(array * 255), 0, 255).astype(np.uint8).tobytes()).decode("ascii")


def decode_u8(text: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype=np.uint8).astype(np.float64) / 255


def significant(value, digits: int = 4):
    """A float rounded to `digits` significant digits; None for NaN or infinity (JSON has neither)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def png_data_uri(image: np.ndarray, levels: int = GRAY_LEVELS) -> str:
    """A grayscale image (H, W) in [0, 1] as a PNG data URI, quantised to `levels` evenly spaced grays
    (a palette PNG: 16 levels take 4 bits a pixel, 2.5 times smaller than 8-bit gray for these grids)."""
    from PIL import Image

    if not 2 <= levels <= 256:
        raise ValueError(f"levels must be in [2, 256], got {levels}")
    indices = np.clip(np.rint(np.asarray(image, dtype=np.float64) * (levels - 1)), 0, levels - 1).astype(np.uint8)
    picture = Image.fromarray(indices, mode="P")
    picture.putpalette([round(i * 255 / (levels - 1)) for i in range(levels) for _ in range(3)])
    bits = next(b for b in (1, 2, 4, 8) if 2 ** b >= levels)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, bits=bits)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def decode_png_data_uri(uri: str) -> np.ndarray:
    """The image (H, W) in [0, 1] of a data URI from `png_data_uri`."""
    from PIL import Image

    head, _, payload = uri.partition(",")
    if head != "data:image/png;base64":
        raise ValueError(f"not a base64 PNG data URI: {uri[:40]!r}")
    picture = Image.open(io.BytesIO(base64.b64decode(payload))).convert("L")
    return np.asarray(picture, dtype=np.float64) / 255


def run_key(option_ids: Sequence[str]) -> str:
    """The key of a run: its knob option ids in knob order, joined by '|' (explorer.js does the same)."""
    for option in option_ids:
        if "|" in option or not option:
            raise ValueError(f"option ids must be non-empty and free of '|', got {option!r}")
    return "|".join(option_ids)


def snapshot_index(run: dict, index: int) -> int:
    """The snapshot a run shows at scrubber position `index`: a run that diverged has fewer snapshots
    and shows its last good one after that (explorer.js does the same)."""
    return max(0, min(index, len(run["snapshots"]) - 1))


def format_data_file(chapter: str, data: dict, header: Iterable[str]) -> str:
    """The text of a data file: a comment header, then one line of JSON assigned to GAN_EXPLORER_DATA."""
    lines = ["/*"] + [f" * {line}".rstrip() for line in header] + [" */",
             "window.GAN_EXPLORER_DATA = window.GAN_EXPLORER_DATA || {};",
             f"{DATA_PREFIX}{chapter}\"] = {json.dumps(data, separators=(',', ':'), allow_nan=False)};", ""]
    for line in header:
        if "*/" in line:
            raise ValueError(f"a header line may not contain '*/': {line!r}")
    return "\n".join(lines)


def parse_data_file(text: str) -> tuple[str, dict]:
    """(chapter, data) from the text of a data file written by `format_data_file`."""
    for line in text.splitlines():
        if line.startswith(DATA_PREFIX):
            chapter, _, rest = line[len(DATA_PREFIX):].partition('"] = ')
            if not rest.endswith(";"):
                break
            return chapter, json.loads(rest[:-1])
    raise ValueError("not an explorer data file: no line 'window.GAN_EXPLORER_DATA[\"...\"] = {...};'")


def load_data_file(path: str | os.PathLike) -> dict:
    return parse_data_file(Path(path).read_text())[1]


# --- what each chapter shows ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Option:
    id: str  # in the run key
    label: str  # what the reader sees
    settings: dict  # the settings this option sets


@dataclass(frozen=True)
class Knob:
    name: str
    label: str
    options: tuple[Option, ...]
    default: str  # an option id
    help: str = ""

    def option(self, option_id: str) -> Option:
        return next(option for option in self.options if option.id == option_id)


@dataclass(frozen=True)
class Chapter:
    name: str  # ch2, ch4, ch8
    kind: str  # "toy" or "images"
    title: str
    intro: str
    base: dict  # settings every run shares
    knobs: tuple[Knob, ...]
    steps: tuple[int, ...]  # snapshot steps, starting at 0
    seed: int = 0
    samples: int = 128  # toy: generated points drawn; images: images per grid
    resolution: int = 40  # toy: D's map is resolution x resolution
    manifold_side: int = 15  # toy: latent grid points per side
    manifold_extent: float = 2.5  # toy: the latent grid spans [-extent, extent]^2
    real_points: int = 300  # toy: real points drawn
    fd_samples: int = 1000  # images: generated images per Frechet distance
    notes: tuple[str, ...] = field(default_factory=tuple)

    def combinations(self) -> list[tuple[Option, ...]]:
        combos: list[tuple[Option, ...]] = [()]
        for knob in self.knobs:
            combos = [combo + (option,) for combo in combos for option in knob.options]
        return combos

    def settings_for(self, combo: Sequence[Option]) -> dict:
        settings = dict(self.base, seed=self.seed)
        for option in combo:
            settings.update(option.settings)
        return settings


def _rate_label(value: float) -> str:
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e-{int(exponent[1:])}" if exponent.startswith("-") else f"{value:g}"


def _lr_options(values: Sequence[float], keys: Sequence[str] = ("lr_g", "lr_d")) -> tuple[Option, ...]:
    return tuple(Option(_rate_label(v), _rate_label(v), {k: v for k in keys}) for v in values)


TOY_STEPS = (0, 10, 25, 50, 100, 150, 200, 300, 400, 500, 650, 800, 1000, 1250, 1500)

CHAPTERS: dict[str, Chapter] = {
    "ch2": Chapter(
        name="ch2", kind="toy", title="Explorer: the two losses on the ring",
        intro=("Precomputed runs of the playground's GAN on the ring of 8 Gaussians. Pick the loss, the learning "
               "rate (both networks) and the D steps per G step, then scrub through training."),
        base=dict(target="ring", batch_size=128, device="cpu"),
        knobs=(
            Knob("loss", "Loss", (Option("minimax", "minimax (3.3)", {"loss": "minimax"}),
                                  Option("non-saturating", "non-saturating (3.4)", {"loss": "non-saturating"})),
                 "non-saturating", "G's objective: eq. (3.3) saturates when D is confident, eq. (3.4) does not"),
            Knob("lr", "Learning rate (G and D)", _lr_options((1e-4, 1e-3, 1e-2)), "1e-3",
                 "Adam's step size for both networks"),
            Knob("d_steps", "D steps per G step", (Option("1", "1", {"d_steps": 1}), Option("3", "3", {"d_steps": 3})),
                 "1", "k in Algorithm 1"),
        ),
        steps=TOY_STEPS, samples=200, resolution=48, manifold_side=17),
    "ch8": Chapter(
        name="ch8", kind="toy", title="Explorer: losses and regularisers of D",
        intro=("Precomputed runs on the ring (8 modes) and the grid (25 modes): four losses, each with no constraint "
               "on D, spectral normalisation, the R1 penalty or the WGAN-GP penalty. The library refuses a "
               "Wasserstein critic with no Lipschitz constraint (none, or R1 alone, which flattens D only at the "
               "real data), as the playground does."),
        base=dict(batch_size=128, device="cpu"),
        knobs=(
            Knob("target", "Target", (Option("ring", "ring (8 modes)", {"target": "ring"}),
                                      Option("grid", "grid (25 modes)", {"target": "grid"})), "ring"),
            Knob("loss", "Loss", tuple(Option(name, name, {"loss": name})
                                       for name in ("non-saturating", "least-squares", "hinge", "wasserstein")),
                 "hinge"),
            Knob("regulariser", "Regulariser of D", (
                Option("none", "none", {}), Option("sn", "spectral norm", {"spectral_norm": True}),
                Option("r1", "R1 penalty", {"penalty": "r1"}), Option("gp", "WGAN-GP penalty", {"penalty": "wgan-gp"})),
                 "r1", "spectral normalisation of every layer of D, or a gradient penalty (weight 10)"),
        ),
        steps=TOY_STEPS, samples=128, resolution=32, manifold_side=13),  # 28 runs: coarser, to fit the budget
    "ch4": Chapter(
        name="ch4", kind="images", title="Explorer: a DCGAN on Fashion-MNIST",
        intro=("Precomputed short runs of the book's Fashion-MNIST recipe (gan_lib.recipe(\"fashion-mnist\")): its "
               "loss and learning rate changed. Scrub through training; switch between G and its moving average (EMA)."),
        base=dict(recipe="fashion-mnist", device="cpu", log_every=5, progress=False),
        knobs=(
            Knob("loss", "Loss", (Option("non-saturating", "non-saturating", {"loss": "non-saturating"}),
                                  Option("hinge", "hinge", {"loss": "hinge"})), "non-saturating"),
            Knob("lr", "Learning rate (G and D)", (Option("1e-3", "1e-3 (the recipe)", {"lr_g": 1e-3, "lr_d": 1e-3}),
                                                   Option("1e-2", "1e-2 (ten times)", {"lr_g": 1e-2, "lr_d": 1e-2})),
                 "1e-3"),
        ),
        steps=(0, 25, 50, 100, 150, 200, 300, 400, 500, 600), samples=36),
}


# --- toy runs -----------------------------------------------------------------------------------------------
def _toy_call(settings: dict) -> str:
    arguments = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    return f"build_toy_trainer(ToySettings({arguments}))"


def latent_plane(extent: float, side: int, latent_dim: int):
    """A side x side grid of latent points in the plane through z0 = 0 along the first two axes of z,
    rows along z_2, columns along z_1: (side^2, latent_dim)."""
    import torch

    line = torch.linspace(-extent, extent, side)
    z2, z1 = torch.meshgrid(line, line, indexing="ij")
    z = torch.zeros(side * side, latent_dim)
    z[:, 0], z[:, 1] = z1.flatten(), z2.flatten()
    return z


def toy_snapshot(trainer, chapter: Chapter, coverage) -> dict:
    from gan_lib.widgets import generate, take_toy_snapshot

    snap = take_toy_snapshot(trainer, coverage, n_points=chapter.samples, n_arrows=chapter.samples,
                             resolution=chapter.resolution)
    push = snap.arrows.double().numpy()
    lengths = np.linalg.norm(push, axis=1)
    push_max = float(np.abs(push).max()) if push.size else 0.0
    push_scale = push_max / INT16_MAX if push_max > 0 else 1.0
    manifold = generate(trainer, latent_plane(chapter.manifold_extent, chapter.manifold_side, trainer.latent_dim))
    row = _history_row(trainer, snap.step)
    metrics = {"d_loss": significant(row.get("d_loss")), "g_loss": significant(row.get("g_loss")),
               "push": significant(lengths.max() if lengths.size else 0.0, 3)}
    if coverage.step and coverage.step[-1] == snap.step:
        metrics.update(modes=coverage.modes_captured[-1], hq=round(coverage.high_quality_percent[-1], 1))
    return {"step": snap.step, "fake": encode_i16(snap.fake.numpy()), "push": encode_i16(push, push_scale),
            "push_scale": significant(push_scale, 6), "heat": encode_u8(snap.heatmap.numpy()),
            "manifold": encode_i16(manifold.numpy()), "metrics": metrics}, snap.heatmap_label


def _history_row(trainer, step: int) -> dict:
    history = trainer.history.to_dict()
    steps = history.get("step", [])
    for i in range(len(steps) - 1, -1, -1):
        if steps[i] <= step:
            return {name: values[i] for name, values in history.items()}
    return {}


def _curve(trainer, names: Sequence[str] = ("d_loss", "g_loss")) -> dict:
    history = trainer.history.to_dict()
    return {"step": [int(s) for s in history.get("step", [])],
            **{name: [significant(v) for v in history.get(name, [])] for name in names}}


def toy_run(chapter: Chapter, settings: dict) -> dict:
    from gan_lib.widgets import CoverageLog, InvalidSettingsError, ToySettings, TrainingSession, build_toy_trainer

    run = {"settings": settings, "call": _toy_call(settings), "refused": None, "diverged": None}
    try:
        trainer = build_toy_trainer(ToySettings(**settings))
    except InvalidSettingsError as error:
        return {**run, "refused": str(error), "snapshots": [], "curve": {"step": [], "d_loss": [], "g_loss": []}}
    session, coverage, snapshots = TrainingSession(trainer), CoverageLog(), []
    for step in chapter.steps:
        if step > trainer.step and not session.run_chunk(step - trainer.step):
            run["diverged"] = session.message
            break
        snapshot, run["heat_label"] = toy_snapshot(trainer, chapter, coverage)
        snapshots.append(snapshot)
    return {**run, "snapshots": snapshots, "curve": _curve(trainer)}


def toy_targets(chapter: Chapter) -> dict:
    from gan_lib.data import TOY_DISTRIBUTIONS
    from gan_lib.widgets.snapshots import PLANE_LIMITS, real_points

    names = sorted({settings["target"] for settings in map(chapter.settings_for, chapter.combinations())})
    targets = {}
    for name in names:
        distribution = TOY_DISTRIBUTIONS.get(name)()
        targets[name] = {"limits": list(PLANE_LIMITS[name]), "std": distribution.std,
                         "modes": [[round(float(x), 3), round(float(y), 3)] for x, y in distribution.modes.tolist()],
                         "real": encode_i16(real_points(name, chapter.real_points).numpy())}
    return targets


# --- image runs ---------------------------------------------------------------------------------------------
class FrechetReference:
    """The test split's feature statistics in the packaged evaluation classifier, computed once."""

    def __init__(self, dataset: str):
        from gan_lib.data import load_images
        from gan_lib.metrics import evaluation_classifier

        self.classifier = evaluation_classifier(dataset, device="cpu")
        features, _ = self.classifier.embed(load_images(dataset, "test").to_unit_range())
        features = features.double().numpy()
        self.mean, self.cov, self.count = features.mean(0), np.cov(features, rowvar=False), len(features)

    def distance(self, images) -> float:
        from gan_lib.metrics import frechet_distance_from_statistics

        features, _ = self.classifier.embed(images)
        features = features.double().numpy()
        return frechet_distance_from_statistics(features.mean(0), np.cov(features, rowvar=False), self.mean, self.cov)


def _image_call(settings: dict) -> str:
    overrides = ", ".join(f"{k}={v!r}" for k, v in settings.items() if k != "recipe")
    return f"Trainer.from_config(recipe({settings['recipe']!r}, {overrides}))"


WALK_SIDE = 5  # the latent slice of the image explorer: WALK_SIDE x WALK_SIDE images
WALK_CAPTION = ("G's EMA on a 5 x 5 slice of latent space: spherical interpolation between four random "
                "latent points (the corners), the same points at every step")


def latent_walk(latent_dim: int, side: int = WALK_SIDE, seed: int = 0):
    """A side x side grid of latent points through four random corners z00, z01, z10, z11 (row-major, rows
    from the first pair to the second): slerp along each row between slerps down the columns. Every point
    stays near the shell where a Gaussian z lives, so G sees inputs like its training ones."""
    import torch

    from gan_lib.widgets import slerp

    corners = torch.randn(4, latent_dim, generator=torch.Generator().manual_seed(seed))
    steps = torch.linspace(0, 1, side).tolist()
    return torch.stack([slerp(slerp(corners[0], corners[2], s), slerp(corners[1], corners[3], s), t)
                        for s in steps for t in steps])


def image_snapshot(trainer, chapter: Chapter, reference: FrechetReference, walk) -> dict:
    import torch

    from gan_lib.viz import image_grid
    from gan_lib.widgets import generate

    side = int(math.isqrt(chapter.samples))
    images = {}
    for name, use_ema in (("ema", True), ("g", False)):
        images[name] = png_data_uri(image_grid(trainer.sample(chapter.samples, seed=7, use_ema=use_ema), side).numpy())
    images["walk"] = png_data_uri(image_grid(generate(trainer, walk), WALK_SIDE).numpy())
    row = _history_row(trainer, trainer.step)
    metrics = {"d_loss": significant(row.get("d_loss")), "g_loss": significant(row.get("g_loss"))}
    for name, use_ema in (("fd_ema", True), ("fd_g", False)):
        fakes = torch.cat([trainer.sample(500, seed=1000 + start, use_ema=use_ema)
                           for start in range(0, chapter.fd_samples, 500)])
        metrics[name] = significant(reference.distance(fakes), 4)
    return {"step": trainer.step, "images": images, "metrics": metrics}


def image_run(chapter: Chapter, settings: dict, reference: FrechetReference) -> dict:
    from gan_lib import Trainer, recipe
    from gan_lib.widgets import TrainingSession

    options = {k: v for k, v in settings.items() if k != "recipe"}
    run = {"settings": settings, "call": _image_call(settings), "refused": None, "diverged": None}
    trainer = Trainer.from_config(recipe(settings["recipe"], steps=chapter.steps[-1], **options))
    session, snapshots = TrainingSession(trainer), []
    walk = latent_walk(trainer.latent_dim, seed=chapter.seed)
    for step in chapter.steps:
        if step > trainer.step and not session.run_chunk(step - trainer.step):
            run["diverged"] = session.message
            break
        snapshots.append(image_snapshot(trainer, chapter, reference, walk))
    return {**run, "snapshots": snapshots, "curve": _curve(trainer)}


# --- a whole chapter -----------------------------------------------------------------------------------------
def header_lines(chapter: Chapter, data: dict) -> list[str]:
    """The data file's header comment: how to regenerate it, the grid, the steps, the seed, every run's call."""
    calls = [f"  {key}: {run['call']}{'  -> refused' if run['refused'] else ''}" for key, run in data["runs"].items()]
    return [f"GAN Book explorer data for {chapter.name} ({FORMAT}): {chapter.title}.",
            "GENERATED, do not edit: regenerate with", f"    {data['generated_by']}",
            "(tools/explorer_data.py; drawn by explorer.js). Real runs of gan_lib's Trainer on the CPU, one thread.",
            f"gan_lib {data['versions']['gan_lib']}, torch {data['versions']['torch']}; seed {chapter.seed} for every run.",
            f"Snapshot steps: {', '.join(map(str, chapter.steps))}.",
            "Knobs (option ids in run keys, in this order): "
            + "; ".join(f"{k.name} = {' / '.join(o.id for o in k.options)}" for k in chapter.knobs) + ".",
            f"Settings shared by every run: {chapter.base}.",
            *(["Image grids: 16 gray levels (4-bit PNG); FD on the packaged classifier's features, "
              f"{chapter.fd_samples} samples against the test split."] if chapter.kind == "images" else
             [f"D's map {chapter.resolution}x{chapter.resolution}; {chapter.samples} samples from fixed noise; "
              f"latent grid {chapter.manifold_side}x{chapter.manifold_side} over [-{chapter.manifold_extent}, "
              f"{chapter.manifold_extent}]^2; coordinates int16 at {COORD_SCALE}."]),
            "Runs (key: the gan_lib call that builds the trainer; each is trained with "
            "gan_lib.widgets.TrainingSession.run_chunk up to each snapshot step):"] + calls


def knob_metadata(chapter: Chapter) -> list[dict]:
    return [{"name": k.name, "label": k.label, "help": k.help, "default": k.default,
             "options": [{"id": o.id, "label": o.label} for o in k.options]} for k in chapter.knobs]


def refresh_metadata(chapter: Chapter, data: dict) -> dict:
    """`data` with the words of `chapter` (title, intro, knob labels and help) and no retraining; refuses
    when the runs no longer match the chapter (another grid, other steps or seed: regenerate instead)."""
    same_grid = [(k["name"], [o["id"] for o in k["options"]]) for k in data["knobs"]] == \
        [(k.name, [o.id for o in k.options]) for k in chapter.knobs]
    if not same_grid or data["steps"] != list(chapter.steps) or data["seed"] != chapter.seed:
        raise ValueError(f"{chapter.name}: the stored runs do not match the chapter's grid, steps or seed; "
                         f"regenerate: python tools/explorer_data.py --chapter {chapter.name}")
    return {**data, "title": chapter.title, "intro": chapter.intro, "knobs": knob_metadata(chapter)}


def build_chapter(chapter: Chapter, log: Callable[[str], None] = print) -> tuple[dict, list[str]]:
    """Train every run of `chapter`; returns (data, header lines)."""
    import torch

    import gan_lib

    torch.set_num_threads(1)
    reference = FrechetReference(chapter.base.get("dataset", "fashion-mnist")) if chapter.kind == "images" else None
    runs = {}
    for combo in chapter.combinations():
        key = run_key([option.id for option in combo])
        settings = chapter.settings_for(combo)
        started = time.perf_counter()
        run = toy_run(chapter, settings) if chapter.kind == "toy" else image_run(chapter, settings, reference)
        runs[key] = run
        outcome = "refused" if run["refused"] else ("diverged" if run["diverged"] else "ok")
        log(f"  {chapter.name} {key:40s} {outcome:8s} {time.perf_counter() - started:6.1f} s")
    data = {"format": FORMAT, "chapter": chapter.name, "kind": chapter.kind, "title": chapter.title,
            "intro": chapter.intro, "seed": chapter.seed, "steps": list(chapter.steps), "knobs": knob_metadata(chapter),
            "generated_by": f"python tools/explorer_data.py --chapter {chapter.name}",
            "versions": {"gan_lib": gan_lib.__version__, "torch": torch.__version__.split("+")[0]},
            "runs": runs}
    if chapter.kind == "toy":
        data.update(coord_scale=COORD_SCALE, resolution=chapter.resolution, manifold_side=chapter.manifold_side,
                    manifold_extent=chapter.manifold_extent, targets=toy_targets(chapter))
    else:
        data.update(grid_side=int(math.isqrt(chapter.samples)), walk_side=WALK_SIDE, walk_caption=WALK_CAPTION, fd_samples=chapter.fd_samples,
                    fd_reference=f"{reference.count:,} test images")
    return data, header_lines(chapter, data)


def write_chapter(chapter: Chapter, out_dir: Path = OUT_DIR, log: Callable[[str], None] = print) -> Path:
    data, header = build_chapter(chapter, log)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{chapter.name}.js"
    path.write_text(format_data_file(chapter.name, data, header))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chapter", required=True, choices=sorted(CHAPTERS) + ["all"])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder for <chapter>.js")
    parser.add_argument("--metadata-only", action="store_true",
                        help="rewrite the words (title, intro, knob labels, header) of existing files; no training")
    args = parser.parse_args(argv)
    names = sorted(CHAPTERS) if args.chapter == "all" else [args.chapter]
    for name in names:
        if args.metadata_only:
            path = args.out / f"{name}.js"
            data = refresh_metadata(CHAPTERS[name], load_data_file(path))
            path.write_text(format_data_file(name, data, header_lines(CHAPTERS[name], data)))
            print(f"{name}: {path} metadata rewritten")
            continue
        started = time.perf_counter()
        path = write_chapter(CHAPTERS[name], args.out)
        size = path.stat().st_size
        print(f"{name}: {path} {size / 1e6:.2f} MB in {time.perf_counter() - started:.0f} s")
        if size > SIZE_BUDGET:
            print(f"WARNING: {path} is over the page budget of {SIZE_BUDGET / 1e6:.1f} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
