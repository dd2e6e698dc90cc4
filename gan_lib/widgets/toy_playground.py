"""The 2D playground: GAN Lab's knobs and views in a notebook, on the real gan_lib.Trainer (chapters 2, 5, 8).

    from gan_lib.widgets import ToyPlayground
    ToyPlayground(target="grid", loss="hinge")      # the last line of a cell displays it

Every control maps to a field of `ToySettings`. Learning rates and D steps apply to the
running model at once (the reader can calm a run that oscillates); every other control
builds a new model. Training runs in chunks on the session's runner (`TrainingSession`: a worker
thread, or the kernel's event loop on Colab), so the notebook stays responsive; the view is
redrawn at most `refresh_hz` times per second.
"""
from __future__ import annotations

import time

from ..data import TOY_DISTRIBUTIONS
from ..losses import LOSSES
from ..optim import OPTIMIZERS
from ..penalties import PENALTIES
from .figures import ToyView
from .playground import Playground, controls_beside, fitting_image, rate_slider
from .settings import InvalidSettingsError, ToySettings, build_toy_trainer
from .snapshots import CoverageLog, ToySnapshot, take_toy_snapshot

LIVE_SETTINGS = ("lr_g", "lr_d", "d_steps")  # applied to the running model without a rebuild
WEIGHT_CLIP = 0.01  # the weight-clipped WGAN's c (Arjovsky et al., 2017)
CHUNK_STEPS = 5  # steps between checks for a pause or a redraw (one chunk takes ~30 ms on a CPU)


class ToyPlayground(Playground):
    """Controls, buttons and a live view of a GAN learning a 2D target.

    The Python API is what the buttons call, so tests and scripts drive it headless:
    set `playground.controls[name].value`, call `train_button.click()` (train / pause),
    `step_button.click()` and `reset_button.click()`; read `trainer`, `message`,
    `last_snapshot` and `image.value` (JPEG bytes). `runner`: "thread", "event-loop" or "auto"
    (see `session.resolve_runner`).
    """

    live_settings, chunk_steps = LIVE_SETTINGS, CHUNK_STEPS

    def __init__(self, settings: ToySettings | None = None, refresh_hz: float = 8.0, threads: int | None = 1,
                 runner: str = "auto", **overrides):
        import ipywidgets as widgets

        if not refresh_hz > 0:
            raise ValueError(f"refresh_hz must be positive, got {refresh_hz!r}")
        super().__init__(threads, runner)
        initial = (settings or ToySettings()).replace(**overrides)
        self.refresh_hz = refresh_hz
        self.controls = self._make_controls(widgets, initial)
        self.train_button = widgets.Button(description="Train", icon="play", button_style="success")
        self.step_button = widgets.Button(description="One step", icon="step-forward")
        self.reset_button = widgets.Button(description="Reset", icon="refresh")
        self.status = widgets.HTML()
        self.image = fitting_image(widgets, "jpeg")
        self.view = ToyView(blit=True)
        self.coverage = CoverageLog()
        self.last_snapshot: ToySnapshot | None = None
        self.refresh_count, self.refresh_seconds, self._last_refresh = 0, 0.0, 0.0
        self.train_button.on_click(lambda _: self.toggle_training())
        self.step_button.on_click(lambda _: self.one_step())
        self.reset_button.on_click(lambda _: self.reset())
        self._connect_controls()
        self.widget = self._layout(widgets)
        self.reset()

    # --- controls ---------------------------------------------------------------------------
    @staticmethod
    def _make_controls(widgets, s: ToySettings) -> dict:
        style, layout = {"description_width": "120px"}, widgets.Layout(width="310px")

        def rate(value, label):
            return rate_slider(widgets, value, label, -5, 0, style, layout)

        def slider(value, low, high, label, step=1):
            return widgets.IntSlider(value=value, min=low, max=high, step=step, description=label, style=style,
                                     layout=layout)

        def pick(options, value, label):
            return widgets.Dropdown(options=list(options), value=value, description=label, style=style, layout=layout)

        return {
            "target": pick(TOY_DISTRIBUTIONS.names(), s.target, "target"),
            "loss": pick(LOSSES.names(), s.loss, "loss"),
            "penalty": pick(PENALTIES.names(), s.penalty, "penalty"),
            "spectral_norm": widgets.Checkbox(value=s.spectral_norm, description="spectral norm on D", indent=False),
            "weight_clip": widgets.Checkbox(value=s.weight_clip is not None, indent=False,
                                            description=f"clip D's weights to ±{WEIGHT_CLIP}"),
            "optimizer": pick(OPTIMIZERS.names(), s.optimizer, "optimiser"),
            "lr_g": rate(s.lr_g, "G learning rate"),
            "lr_d": rate(s.lr_d, "D learning rate"),
            "d_steps": slider(s.d_steps, 1, 10, "D steps per G step"),
            "batch_size": widgets.IntText(value=s.batch_size, description="batch size", style=style, layout=layout),
            "seed": widgets.IntText(value=s.seed, description="seed", style=style, layout=layout),
            "g_width": slider(s.g_width, 8, 256, "G width", 8),
            "g_depth": slider(s.g_depth, 1, 6, "G depth"),
            "d_width": slider(s.d_width, 8, 256, "D width", 8),
            "d_depth": slider(s.d_depth, 1, 6, "D depth"),
            "latent_dim": slider(s.latent_dim, 1, 16, "latent size"),
        }

    def settings(self) -> ToySettings:
        """The settings the controls show now (not yet validated)."""
        values = {name: control.value for name, control in self.controls.items()}
        values["weight_clip"] = WEIGHT_CLIP if values["weight_clip"] else None
        return ToySettings(**values)

    def _layout(self, widgets):
        c = self.controls
        heading = lambda text: widgets.HTML(f"<b>{text}</b>")  # noqa: E731
        column = widgets.VBox([
            heading("Data and objective"), c["target"], c["loss"], c["penalty"], c["spectral_norm"], c["weight_clip"],
            heading("Optimisation"), c["optimizer"], c["lr_g"], c["lr_d"], c["d_steps"], c["batch_size"], c["seed"],
            heading("Networks"), c["g_width"], c["g_depth"], c["d_width"], c["d_depth"], c["latent_dim"],
        ])
        buttons = widgets.HBox([self.train_button, self.step_button, self.reset_button])
        return controls_beside(widgets, column, widgets.VBox([buttons, self.status, self.image]))

    # --- state ------------------------------------------------------------------------------
    def _status_prefix(self) -> str:
        step = "" if self.trainer is None else f"step {self.trainer.step}"
        training = self.running and self.session.stop_reason is None
        return step + (f" · {self.session.steps_per_second:.0f} steps/s" if training else "")

    def _disable_training(self, disabled: bool) -> None:
        self.train_button.disabled = self.step_button.disabled = disabled

    # --- actions (what the buttons and controls call) ---------------------------------------------
    def reset(self) -> bool:
        """Build a new model from the controls; refuse invalid settings with a message. True if built."""
        self.pause()
        try:
            trainer = build_toy_trainer(self.settings().validate())
        except InvalidSettingsError as error:
            return self._refuse(error)
        self._start_session(trainer)
        self.coverage = CoverageLog()
        self._disable_training(False)
        self.refresh()
        self._say("new model: press Train")
        return True

    def start(self) -> bool:
        if self.session is None:
            self._say(f"Cannot train: {self.message}", error=True)
            return False
        return self._start(None, "training")

    def one_step(self) -> bool:
        """One generator update (and its D steps), then redraw."""
        if self.session is None:
            self._say(f"Cannot step: {self.message}", error=True)
            return False
        if self.running:
            self._say("pause training before stepping by hand", error=True)
            return False
        if self.session.step(1):
            self.refresh()
            self._say("one step")
            return True
        self._after_divergence()
        return False

    def refresh(self) -> None:
        """Redraw the view from the trainer as it is now."""
        started = time.perf_counter()
        with self.session.lock:
            self.last_snapshot = take_toy_snapshot(self.trainer, self.coverage)
        self.image.value = self.view.update(self.last_snapshot).frame()
        self.refresh_count += 1
        self._last_refresh = time.perf_counter()
        self.refresh_seconds += self._last_refresh - started

    # --- callbacks --------------------------------------------------------------------------
    def _on_chunk(self, session) -> None:  # on the session's runner: a worker thread or the event loop
        if time.perf_counter() - self._last_refresh >= 1.0 / self.refresh_hz:
            self.refresh()
            self._say("training")

    def _on_stop(self, session, reason: str) -> None:  # on the session's runner, once per run
        self._show_training(False)
        if reason == "diverged":
            self._after_divergence()
            return
        self.refresh()
        if reason == "error":
            self._say(session.message, error=True)
        else:
            self._say("paused" if reason == "paused" else "stopped")

    def _after_divergence(self) -> None:
        self.coverage.truncate(self.trainer.step)
        self.refresh()
        self._say(self.session.message, error=True)

    def _settings_for_live_change(self) -> ToySettings:
        return self.settings()

    def _apply_live_settings(self, settings: ToySettings) -> None:
        self.trainer.config.n_critic = settings.d_steps
