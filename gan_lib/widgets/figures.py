"""Drawing for the playgrounds: functions of a snapshot or of images that return a matplotlib
Figure, with no ipywidgets and no pyplot (Agg canvases, safe on the training thread). What is
drawn on one Axes (`draw_toy_field`, `image_grid`) lives in gan_lib.viz; this module builds the
playgrounds' figures and frames on it.

The widgets turn these figures into image bytes for an `ipywidgets.Image`: updating the
data of a figure built once, blitting, and encoding the frame as JPEG is the fast path that
keeps the 2D playground at several frames per second (`measure_playground_speed`).
"""
from __future__ import annotations

import io

import torch

from ..viz import arrow_vectors, draw_toy_field, image_grid
from .snapshots import ToySnapshot

MOVING_FIELD_ARTISTS = ("heatmap", "real", "fake", "arrows")  # in drawing order: the map under the points



def new_figure(figsize: tuple[float, float], dpi: int = 72):
    """A Figure on its own Agg canvas (not registered with pyplot, so threads and notebooks cannot clash)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def figure_to_png(figure, compress_level: int = 1) -> bytes:
    """PNG bytes of `figure`. Level 1 of zlib compresses a plot nearly as well as the default 6, faster."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, pil_kwargs={"compress_level": compress_level})
    return buffer.getvalue()


def _nice_ceiling(value: float, start: float = 100.0) -> float:
    """The smallest start * 2^k >= value: the step axis doubles instead of creeping every frame."""
    ceiling = start
    while ceiling < value:
        ceiling *= 2
    return ceiling


def _loss_limits(current: tuple[float, float] | None, values: list[float]) -> tuple[float, float]:
    """Keep the loss axis still unless the curves leave it or fill less than a quarter of it."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return current or (0.0, 1.0)
    low, high = min(finite), max(finite)
    if current is not None and current[0] <= low and high <= current[1] and (high - low) * 4 >= current[1] - current[0]:
        return current
    margin = max(0.15 * (high - low), 0.05)
    return (low - margin, high + margin)


class ToyView:
    """The 2D playground's figure: [D's map with points and arrows | losses | mode coverage].

    Built once; `update(snapshot)` replaces only the data. With `blit=True` (the widget's fast
    path) the axes, ticks and labels are rendered once into a background image, and each
    frame restores that image and draws only what moved: text rendering is most of the cost
    of a matplotlib frame. The axes limits move in jumps (the step axis doubles), so the
    background is rebuilt only now and then.
    """

    def __init__(self, figsize: tuple[float, float] = (10.5, 3.4), dpi: int = 72, blit: bool = False):
        self.figure = new_figure(figsize, dpi)
        self.blit = blit
        self.field_ax, self.loss_ax, self.coverage_ax = self.figure.subplots(
            1, 3, gridspec_kw={"width_ratios": [1.0, 1.15, 1.15]})
        self.quality_ax = self.coverage_ax.twinx()
        self.figure.subplots_adjust(left=0.02, right=0.94, bottom=0.15, top=0.88, wspace=0.32)
        self._field: dict | None = None
        self._field_key = None
        self._background = None  # the rendered static parts, for blitting
        self.full_redraws = 0  # how often the background had to be rebuilt (tests and benchmarks read it)
        self.d_line, = self.loss_ax.plot([], [], color="tab:blue", lw=1)
        self.g_line, = self.loss_ax.plot([], [], color="tab:red", lw=1)
        self.loss_ax.set_title("losses: D (blue), G (red)", fontsize=9)
        self.modes_line, = self.coverage_ax.plot([], [], color="tab:purple", marker=".", lw=1)
        self.quality_line, = self.quality_ax.plot([], [], color="tab:gray", lw=1)
        self.quality_ax.set_ylim(0, 100)
        self.coverage_ax.set_title("modes captured (purple), % high quality (grey)", fontsize=9)
        for ax in (self.loss_ax, self.coverage_ax):
            ax.set_xlabel("generator step", fontsize=9)
        self.no_modes_text = self.coverage_ax.text(0.5, 0.5, "", ha="center", va="center", fontsize=9,
                                                   transform=self.coverage_ax.transAxes)
        for ax in (self.loss_ax, self.coverage_ax, self.quality_ax):
            ax.tick_params(labelsize=8)
        self._lines = (self.d_line, self.g_line, self.modes_line, self.quality_line)
        self._set_axes_limits((0, 100), (0.0, 1.0), 1)

    def _set_axes_limits(self, steps: tuple[float, float], losses: tuple[float, float], num_modes: int) -> None:
        self._axes_limits = (steps, losses, num_modes)
        self.loss_ax.set_xlim(*steps)
        self.loss_ax.set_ylim(*losses)
        self.coverage_ax.set_xlim(*steps)
        self.quality_ax.set_xlim(*steps)
        self.coverage_ax.set_ylim(-0.3, num_modes + 0.5)
        self._background = None

    def update(self, snapshot: ToySnapshot) -> "ToyView":
        self._update_field(snapshot)
        losses, coverage = snapshot.losses, snapshot.coverage
        self.d_line.set_data(losses["step"], losses["d_loss"])
        self.g_line.set_data(losses["step"], losses["g_loss"])
        self.modes_line.set_data(coverage.step, coverage.modes_captured)
        self.quality_line.set_data(coverage.step, coverage.high_quality_percent)
        steps = (0, _nice_ceiling(max([snapshot.step, *losses["step"], *coverage.step], default=1)))
        limits = (steps, _loss_limits(self._axes_limits[1], losses["d_loss"] + losses["g_loss"]),
                  coverage.num_modes or 1)
        if limits != self._axes_limits:
            self._set_axes_limits(*limits)
        return self

    def _update_field(self, snapshot: ToySnapshot) -> None:
        ax = self.field_ax
        key = (snapshot.target, snapshot.limits, snapshot.heatmap_label)
        if self._field is None or self._field_key != key:
            ax.clear()
            self._field, self._field_key = draw_toy_field(ax, snapshot), key
            # A static title: redrawing text every frame would cost a third of the frame (the step is in the status line).
            ax.set_title(f"{snapshot.target}: {snapshot.heatmap_label}", fontsize=9)
            self.no_modes_text.set_text("the spiral is one curve:\nno modes to count" if snapshot.target == "spiral" else "")
            for name in MOVING_FIELD_ARTISTS:
                self._field[name].set_animated(self.blit)
            for line in self._lines:
                line.set_animated(self.blit)
            self._background = None
        else:
            self._field["heatmap"].set_data(snapshot.heatmap.numpy())
            self._field["real"].set_offsets(snapshot.real.numpy())
            self._field["fake"].set_offsets(snapshot.fake.numpy())
            self._field["arrows"].set_offsets(snapshot.arrow_origins.numpy())
            self._field["arrows"].set_UVC(*arrow_vectors(snapshot).T.numpy())

    def render(self):
        """Draw the figure into its canvas (a blit when possible); returns the canvas."""
        canvas = self.figure.canvas
        if not self.blit:
            canvas.draw()
            return canvas
        if self._background is None:
            canvas.draw()  # animated artists are left out: this is the static background
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            self.full_redraws += 1
        else:
            canvas.restore_region(self._background)
        for name in MOVING_FIELD_ARTISTS:
            self.figure.draw_artist(self._field[name])
        for line in self._lines:
            self.figure.draw_artist(line)
        return canvas

    def frame(self, format: str = "jpeg", quality: int = 85) -> bytes:
        """The current frame, encoded for an `ipywidgets.Image`. JPEG at quality 85 takes about
        1 ms for this figure, PNG (zlib level 1) about 10 ms for a file twice the size."""
        import PIL.Image

        canvas = self.render()
        image = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        if format == "jpeg":
            image.convert("RGB").save(buffer, format="jpeg", quality=quality)
        elif format == "png":
            image.save(buffer, format="png", compress_level=1)
        else:
            raise ValueError(f"format must be 'jpeg' or 'png', got {format!r}")
        return buffer.getvalue()


def toy_figure(snapshot: ToySnapshot):
    """The 2D playground's figure for one snapshot, as a new Figure."""
    return ToyView(blit=False).update(snapshot).figure


def sample_grid_figure(images: torch.Tensor, title: str | None = None, nrow: int | None = None,
                       height: float = 3.6, dpi: int = 72):
    """A grid of images (N, C, H, W) in [-1, 1], as a Figure `height` inches tall, as wide as the grid needs."""
    grid = image_grid(images, nrow).numpy()
    top = 0.9 if title else 1.0
    figure = new_figure((height * top * grid.shape[1] / grid.shape[0] + 0.1, height), dpi)
    ax = figure.add_axes((0.0, 0.0, 1.0, top))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)
    return figure


def explorer_figure(current: torch.Tensor, context: torch.Tensor, nrow: int, highlight: int, title: str, dpi: int = 72):
    """The latent explorer: the image at the current latent point (1, C, H, W), large, next to a
    grid of its neighbourhood `context` (N, C, H, W) with tile `highlight` framed."""
    from matplotlib.patches import Rectangle

    figure = new_figure((7.0, 3.4), dpi)
    big, grid = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    big.imshow(image_grid(current, 1, padding=0).numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    big.set_title("current point", fontsize=9)
    grid.imshow(image_grid(context, nrow).numpy(), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    height, width = context.shape[-2:]
    row, column = divmod(highlight, nrow)
    grid.add_patch(Rectangle((column * (width + 1) + 0.5, row * (height + 1) + 0.5), width, height,
                             fill=False, edgecolor="tab:red", linewidth=2))
    grid.set_title(title, fontsize=9)
    for ax in (big, grid):
        ax.set_axis_off()
    figure.subplots_adjust(left=0.01, right=0.99, bottom=0.02, top=0.9, wspace=0.05)
    return figure
