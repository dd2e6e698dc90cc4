"""Figures used throughout the book: sample grids, loss curves, D's decision surface, snapshots of 2D runs.

Every function draws on a matplotlib Axes (a new one when `ax` is None) and returns it,
so notebooks can compose figures. matplotlib is imported lazily.
"""
from __future__ import annotations

import math

import torch

from .history import History
from .modes import evaluating


def _axes(ax=None, figsize=(5, 4)):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def image_grid(images: torch.Tensor, nrow: int | None = None, padding: int = 1) -> torch.Tensor:
    """Tile images (N, C, H, W) in [-1, 1] into one (H', W') or (H', W', C) array in [0, 1]."""
    if images.ndim != 4:
        raise ValueError(f"images must have shape (N, C, H, W), got {tuple(images.shape)}")
    n, c, h, w = images.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / nrow)
    grid = torch.ones(c, rows * (h + padding) + padding, nrow * (w + padding) + padding)
    for i, image in enumerate(images.detach().float().cpu().clamp(-1, 1)):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, top:top + h, left:left + w] = (image + 1) / 2
    return grid[0] if c == 1 else grid.permute(1, 2, 0)


def plot_samples(images: torch.Tensor, nrow: int | None = None, ax=None, title: str | None = None):
    """Show a grid of generated or real images."""
    ax = _axes(ax, (5, 5))
    ax.imshow(image_grid(images, nrow).numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def running_mean(values, window: int) -> list[float]:
    """The trailing mean over `window` points, m_i = (x_{i-w+1} + ... + x_i) / w, over the points there are
    at the start (m_0 = x_0)."""
    if not isinstance(window, int) or window < 1:
        raise ValueError(f"window={window!r}: the running mean needs a whole number of points, 1 or more")
    means, total = [], 0.0
    for i, value in enumerate(values):
        total += value
        if i >= window:
            total -= values[i - window]
        means.append(total / min(i + 1, window))
    return means


def plot_history(history: History, ax=None, keys=("d_loss", "g_loss"), title: str = "Losses", smooth: int = 1):
    """Curves of the chosen History columns against the generator step. With `smooth` > 1 each column is
    drawn faintly as logged and, over it, its running mean over `smooth` logged points."""
    ax = _axes(ax, (6, 3.5))
    for key in keys:
        if smooth == 1:
            ax.plot(history["step"], history[key], label=key)
            continue
        raw, = ax.plot(history["step"], history[key], alpha=0.3, lw=0.8)
        ax.plot(history["step"], running_mean(history[key], smooth), color=raw.get_color(),
                label=f"{key}, running mean")
    ax.set_xlabel("generator step")
    ax.set_ylabel(" / ".join(keys) if len(keys) < 3 else "value")
    ax.set_title(title)
    ax.legend()
    return ax


@torch.no_grad()
def discriminator_surface(discriminator, limits=(-1.6, 1.6), resolution: int = 100, device="cpu"):
    """D's probability sigmoid(D(x)) on a resolution x resolution grid over the square `limits`.
    Returns (xs, ys, probabilities), each (resolution, resolution)."""
    line = torch.linspace(limits[0], limits[1], resolution)
    xs, ys = torch.meshgrid(line, line, indexing="xy")
    points = torch.stack([xs.flatten(), ys.flatten()], dim=1).to(device)  # (resolution^2, 2)
    with evaluating(discriminator):
        probabilities = torch.sigmoid(discriminator(points)).reshape(resolution, resolution).cpu()
    return xs, ys, probabilities


def plot_toy(real: torch.Tensor | None = None, fake: torch.Tensor | None = None, discriminator=None,
             limits=None, ax=None, title: str | None = None, device="cpu"):
    """2D real and generated points, over D's probability map when a discriminator is given."""
    ax = _axes(ax, (4.5, 4.5))
    points = [p for p in (real, fake) if p is not None]
    if limits is None:
        extent = max(float(p.abs().max()) for p in points) * 1.15 if points else 1.6
        limits = (-extent, extent)
    if discriminator is not None:
        xs, ys, probabilities = discriminator_surface(discriminator, limits, device=device)
        mesh = ax.pcolormesh(xs.numpy(), ys.numpy(), probabilities.numpy(), cmap="RdBu", vmin=0, vmax=1,
                             shading="auto", alpha=0.6)
        ax.figure.colorbar(mesh, ax=ax, fraction=0.046, pad=0.04, label="D(x) = P(real)")
    if real is not None:
        ax.scatter(*real.cpu().T.numpy(), s=4, c="black", alpha=0.5, label="real")
    if fake is not None:
        ax.scatter(*fake.cpu().T.numpy(), s=4, c="tab:orange", alpha=0.6, label="generated")
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    ax.legend(loc="upper right", fontsize="small", markerscale=3)
    return ax


# --- 2D runs: D's map, the points and G's push (chapter 2; the playgrounds draw with these too) ----

ARROW_LENGTH = 0.1  # the longest arrow, as a fraction of the view's width
FAKE_COLOUR, REAL_COLOUR, ARROW_COLOUR = "tab:orange", "black", "tab:green"


def arrow_vectors(snapshot) -> torch.Tensor:
    """The arrows scaled so the longest is ARROW_LENGTH of the view: directions and relative sizes show."""
    span = snapshot.limits[1] - snapshot.limits[0]
    longest = snapshot.arrows.norm(dim=1).max().clamp_min(1e-12) if len(snapshot.arrows) else torch.tensor(1.0)
    return snapshot.arrows / longest * (ARROW_LENGTH * span)


def draw_toy_field(ax, snapshot, arrows: bool = True, point_size: float = 4.0) -> dict:
    """D's map, real points, generated points and G's push arrows on `ax`; returns the artists.

    `snapshot` is a `gan_lib.widgets.ToySnapshot` (`take_toy_snapshot`): its `limits`, `heatmap`,
    `real`, `fake`, `arrow_origins` and `arrows` are drawn."""
    low, high = snapshot.limits
    artists = {
        "heatmap": ax.imshow(snapshot.heatmap.numpy(), extent=(low, high, low, high), origin="lower", cmap="RdBu",
                             vmin=0.0, vmax=1.0, interpolation="bilinear", alpha=0.75),
        "real": ax.scatter(*snapshot.real.T.numpy(), s=point_size * 0.6, c=REAL_COLOUR, alpha=0.45, linewidths=0,
                           label="real"),
        "fake": ax.scatter(*snapshot.fake.T.numpy(), s=point_size, c=FAKE_COLOUR, alpha=0.8, linewidths=0,
                           label="generated"),
    }
    if arrows:
        vectors = arrow_vectors(snapshot)
        artists["arrows"] = ax.quiver(*snapshot.arrow_origins.T.numpy(), *vectors.T.numpy(), angles="xy",
                                      scale_units="xy", scale=1.0, color=ARROW_COLOUR, width=0.006)
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    return artists


def plot_toy_snapshots(snapshots: list, titles: list[str] | None = None, ncols: int | None = None,
                       arrows: bool = True, panel_size: float = 3.0):
    """Snapshots of a 2D run (`gan_lib.widgets.take_toy_snapshot`) side by side with one shared colour
    bar: D's map, real points (black), generated points (orange) and, with `arrows`, the direction in
    which G's loss pushes each generated point. Chapter 2 uses it to show D's decision surface as G
    improves. Returns the Figure."""
    import matplotlib.pyplot as plt

    if not snapshots:
        raise ValueError("plot_toy_snapshots needs at least one snapshot (gan_lib.widgets.take_toy_snapshot)")
    if titles is not None and len(titles) != len(snapshots):
        raise ValueError(f"got {len(titles)} titles for {len(snapshots)} snapshots; give one title per snapshot")
    ncols = ncols or min(len(snapshots), 3)
    nrows = math.ceil(len(snapshots) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_size * ncols + 1.0, panel_size * nrows + 0.3),
                             squeeze=False, constrained_layout=True)
    for i, (ax, snapshot) in enumerate(zip(axes.flat, snapshots)):
        artists = draw_toy_field(ax, snapshot, arrows=arrows)
        ax.set_title(titles[i] if titles else f"step {snapshot.step}", fontsize=10)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    for ax in list(axes.flat)[len(snapshots):]:
        ax.set_axis_off()
    axes.flat[0].legend(loc="lower left", fontsize="x-small", markerscale=3)
    fig.colorbar(artists["heatmap"], ax=axes, shrink=0.85, label=snapshots[-1].heatmap_label)
    return fig


def plot_single_step(before, after_d, after_g, num_arrows: int = 64, arrow_length: float = 0.12):
    """One discriminator step and one generator step, from three snapshots of the same run
    (`gan_lib.widgets.take_toy_snapshot` before, after `trainer.discriminator_step()`, after
    `trainer.generator_step()`), in three panels (chapter 2):
    1. D's map and the points before;
    2. what the D step changed: D's map after minus before, on its own colour scale;
    3. what the G step changed: arrows from each generated point's old to its new position (same z),
       magnified so the longest is `arrow_length` of the view, over D's map.
    Returns the Figure."""
    import matplotlib.pyplot as plt

    if not (before.limits == after_d.limits == after_g.limits and before.fake.shape == after_g.fake.shape
            and before.heatmap.shape == after_d.heatmap.shape):
        raise ValueError("plot_single_step needs three snapshots of the same run taken with the same settings")
    low, high = before.limits
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.2), constrained_layout=True)
    artists = draw_toy_field(axes[0], before, arrows=False)
    axes[0].set_title("before: D's map and the points", fontsize=10)
    axes[0].legend(loc="lower left", fontsize="x-small", markerscale=3)
    fig.colorbar(artists["heatmap"], ax=axes[0], shrink=0.85, label=before.heatmap_label)

    change = after_d.heatmap - before.heatmap  # (R, R), rows = x2
    scale = float(change.abs().max()) or 1.0
    mesh = axes[1].imshow(change.numpy(), extent=(low, high, low, high), origin="lower", cmap="PiYG",
                          vmin=-scale, vmax=scale, interpolation="bilinear")
    axes[1].scatter(*before.real.T.numpy(), s=2.5, c="black", alpha=0.5, linewidths=0)
    axes[1].scatter(*before.fake.T.numpy(), s=4, c="tab:orange", alpha=0.8, linewidths=0)
    axes[1].set_xlim(low, high)
    axes[1].set_ylim(low, high)
    axes[1].set_aspect("equal")
    axes[1].set_xticks([])
    axes[1].set_yticks([])
    axes[1].set_title("one D step: change in D's map", fontsize=10)
    fig.colorbar(mesh, ax=axes[1], shrink=0.85, label="D(x) after minus before")

    draw_toy_field(axes[2], after_g, arrows=False)
    moved = (after_g.fake - after_d.fake)[:num_arrows]  # (M, 2) displacement of the same z
    longest = float(moved.norm(dim=1).max())
    magnify = arrow_length * (high - low) / longest if longest > 0 else 1.0
    axes[2].quiver(*after_d.fake[:num_arrows].T.numpy(), *(moved * magnify).T.numpy(), angles="xy",
                   scale_units="xy", scale=1.0, color="tab:green", width=0.006)
    axes[2].set_title(f"one G step: how the points moved (arrows x{magnify:.2g})", fontsize=10)
    for ax in axes:
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    return fig


def plot_density_1d(distribution=None, fake: torch.Tensor | None = None, discriminator=None, p_g=None,
                    limits=(-4.0, 4.0), ax=None, title: str | None = None, bins: int = 80, device="cpu"):
    """A 1D problem (chapter 3): the data density p_data (a `gan_lib.data.Mixture1D`), a histogram of
    generated samples `fake` (N, 1) or the model density `p_g` (another Mixture1D), and, with a
    `discriminator`, sigmoid(D(x)) next to the optimal D* = p_data / (p_data + p_g) (eq. 3.5) when
    p_g is known, on a second y axis. Returns the Axes of the densities."""
    ax = _axes(ax, (7, 3.5))
    x = torch.linspace(limits[0], limits[1], 400).unsqueeze(1)  # (400, 1)
    if distribution is not None:
        ax.plot(x[:, 0].numpy(), distribution.prob(x).numpy(), color="black", label="$p_{data}$")
    if p_g is not None:
        ax.plot(x[:, 0].numpy(), p_g.prob(x).numpy(), color="tab:orange", label="$p_g$")
    if fake is not None:
        if fake.ndim != 2 or fake.shape[1] != 1:
            raise ValueError(f"fake samples must have shape (N, 1), got {tuple(fake.shape)}")
        ax.hist(fake[:, 0].cpu().numpy(), bins=bins, range=limits, density=True, color="tab:orange", alpha=0.5,
                label="generated")
    ax.set_xlim(limits)
    ax.set_xlabel("$x$")
    ax.set_ylabel("density")
    handles, labels = ax.get_legend_handles_labels()
    if discriminator is not None:
        twin = ax.twinx()
        with evaluating(discriminator), torch.no_grad():
            probability = torch.sigmoid(discriminator(x.to(device))).cpu()
        twin.plot(x[:, 0].numpy(), probability.numpy(), color="tab:blue", label="$D(x)$ trained")
        if distribution is not None and p_g is not None:
            from .theory import optimal_discriminator

            optimal = optimal_discriminator(distribution.prob(x), p_g.prob(x))
            twin.plot(x[:, 0].numpy(), optimal.numpy(), color="tab:blue", linestyle="--", label="$D^*(x)$, eq. (3.5)")
        twin.set_ylim(0, 1)
        twin.set_ylabel("$D(x)$ = P(real)")
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    if handles:
        ax.legend(handles, labels, loc="upper left", fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_signals(signals: torch.Tensor, ax=None, title: str | None = None, n: int = 4, offset: float = 2.5):
    """The first `n` 1D signals (N, L) or (N, 1, L), stacked vertically `offset` apart (chapter 6)."""
    ax = _axes(ax, (6, 3.5))
    x = signals[:, 0] if signals.ndim == 3 else signals
    if x.ndim != 2:
        raise ValueError(f"signals must have shape (N, L) or (N, 1, L), got {tuple(signals.shape)}")
    for i, signal in enumerate(x[:n].detach().float().cpu()):
        ax.plot(signal.numpy() - i * offset, lw=1.2)
    ax.set_yticks([])
    ax.set_xlabel("sample index t")
    if title:
        ax.set_title(title)
    return ax


def plot_spectra(signal_sets: dict, ax=None, title: str = "Mean power spectrum", band=None):
    """Normalised mean power spectra (gan_lib.metrics.spectra.mean_spectrum) of each named set of
    signals, on a log scale; `band=(low, high)` shades the frequencies the data should occupy."""
    from .metrics.spectra import mean_spectrum

    ax = _axes(ax, (6, 3.5))
    for name, signals in signal_sets.items():
        ax.semilogy(mean_spectrum(signals.detach().cpu()).numpy(), marker=".", label=name)
    if band is not None:
        ax.axvspan(*band, color="grey", alpha=0.15, label="band of the data")
    ax.set_xlabel("frequency (cycles per signal)")
    ax.set_ylabel("share of power")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return ax
