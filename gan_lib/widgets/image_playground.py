"""The image playground: train a DCGAN for a bounded run, watch its samples, then walk its latent space.

    from gan_lib.widgets import ImagePlayground
    ImagePlayground(dataset="digits", steps=300)     # 8x8 digits: seconds on a CPU

A run trains `steps` generator updates on the session's runner (a worker thread, or the kernel's
event loop on Colab; pause and continue at will), with a progress bar and a sample grid redrawn
`refresh_hz` times per second. The latent explorer below moves along two directions of z, or
between two samples; a class-conditional model adds a class picker. Used in chapter 4.
"""
from __future__ import annotations

import time

import torch

from ..data import DatasetNotFoundError, class_names
from ..losses import LOSSES
from ..penalties import PENALTIES
from .figures import explorer_figure, figure_to_png, sample_grid_figure
from .latent import LatentExplorer, generate
from .playground import Playground, controls_beside, fitting_image, rate_slider
from .settings import IMAGE_DATASETS, ImageSettings, InvalidSettingsError, build_image_trainer

LIVE_SETTINGS = ("lr_g", "lr_d", "steps")  # applied to the current model; the rest build a new one
SAMPLE_SEED = 7  # fixed noise for the live grid, so frames show the same z improving
CHUNK_STEPS = 2  # DCGAN steps are slower than the toy MLP's: check for a pause every 2


class ImagePlayground(Playground):
    """Controls, a bounded training run and a latent-space explorer for a DCGAN.

    Drive it from Python as the buttons do: `train_button.click()` (train / pause),
    `reset_button.click()`, `new_points_button.click()`, and set `controls[...]` or
    `explorer[...]` values; read `trainer`, `message`, `progress.value`, `samples.value`
    and `explorer_image.value` (PNG bytes). `runner`: "thread", "event-loop" or "auto"
    (see `session.resolve_runner`).
    """

    live_settings, chunk_steps = LIVE_SETTINGS, CHUNK_STEPS

    def __init__(self, settings: ImageSettings | None = None, refresh_hz: float = 2.0, threads: int | None = None,
                 runner: str = "auto", **overrides):
        import ipywidgets as widgets

        super().__init__(threads, runner)
        initial = (settings or ImageSettings()).replace(**overrides)
        self.refresh_hz = refresh_hz
        style, layout = {"description_width": "120px"}, widgets.Layout(width="310px")
        rate = lambda value, label: rate_slider(widgets, value, label, -5, -1, style, layout)  # noqa: E731
        self.controls = {
            "dataset": widgets.Dropdown(options=list(IMAGE_DATASETS), value=initial.dataset, description="dataset", style=style, layout=layout),
            "loss": widgets.Dropdown(options=LOSSES.names(), value=initial.loss, description="loss", style=style, layout=layout),
            "penalty": widgets.Dropdown(options=PENALTIES.names(), value=initial.penalty, description="penalty", style=style, layout=layout),
            "lr_g": rate(initial.lr_g, "G learning rate"),
            "lr_d": rate(initial.lr_d, "D learning rate"),
            "steps": widgets.IntText(value=initial.steps, description="steps", style=style, layout=layout),
            "batch_size": widgets.IntText(value=initial.batch_size, description="batch size", style=style, layout=layout),
            "conditional": widgets.Checkbox(value=initial.conditional, description="class-conditional", indent=False),
            "seed": widgets.IntText(value=initial.seed, description="seed", style=style, layout=layout),
        }
        self._fixed = {"width": initial.width, "device": initial.device, "data_root": initial.data_root}
        self.train_button = widgets.Button(description="Train", icon="play", button_style="success")
        self.reset_button = widgets.Button(description="Reset", icon="refresh")
        self.progress = widgets.IntProgress(value=0, min=0, max=initial.steps, description="0 steps")
        self.status = widgets.HTML()
        self.samples = fitting_image(widgets, "png")
        self.explorer = {
            "mode": widgets.ToggleButtons(options=["two directions", "interpolate"], value="two directions"),
            "a": widgets.FloatSlider(value=0.0, min=-3, max=3, step=0.25, description="along u"),
            "b": widgets.FloatSlider(value=0.0, min=-3, max=3, step=0.25, description="along v"),
            "t": widgets.FloatSlider(value=0.0, min=0, max=1, step=0.05, description="A → B"),
            "label": widgets.Dropdown(options=[("-", 0)], value=0, description="class", disabled=True),
        }
        self.new_points_button = widgets.Button(description="New latent points", icon="random")
        self.explorer_image = fitting_image(widgets, "png")
        self.latent: LatentExplorer | None = None
        self.refresh_count, self._last_refresh, self._points_seed, self.explorer_renders = 0, 0.0, 0, 0
        self.train_button.on_click(lambda _: self.toggle_training())
        self.reset_button.on_click(lambda _: self.reset())
        self.new_points_button.on_click(lambda _: self.new_latent_points())
        self._connect_controls()
        for control in self.explorer.values():
            control.observe(lambda _: self.render_explorer(), "value")
        self.widget = self._layout(widgets)
        self.reset()

    def _layout(self, widgets):
        column = widgets.VBox([widgets.HTML("<b>Model and training</b>"), *self.controls.values()])
        training = widgets.VBox([widgets.HBox([self.train_button, self.reset_button, self.progress]), self.status,
                                 self.samples])
        e = self.explorer
        explorer = widgets.VBox([widgets.HTML("<b>Latent-space explorer</b>"), e["mode"],
                                 widgets.HBox([e["a"], e["b"]]), widgets.HBox([e["t"], e["label"], self.new_points_button]),
                                 self.explorer_image])
        return widgets.VBox([controls_beside(widgets, column, training), explorer])

    def settings(self) -> ImageSettings:
        return ImageSettings(**{name: control.value for name, control in self.controls.items()}, **self._fixed)

    # --- actions ------------------------------------------------------------------------------
    def reset(self) -> bool:
        """Build a new model from the controls (refusing invalid settings with a message)."""
        self.pause()
        try:
            trainer = build_image_trainer(self.settings().validate())
        except (InvalidSettingsError, DatasetNotFoundError) as error:
            return self._refuse(error)
        self._start_session(trainer)
        self.latent = LatentExplorer(trainer.latent_dim, self._points_seed)
        label = self.explorer["label"]
        label.options = [(name, i) for i, name in enumerate(class_names(trainer.config.dataset))] \
            if trainer.num_classes else [("-", 0)]
        label.disabled = not trainer.num_classes
        self._disable_training(False)
        self._update_progress()
        self.refresh()
        self._say(f"new {trainer.config.dataset} model: press Train for {trainer.config.steps} steps")
        return True

    def start(self) -> bool:
        if self.session is None:
            self._say(f"Cannot train: {self.message}", error=True)
            return False
        remaining = self.trainer.config.steps - self.trainer.step
        if remaining <= 0:
            self._say(f"the run of {self.trainer.config.steps} steps is done: raise 'steps' to continue, or Reset")
            return False
        return self._start(remaining, f"training {remaining} steps")

    def new_latent_points(self) -> None:
        """Draw a new base point, directions and endpoints for the explorer."""
        if self.trainer is None:
            return
        self._points_seed += 1
        self.latent = LatentExplorer(self.trainer.latent_dim, self._points_seed)
        self.render_explorer()

    # --- drawing ------------------------------------------------------------------------------
    def sample_images(self) -> tuple[torch.Tensor, int]:
        """The live grid: 36 samples from fixed noise, or 6 per class (one class per column)."""
        trainer = self.trainer
        z = torch.randn(60 if trainer.num_classes else 36, trainer.latent_dim, generator=torch.Generator().manual_seed(SAMPLE_SEED))
        if not trainer.num_classes:
            return generate(trainer, z), 6
        images = torch.stack([generate(trainer, z[label::10], label) for label in range(10)], dim=1)
        return images.flatten(0, 1), 10  # (6, 10, C, H, W) -> rows of one image per class

    def refresh(self) -> None:
        with self.session.lock:
            images, nrow = self.sample_images()
        step = self.trainer.step
        self.samples.value = figure_to_png(sample_grid_figure(images, f"samples after {step} steps", nrow))
        self.refresh_count += 1
        self._last_refresh = time.perf_counter()
        self.render_explorer()

    def explorer_images(self) -> tuple[torch.Tensor, int, int, str]:
        """What the explorer shows now: images (1 + N, C, H, W) (the current point, then its
        neighbourhood), the neighbourhood's row length, the tile to frame, and a title."""
        e, latent = self.explorer, self.latent
        label = e["label"].value if self.trainer.num_classes else None
        if e["mode"].value == "two directions":
            context, current = latent.plane(e["a"].value, e["b"].value), latent.point(e["a"].value, e["b"].value)
            nrow, highlight, title = 5, 12, f"z0 + a u + b v around (a, b) = ({e['a'].value:g}, {e['b'].value:g})"
        else:
            context, current = latent.path(9), latent.interpolate(e["t"].value)
            nrow, highlight, title = 9, round(e["t"].value * 8), f"slerp from A to B, t = {e['t'].value:.2f}"
        with self.session.lock:
            images = generate(self.trainer, torch.cat([current[None], context]), label)
        return images, nrow, highlight, title

    def render_explorer(self) -> None:
        if self.trainer is None or self.latent is None:
            return
        images, nrow, highlight, title = self.explorer_images()
        self.explorer_image.value = figure_to_png(explorer_figure(images[:1], images[1:], nrow, highlight, title))
        self.explorer_renders += 1

    def _update_progress(self) -> None:
        trainer = self.trainer
        self.progress.max = max(trainer.config.steps, 1)
        self.progress.value = min(trainer.step, self.progress.max)
        self.progress.description = f"{trainer.step} steps"

    # --- callbacks ------------------------------------------------------------------------------
    def _on_chunk(self, session) -> None:  # on the session's runner: a worker thread or the event loop
        self._update_progress()
        if self.trainer.step >= self.trainer.config.steps:  # 'steps' was lowered during the run
            session.pause()
        if time.perf_counter() - self._last_refresh >= 1.0 / self.refresh_hz:
            self.refresh()

    def _on_stop(self, session, reason: str) -> None:  # on the session's runner, once per run
        self._show_training(False)
        self._update_progress()
        self.refresh()
        if reason in ("diverged", "error"):
            self._say(session.message, error=True)
        else:
            self._say(f"{reason} at step {self.trainer.step}" + ("" if reason == "paused" else ": explore the latent space below"))

    def _settings_for_live_change(self) -> ImageSettings | None:
        settings = self.settings()
        try:
            return settings.validate()
        except InvalidSettingsError as error:
            self._say(f"Invalid settings: {error}", error=True)
            return None

    def _apply_live_settings(self, settings: ImageSettings) -> None:
        self.trainer.config.steps = settings.steps
        self._update_progress()
