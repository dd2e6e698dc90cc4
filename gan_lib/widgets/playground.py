"""What the two playgrounds share: a TrainingSession behind a Train/Pause button, controls that either
change the running model (learning rates, ...) or build a new one, a status line, and the sliders.

`ToyPlayground` and `ImagePlayground` subclass `Playground` and add their own controls, views and
what a new model or a live change means for them.
"""
from __future__ import annotations

import html

from .session import TrainingSession, resolve_runner

# Learning rates a slider offers: 1, 2 and 5 times each power of ten. The slider shows the exact number
# the optimiser receives, where a log-scale slider would round 1.26e-3 to a label of "1e-03".
RATE_MANTISSAS = (1, 2, 5)


def status_html(text: str, error: bool = False) -> str:
    colour = "#b00020" if error else "#333"
    return f'<span style="color:{colour}">{html.escape(text)}</span>'


def rate_label(rate: float) -> str:
    """The text a learning-rate slider shows for `rate`: every digit the optimiser uses (`float(label) == rate`)."""
    return repr(float(rate))


def learning_rates(low_exponent: int, high_exponent: int, extra: float | None = None) -> list[float]:
    """1, 2, 5 x 10^e for e from `low_exponent` up to 10^high_exponent, plus `extra` (a setting's own value)."""
    rates = {float(f"{m}e{e}") for e in range(low_exponent, high_exponent) for m in RATE_MANTISSAS}
    rates.add(float(f"1e{high_exponent}"))
    if extra is not None:
        rates.add(float(extra))
    return sorted(rates)


def rate_slider(widgets, value: float, label: str, low_exponent: int, high_exponent: int, style, layout):
    """A slider over `learning_rates(...)` whose readout is the value itself (see `rate_label`)."""
    options = [(rate_label(rate), rate) for rate in learning_rates(low_exponent, high_exponent, value)]
    return widgets.SelectionSlider(options=options, value=float(value), description=label, style=style, layout=layout)


def controls_beside(widgets, controls, view):
    """The controls column on the left, `view` (buttons, status, pictures) on its right. The column
    never shrinks: where the notebook is narrower than both (JupyterLab with its side panel open
    at 1280 px), the view wraps below the controls instead of clipping the sliders' labels."""
    controls.layout = widgets.Layout(flex="0 0 auto")
    return widgets.HBox([controls, view], layout=widgets.Layout(flex_flow="row wrap"))


def fitting_image(widgets, image_format: str):
    """An image widget that scales down to the width it is given (never wider than its container)."""
    return widgets.Image(format=image_format, layout=widgets.Layout(max_width="100%", height="auto"))


class Playground:
    """Shared state and actions. Subclasses set `live_settings` (controls applied to the running model)
    and `chunk_steps`, build `controls`, `train_button` and `status`, and implement `reset`,
    `refresh`, `_settings_for_live_change` and the session's callbacks `_on_chunk` and `_on_stop`.
    `runner`: how the session trains, "thread", "event-loop" or "auto" (see `session.resolve_runner`)."""

    live_settings: tuple[str, ...] = ()
    chunk_steps: int = 5

    def __init__(self, threads: int | None, runner: str = "auto"):
        self.threads = threads
        self.runner = resolve_runner(runner)
        self.session: TrainingSession | None = None
        self.message = ""

    def _connect_controls(self) -> None:
        """Call each control's handler on a change: live ones adjust the model, the others build a new one."""
        for name, control in self.controls.items():
            control.observe(self._on_live_change if name in self.live_settings else self._on_structure_change, "value")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # --- state ---------------------------------------------------------------------------------------
    @property
    def trainer(self):
        return None if self.session is None else self.session.trainer

    @property
    def running(self) -> bool:
        return self.session is not None and self.session.running

    def _status_prefix(self) -> str:
        """Text before the message in the status line (the toy playground shows the step and speed)."""
        return ""

    def _say(self, text: str, error: bool = False) -> None:
        self.message = text
        self.status.value = status_html(" · ".join(part for part in (self._status_prefix(), text) if part), error)

    def _start_session(self, trainer) -> None:
        self._use_session(TrainingSession(trainer, self.chunk_steps, threads=self.threads, runner=self.runner,
                                          on_chunk=self._from_current_session(self._on_chunk),
                                          on_stop=self._from_current_session(self._on_stop)))

    def _use_session(self, session: TrainingSession | None) -> None:
        """Replace the session (None: no valid model). The new one is not training, whatever the Train
        button showed: the replaced run's own `_on_stop` may come later, and is ignored."""
        self.session = session
        self._show_training(False)

    def _from_current_session(self, callback):
        """`callback`, ignored when a session that `reset` has replaced calls it: with the event-loop
        runner a paused run ends only after the handler that paused it (a control that builds a new
        model) has returned, and must not redraw or relabel the new model."""
        return lambda session, *args: callback(session, *args) if session is self.session else None

    def _refuse(self, error: Exception) -> bool:
        """No model for invalid settings: the buttons that need one are disabled and the reason shown."""
        self._use_session(None)
        self._disable_training(True)
        self._say(f"Invalid settings: {error}", error=True)
        return False

    def _disable_training(self, disabled: bool) -> None:
        self.train_button.disabled = disabled

    def _show_training(self, training: bool) -> None:
        button = self.train_button
        button.description, button.icon, button.button_style = \
            ("Pause", "pause", "warning") if training else ("Train", "play", "success")

    # --- actions (what the buttons and controls call) ---------------------------------------------------
    def toggle_training(self) -> None:
        """The Train/Pause button."""
        if self.running:
            self.pause()
        else:
            self.start()

    def pause(self) -> None:
        if self.running:
            self.session.pause()

    def _start(self, steps: int | None, message: str) -> bool:
        if self.session.start(steps):
            self._show_training(True)
            self._say(message)
            return True
        return False

    # --- callbacks ----------------------------------------------------------------------------------
    def _on_live_change(self, change) -> None:
        if self.session is None:
            return
        settings = self._settings_for_live_change()
        if settings is None:
            return
        trainer = self.trainer
        trainer.config.lr_g, trainer.config.lr_d = settings.lr_g, settings.lr_d
        for optimizer, rate in ((trainer.opt_g, settings.lr_g), (trainer.opt_d, settings.lr_d)):
            for group in optimizer.param_groups:
                group["lr"] = rate
        self._apply_live_settings(settings)
        self._say(f"{change['owner'].description} set to {change['new']:.3g}")

    def _apply_live_settings(self, settings) -> None:
        """Live settings beyond the learning rates (D steps, the run's length)."""

    def _on_structure_change(self, change) -> None:
        if self.reset():
            self._say(f"{change['owner'].description} changed: new model built; press Train")
