"""Figures used throughout the book: sample grids, loss curves, D's decision surface, animations.

Every function draws on a matplotlib Axes (a new one when `ax` is None) and returns it,
so notebooks can compose figures. matplotlib is imported lazily.
"""
from __future__ import annotations

import math

import torch

from .history import History


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


def plot_history(history: History, ax=None, keys=("d_loss", "g_loss"), title: str = "Losses"):
    """Curves of the chosen History columns against the generator step."""
    ax = _axes(ax, (6, 3.5))
    for key in keys:
        ax.plot(history["step"], history[key], label=key)
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
    was_training = discriminator.training
    discriminator.eval()
    probabilities = torch.sigmoid(discriminator(points)).reshape(resolution, resolution).cpu()
    discriminator.train(was_training)
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


def animate_toy(frames: list[torch.Tensor], real: torch.Tensor | None = None, steps: list[int] | None = None,
                interval: int = 200, limits=None):
    """A matplotlib animation of generated 2D points over training (one frame per snapshot).
    Display in a notebook with `IPython.display.HTML(anim.to_jshtml())`."""
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    extent = max(float(f.abs().max()) for f in frames) * 1.1
    limits = limits or (-extent, extent)
    if real is not None:
        ax.scatter(*real.T.numpy(), s=4, c="black", alpha=0.4)
    scatter = ax.scatter(*frames[0].T.numpy(), s=4, c="tab:orange")
    ax.set_xlim(limits)
    ax.set_ylim(limits)
    ax.set_aspect("equal")

    def update(i):
        scatter.set_offsets(frames[i].numpy())
        ax.set_title(f"step {steps[i]}" if steps else f"frame {i}")
        return (scatter,)

    animation = FuncAnimation(fig, update, frames=len(frames), interval=interval, blit=False)
    plt.close(fig)
    return animation
