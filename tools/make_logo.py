"""Draw the book's logo, book/logo.svg: the picture at the heart of a GAN.

A real data density (dark), the generator's density moving towards it (orange) and the
discriminator's output D(x) (dashed blue) that pushes it there; the book's title beside them.
Run: .venv/bin/python tools/make_logo.py  (the output is committed; re-run only to change it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

INK = "#1f2937"  # the real data and the title
GENERATOR = "#f97316"
DISCRIMINATOR = "#2563eb"


def gaussian(x: np.ndarray, mean: float, std: float) -> np.ndarray:
    return np.exp(-0.5 * ((x - mean) / std) ** 2)


def draw(path: Path) -> None:
    plt.rcParams["svg.hashsalt"] = "gan-book"  # stable ids: the file only changes when the drawing does
    fig = plt.figure(figsize=(3.2, 1.4))
    curves = fig.add_axes((0.02, 0.08, 0.42, 0.84))
    x = np.linspace(-3.5, 3.5, 400)
    real = gaussian(x, 0.9, 0.7)
    fake = 0.95 * gaussian(x, -0.9, 0.9)
    # The optimal discriminator for these two densities: D*(x) = p_data / (p_data + p_g).
    d_star = real / (real + fake + 1e-12)
    curves.fill_between(x, real, color=INK, alpha=0.15, linewidth=0)
    curves.plot(x, real, color=INK, linewidth=2.4)
    curves.plot(x, fake, color=GENERATOR, linewidth=2.4)
    curves.plot(x, d_star, color=DISCRIMINATOR, linewidth=2.0, linestyle=(0, (3, 2)))
    curves.annotate("", xy=(0.15, 0.55), xytext=(-0.95, 0.55),
                    arrowprops=dict(arrowstyle="-|>", color=GENERATOR, linewidth=1.8))
    curves.set_xlim(-3.5, 3.5)
    curves.set_ylim(-0.05, 1.12)
    curves.axis("off")
    fig.text(0.49, 0.55, "GAN", color=INK, fontsize=30, fontweight="bold", va="center")
    fig.text(0.497, 0.22, "Book", color=GENERATOR, fontsize=19, fontweight="bold", va="center")
    fig.savefig(path, format="svg", transparent=True, metadata={"Date": None})
    plt.close(fig)


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "book" / "logo.svg"
    draw(out)
    print(f"wrote {out} ({out.stat().st_size} bytes)")
