"""The playgrounds driven through their Python API, as the buttons drive them (headless, tiny CPU runs)."""
import asyncio
import math
import sys
import threading
import time
import types

import numpy as np
import pytest
import torch
from torch import nn

pytest.importorskip("ipywidgets")

from gan_lib.losses import GANLoss, bce_discriminator_loss  # noqa: E402
from gan_lib.widgets import (CoverageLog, ImagePlayground, InvalidSettingsError, LatentExplorer,  # noqa: E402
                             ToyPlayground, ToySettings, ToyView, TrainingSession, build_toy_trainer,
                             capture_state, restore_state, slerp, static_sweep, take_toy_snapshot, torch_threads,
                             toy_figure)
from gan_lib.widgets.playground import learning_rates, rate_label  # noqa: E402

PNG_MAGIC, JPEG_MAGIC = b"\x89PNG", b"\xff\xd8\xff"
FAST = {"g_width": 16, "d_width": 16, "batch_size": 32}  # tiny networks: every test stays well under a second of CPU
RUNNER_VARIABLE = "GAN_LIB_PLAYGROUND_RUNNER"  # overrides runner="auto" (widgets.session.resolve_runner)


@pytest.fixture(autouse=True)
def _one_cpu_thread():
    """The playgrounds train their tiny networks on one thread (see widgets.session.torch_threads); so do these tests."""
    with torch_threads(1):
        yield


@pytest.fixture(autouse=True)
def _auto_runner_is_the_thread(monkeypatch):
    """Off Colab and with no override, runner="auto" (the playgrounds' default) is the worker thread."""
    monkeypatch.delenv(RUNNER_VARIABLE, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


def parameters(model):
    return [p.detach().clone() for p in model.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


# --- settings ---------------------------------------------------------------------------------
def test_toy_settings_refuse_what_gan_lib_cannot_train():
    for penalty in ("none", "r1"):  # R1 constrains D only at the real data
        with pytest.raises(InvalidSettingsError, match="Lipschitz.*wgan-gp"):
            ToySettings(loss="wasserstein", penalty=penalty).validate()
    for fix in ({"penalty": "wgan-gp"}, {"spectral_norm": True}, {"weight_clip": 0.01}):
        ToySettings(loss="wasserstein", **fix).validate()  # any one constraint makes it valid
    with pytest.raises(InvalidSettingsError, match=r"batch_size must be an integer in \[8, 4096\], got 4"):
        ToySettings(batch_size=4).validate()
    with pytest.raises(InvalidSettingsError, match="choose one of: .*hinge"):
        ToySettings(loss="hinj").validate()
    with pytest.raises(InvalidSettingsError, match="lr_d .* positive"):
        ToySettings(lr_d=0.0).validate()
    with pytest.raises(InvalidSettingsError, match="unknown setting"):
        ToySettings().replace(widht=3)


def test_toy_trainer_gets_separate_widths_and_depths():
    trainer = build_toy_trainer(ToySettings(g_width=24, g_depth=2, d_width=40, d_depth=4, latent_dim=5))
    g_linear = [m for m in trainer.generator.modules() if isinstance(m, nn.Linear)]
    d_linear = [m for m in trainer.discriminator.modules() if isinstance(m, nn.Linear)]
    assert [m.out_features for m in g_linear] == [24, 24, 2] and g_linear[0].in_features == 5
    assert [m.out_features for m in d_linear] == [40, 40, 40, 40, 1]


# --- session: pause, rollback -----------------------------------------------------------------------
def test_capture_and_restore_round_trip():
    trainer = build_toy_trainer(ToySettings(**FAST))
    trainer.train(5)
    state, before, rows = capture_state(trainer), parameters(trainer.generator), len(trainer.history)
    trainer.train(10)
    assert not same(before, parameters(trainer.generator)) and len(trainer.history) > rows
    restore_state(trainer, state)
    assert trainer.step == 5 and len(trainer.history) == rows and same(before, parameters(trainer.generator))


def test_session_pause_interrupts_a_chunk():
    session = TrainingSession(build_toy_trainer(ToySettings(**FAST)), chunk_steps=100_000)
    assert session.start()
    assert not session.start()  # a second start while running is refused
    wait_until(lambda: session.trainer.step >= 3)
    session.pause()
    assert not session.running and session.stop_reason == "paused"
    stopped_at = session.trainer.step
    time.sleep(0.1)
    assert session.trainer.step == stopped_at < 100_000


def test_session_bounded_run_and_divergence_rollback():
    session = TrainingSession(build_toy_trainer(ToySettings(**FAST)), chunk_steps=4)
    session.start(steps=10)
    assert session.wait(30) and session.stop_reason == "finished" and session.trainer.step == 10
    good = parameters(session.trainer.generator)
    # G's loss becomes NaN: its gradient poisons G's weights at step 11; the chunk is undone.
    session.trainer.loss = GANLoss("nan", bce_discriminator_loss, lambda fake: fake.mean() * math.nan, "broken")
    assert not session.step(4)
    assert session.trainer.step == 10 and same(good, parameters(session.trainer.generator))
    assert "diverged" in session.message and "last good state (step 10)" in session.message


# --- snapshots and figures ------------------------------------------------------------------------
class LinearCritic(nn.Module):
    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(torch.tensor(w))

    def forward(self, x, labels=None):
        return x @ self.w


def test_snapshot_arrows_and_map_have_the_known_values():
    """For D(x) = w.x and the non-saturating loss, -d softplus(-D(x))/dx = sigmoid(-w.x) w (eq. 3.4)."""
    trainer = build_toy_trainer(ToySettings(**FAST))
    w = torch.tensor([2.0, -1.0])
    trainer.discriminator = LinearCritic(w.tolist())
    snapshot = take_toy_snapshot(trainer, CoverageLog(), n_points=64, n_arrows=8, resolution=5)
    expected = torch.sigmoid(-(snapshot.arrow_origins @ w))[:, None] * w
    assert torch.allclose(snapshot.arrows, expected, atol=1e-6)
    low, high = snapshot.limits  # ring: (-1.6, 1.6); heatmap rows run along x2, columns along x1
    assert snapshot.heatmap[0, -1] == pytest.approx(torch.sigmoid(w @ torch.tensor([high, low])).item(), abs=1e-6)
    assert snapshot.heatmap[-1, 0] == pytest.approx(torch.sigmoid(w @ torch.tensor([low, high])).item(), abs=1e-6)


def test_the_map_reads_probabilities_from_the_loss_not_from_its_name():
    """sigmoid(D) = P(real) wherever the loss says D's output is a logit (GANLoss.output_is_logit), whatever
    the loss is called; a score with no probability reading (hinge here) is rescaled to [0, 1] in the view."""
    trainer = build_toy_trainer(ToySettings(**FAST, loss="hinge"))
    w = torch.tensor([2.0, -1.0])
    trainer.discriminator = LinearCritic(w.tolist())
    scores = take_toy_snapshot(trainer, CoverageLog(), n_points=64, n_arrows=8, resolution=5)
    assert scores.heatmap_label == "D's score (rescaled)"
    low, high = scores.limits  # D = w.x is largest at (high, low), smallest at (low, high)
    assert scores.heatmap[0, -1] == 1.0 and scores.heatmap[-1, 0] == 0.0
    trainer.loss = GANLoss("bce-by-another-name", bce_discriminator_loss, lambda logits: -logits.mean(), "BCE")
    probabilities = take_toy_snapshot(trainer, CoverageLog(), n_points=64, n_arrows=8, resolution=5)
    assert probabilities.heatmap_label == "D(x) = P(real)"
    assert probabilities.heatmap[0, -1] == pytest.approx(torch.sigmoid(w @ torch.tensor([high, low])).item(), abs=1e-6)


def test_a_snapshot_leaves_spectral_norm_and_the_training_modes_as_they_were():
    """In training mode every forward pass through a spectrally normalised D advances its power iteration
    (its u and v): a redraw would change the run. A snapshot runs G and D in eval mode and restores the modes."""
    trainer = build_toy_trainer(ToySettings(**FAST, loss="hinge", spectral_norm=True))
    trainer.train(3)

    def power_iteration():
        return [b.clone() for name, b in trainer.discriminator.named_buffers() if name.endswith(("._u", "._v"))]

    before = power_iteration()
    assert len(before) == 2 * (ToySettings().d_depth + 1)  # u and v of every linear layer
    take_toy_snapshot(trainer, CoverageLog(), n_points=64, n_arrows=8, resolution=5)
    assert same(power_iteration(), before)
    assert trainer.discriminator.training and trainer.generator.training


def test_blitted_frames_match_a_full_redraw():
    trainer = build_toy_trainer(ToySettings(**FAST))
    coverage, view = CoverageLog(), ToyView(blit=True)
    for _ in range(3):
        trainer.train(5)
        snapshot = take_toy_snapshot(trainer, coverage)
        assert view.update(snapshot).frame("png").startswith(PNG_MAGIC)
    blitted = np.asarray(view.render().buffer_rgba()).astype(int)
    full = toy_figure(snapshot)
    full.canvas.draw()
    reference = np.asarray(full.canvas.buffer_rgba()).astype(int)
    assert blitted.shape == reference.shape
    assert (np.abs(blitted - reference) > 8).mean() < 0.01  # antialiased edges may differ, nothing else
    assert len(coverage.step) == 3 and coverage.step == [5, 10, 15] and coverage.num_modes == 8


# --- the 2D playground ----------------------------------------------------------------------------
def test_toy_playground_buttons_train_pause_step_reset():
    playground = ToyPlayground(**FAST)
    assert "application/vnd.jupyter.widget-view+json" in playground._repr_mimebundle_()
    first_frame, g0 = bytes(playground.image.value), parameters(playground.trainer.generator)
    assert first_frame.startswith(JPEG_MAGIC) and playground.trainer.step == 0

    playground.step_button.click()
    assert playground.trainer.step == 1 and len(playground.trainer.history) == 1
    assert bytes(playground.image.value) != first_frame and not same(g0, parameters(playground.trainer.generator))

    playground.train_button.click()
    assert playground.running and playground.train_button.description == "Pause"
    wait_until(lambda: playground.trainer.step >= 40 and playground.refresh_count >= 3)
    playground.train_button.click()
    assert not playground.running and playground.train_button.description == "Train"
    stopped_at = playground.trainer.step
    time.sleep(0.1)
    assert playground.trainer.step == stopped_at and "paused" in playground.message
    assert playground.last_snapshot.step == stopped_at  # the final frame shows the final state
    assert len(playground.trainer.history) >= stopped_at // 5 and len(playground.coverage.step) >= 2

    playground.reset_button.click()
    assert playground.trainer.step == 0 and same(g0, parameters(playground.trainer.generator))  # same seed


def test_toy_playground_live_and_structural_controls():
    playground = ToyPlayground(**FAST)
    playground.one_step()
    trainer = playground.trainer
    playground.controls["lr_g"].value = 1e-2  # live: same model, new rate
    playground.controls["d_steps"].value = 3
    assert playground.trainer is trainer and trainer.step == 1
    assert trainer.opt_g.param_groups[0]["lr"] == pytest.approx(1e-2) and trainer.config.n_critic == 3
    playground.controls["g_width"].value = 32  # structural: a new model
    assert playground.trainer is not trainer and playground.trainer.step == 0
    assert playground.trainer.generator.net[0].out_features == 32
    playground.controls["target"].value = "spiral"
    playground.one_step()
    assert playground.last_snapshot.target == "spiral" and playground.coverage.num_modes is None


def test_toy_playground_refuses_invalid_combinations_with_a_message():
    playground = ToyPlayground(**FAST)
    playground.controls["loss"].value = "wasserstein"  # penalty is "none"
    assert playground.session is None and "Lipschitz" in playground.message
    assert "Invalid settings" in playground.status.value and "#b00020" in playground.status.value
    playground.train_button.click()
    assert not playground.running and playground.message.startswith("Cannot train")
    assert not playground.one_step()
    playground.controls["penalty"].value = "wgan-gp"
    assert playground.session is not None and playground.trainer.config.penalty == "wgan-gp"
    playground.controls["batch_size"].value = 3
    assert playground.session is None and "batch_size" in playground.message


def test_toy_playground_divergence_keeps_the_last_good_state():
    playground = ToyPlayground(**FAST)
    for _ in range(2):
        playground.step_button.click()
    good, frames = parameters(playground.trainer.generator), playground.refresh_count
    playground.trainer.loss = GANLoss("nan", bce_discriminator_loss, lambda fake: fake.mean() * math.nan, "broken")
    playground.train_button.click()
    assert playground.session.wait(30)
    assert playground.session.stop_reason == "diverged" and playground.trainer.step == 2
    assert same(good, parameters(playground.trainer.generator))
    assert all(math.isfinite(v) for v in playground.trainer.history["g_loss"])
    assert "diverged" in playground.message and "#b00020" in playground.status.value
    assert playground.refresh_count > frames and playground.last_snapshot.step == 2


def test_redraws_during_training_are_throttled_by_refresh_hz():
    """Counted, not timed: with a cap of one frame per ~30 hours no chunk redraws; with no real cap every one can."""
    rare = ToyPlayground(refresh_hz=1e-5, **FAST)
    rare._last_refresh = time.perf_counter()  # as if a frame had just been drawn
    frames = rare.refresh_count
    rare.train_button.click()
    wait_until(lambda: rare.trainer.step >= 20)
    during = rare.refresh_count - frames
    rare.train_button.click()
    assert during == 0 and rare.refresh_count == frames + 1  # only the final frame, on pause
    often = ToyPlayground(refresh_hz=1e6, **FAST)
    often.train_button.click()
    wait_until(lambda: often.refresh_count >= 3)  # several chunks, each redrawn
    often.train_button.click()


def test_learning_rate_sliders_show_the_value_the_optimiser_gets():
    playground = ToyPlayground(**FAST)
    for name, optimizer in (("lr_g", "opt_g"), ("lr_d", "opt_d")):
        control = playground.controls[name]
        assert 1e-3 in [value for _, value in control.options] and 2e-4 in [value for _, value in control.options]
        for label, value in control.options[::4]:
            control.value = value
            used = getattr(playground.trainer, optimizer).param_groups[0]["lr"]
            assert control.label == label == rate_label(used) and float(control.label) == used
    assert rate_label(0.00125) == "0.00125" and rate_label(2e-05) == "2e-05"
    assert learning_rates(-3, -2, extra=3.3e-3) == [1e-3, 2e-3, 3.3e-3, 5e-3, 1e-2]


# --- latent explorer and the image playground ---------------------------------------------------------
def test_slerp_and_explorer_geometry():
    a, b = torch.tensor([3.0, 0.0, 0.0]), torch.tensor([0.0, 3.0, 0.0])
    assert torch.allclose(slerp(a, b, 0.0), a) and torch.allclose(slerp(a, b, 1.0), b)
    assert torch.allclose(slerp(a, b, 0.5), torch.tensor([1.0, 1.0, 0.0]) * 3 / math.sqrt(2), atol=1e-6)
    explorer = LatentExplorer(16, seed=0)
    assert torch.allclose(explorer.directions @ explorer.directions.T, torch.eye(2), atol=1e-5)
    plane = explorer.plane(0.5, -1.0, side=5)
    assert plane.shape == (25, 16) and torch.allclose(plane[12], explorer.point(0.5, -1.0))
    assert torch.allclose(explorer.path(9)[0], explorer.start) and torch.allclose(explorer.path(9)[-1], explorer.end)
    with pytest.raises(ValueError, match="at least 2"):
        LatentExplorer(1)


def test_image_playground_bounded_run_then_explorer():
    playground = ImagePlayground(steps=6, batch_size=32, width=8, refresh_hz=50.0)
    first_samples, first_explorer = bytes(playground.samples.value), bytes(playground.explorer_image.value)
    assert first_samples.startswith(PNG_MAGIC) and first_explorer.startswith(PNG_MAGIC)
    assert playground.explorer["label"].disabled  # unconditional: no class picker
    playground.train_button.click()
    assert playground.session.wait(60) and playground.session.stop_reason == "finished"
    assert playground.trainer.step == 6 and playground.progress.value == 6 == playground.progress.max
    assert bytes(playground.samples.value) != first_samples and "explore" in playground.message
    playground.train_button.click()  # the bounded run is done: refused with a message
    assert not playground.running and "done" in playground.message

    frame = bytes(playground.explorer_image.value)
    playground.explorer["a"].value = 2.0
    assert bytes(playground.explorer_image.value) != frame
    playground.explorer["mode"].value = "interpolate"
    frame = bytes(playground.explorer_image.value)
    playground.explorer["t"].value = 0.5
    assert bytes(playground.explorer_image.value) != frame
    start = playground.latent.start.clone()
    playground.new_points_button.click()
    assert not torch.equal(start, playground.latent.start)

    playground.controls["steps"].value = 0  # invalid: refused, the run length is unchanged
    assert "steps must be an integer in [1, 5000]" in playground.message and playground.trainer.config.steps == 6
    playground.controls["steps"].value = 8  # valid: a longer run for the same model
    assert playground.trainer.config.steps == 8 and playground.progress.max == 8 and playground.trainer.step == 6
    playground.controls["loss"].value = "wasserstein"
    assert playground.session is None and "Lipschitz" in playground.message


def test_image_playground_pause_mid_run_and_class_picker():
    playground = ImagePlayground(steps=400, batch_size=16, width=8, conditional=True)
    picker = playground.explorer["label"]
    assert not picker.disabled and len(picker.options) == 10
    playground.train_button.click()
    wait_until(lambda: playground.trainer.step >= 2)
    playground.train_button.click()
    assert not playground.running and playground.session.stop_reason == "paused"
    assert 2 <= playground.trainer.step < 400 and playground.progress.value == playground.trainer.step
    before, renders = playground.explorer_images()[0], playground.explorer_renders
    picker.value = 7  # G(z + e_7): other images (an early G's outputs differ by less than a grey level)
    assert playground.explorer_renders == renders + 1 and not torch.equal(playground.explorer_images()[0], before)


def test_static_sweep_draws_trained_cells_and_refusals():
    import matplotlib.pyplot as plt

    figure = static_sweep(rows=("loss", ["non-saturating", "wasserstein"]), columns=("lr", [1e-3, 1e-2]), steps=10,
                          **FAST)
    try:
        axes = figure.axes
        assert len(axes) == 4
        assert all(len(ax.images) == 1 for ax in axes[:2])  # trained cells show D's map
        assert all(not ax.images and "refused" in ax.texts[0].get_text() for ax in axes[2:])
        assert axes[0].get_title() == "lr = 0.001" and axes[2].get_ylabel() == "loss = wasserstein"
        with pytest.raises(ValueError, match="unknown knob"):
            static_sweep(rows=("los", ["hinge"]))
    finally:
        plt.close(figure)


# --- the event-loop runner (Google Colab shows no widget update sent from a background thread) -------------
@pytest.fixture
def widget_sends(monkeypatch):
    """(widget, thread) for every message a widget sends from now on: ipywidgets 8 sends every message
    to the frontend (state updates from send_state, custom messages from send) through Widget._send."""
    import ipywidgets

    sends, send = [], ipywidgets.Widget._send

    def recording_send(widget, msg, buffers=None):
        sends.append((widget, threading.current_thread()))
        send(widget, msg, buffers)

    monkeypatch.setattr(ipywidgets.Widget, "_send", recording_send)
    return sends


async def loop_until(predicate, timeout=30.0):
    """Give the event loop turns, as an idle kernel does, until `predicate()` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.005)


def test_runner_auto_is_the_event_loop_on_colab_and_the_environment_overrides_it(monkeypatch):
    trainer = build_toy_trainer(ToySettings(**FAST))
    runner = lambda choice="auto": TrainingSession(trainer, runner=choice).runner  # noqa: E731
    assert runner() == "thread" and runner("event-loop") == "event-loop"
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))  # as in a Colab kernel
    assert runner() == "event-loop" and runner("thread") == "thread"  # an explicit choice stands
    monkeypatch.setenv(RUNNER_VARIABLE, "thread")
    assert runner() == "thread"
    monkeypatch.delitem(sys.modules, "google.colab")
    monkeypatch.setenv(RUNNER_VARIABLE, "event-loop")
    assert runner() == "event-loop" and ToyPlayground(**FAST).session.runner == "event-loop"
    with pytest.raises(ValueError, match="runner must be one of 'thread', 'event-loop', 'auto', got 'fibre'"):
        ToyPlayground(runner="fibre", **FAST)
    monkeypatch.setenv(RUNNER_VARIABLE, "colab")
    with pytest.raises(ValueError, match="GAN_LIB_PLAYGROUND_RUNNER must be 'thread' or 'event-loop', got 'colab'"):
        runner()


def test_toy_playground_trains_on_the_event_loop_and_pauses_within_a_chunk(widget_sends):
    async def train_then_pause():
        playground = ToyPlayground(refresh_hz=1e6, runner="event-loop", **FAST)  # every chunk redrawn
        first_frame, sends_before = bytes(playground.image.value), len(widget_sends)
        playground.train_button.click()
        assert playground.running and playground.trainer.step == 0  # a task: it trains when the loop gets its turn
        await loop_until(lambda: playground.trainer.step >= 20 and playground.refresh_count >= 4)
        assert bytes(playground.image.value) != first_frame and "steps/s" in playground.status.value
        paused_at = playground.trainer.step
        playground.train_button.click()  # Pause: returns at once; the run ends at its next turn
        await loop_until(lambda: not playground.running)
        return playground, paused_at, widget_sends[sends_before:]

    playground, paused_at, sends_while_training = asyncio.run(train_then_pause())
    assert playground.session.stop_reason == "paused" and "paused" in playground.message
    assert paused_at <= playground.trainer.step <= paused_at + playground.chunk_steps
    assert playground.train_button.description == "Train" and playground.last_snapshot.step == playground.trainer.step
    assert sum(widget is playground.image for widget, _ in sends_while_training) >= 4  # the redraws
    assert widget_sends and all(thread is threading.main_thread() for _, thread in widget_sends)


def test_thread_runner_redraws_from_the_worker_thread(widget_sends):
    """The control for the test above: the recorder does see sends from another thread (those Colab drops)."""
    playground = ToyPlayground(refresh_hz=1e6, runner="thread", **FAST)
    playground.train_button.click()
    wait_until(lambda: playground.refresh_count >= 4)
    playground.train_button.click()
    assert "gan_lib-widget-training" in {thread.name for widget, thread in widget_sends if widget is playground.image}


def test_controls_that_replace_the_model_during_an_event_loop_run():
    async def train_then_rebuild():
        playground = ToyPlayground(runner="event-loop", **FAST)
        playground.train_button.click()
        await loop_until(lambda: playground.trainer.step >= 10)
        old = playground.session
        playground.controls["g_width"].value = 32  # a new model; the old run ends at its next turn
        await loop_until(lambda: not old.running)
        assert old.stop_reason == "paused" and playground.session is not old and playground.trainer.step == 0
        assert "new model built" in playground.message and playground.train_button.description == "Train"
        playground.train_button.click()
        await loop_until(lambda: playground.trainer.step >= 10)
        old = playground.session
        playground.controls["loss"].value = "wasserstein"  # invalid without a constraint: no model
        await loop_until(lambda: not old.running)
        return playground

    playground = asyncio.run(train_then_rebuild())
    assert playground.session is None and playground.message.startswith("Invalid settings")
    assert playground.train_button.description == "Train" and playground.train_button.disabled


def test_event_loop_run_rolls_back_a_divergence_and_refuses_to_block_its_loop():
    async def diverge():
        playground = ToyPlayground(runner="event-loop", **FAST)
        for _ in range(2):
            playground.step_button.click()
        good = parameters(playground.trainer.generator)
        playground.trainer.loss = GANLoss("nan", bce_discriminator_loss, lambda fake: fake.mean() * math.nan, "broken")
        playground.train_button.click()
        with pytest.raises(RuntimeError, match="would block the run"):
            playground.session.wait(1)
        await loop_until(lambda: not playground.running)
        return playground, good

    playground, good = asyncio.run(diverge())
    assert playground.session.stop_reason == "diverged" and playground.trainer.step == 2
    assert same(good, parameters(playground.trainer.generator)) and playground.session.wait(0)
    assert "diverged" in playground.message and "#b00020" in playground.status.value
    outside_a_loop = TrainingSession(build_toy_trainer(ToySettings(**FAST)), runner="event-loop")
    with pytest.raises(RuntimeError, match="no running|there is none"):
        outside_a_loop.start()
    assert not outside_a_loop.running


def test_image_playground_bounded_run_on_the_event_loop(widget_sends):
    async def train():
        playground = ImagePlayground(dataset="digits", steps=6, batch_size=32, width=8, refresh_hz=50.0,
                                     runner="event-loop")
        first_samples = bytes(playground.samples.value)
        playground.train_button.click()
        assert playground.running and playground.trainer.step == 0
        await loop_until(lambda: not playground.running)
        return playground, first_samples

    playground, first_samples = asyncio.run(train())
    assert playground.session.stop_reason == "finished" and "explore" in playground.message
    assert playground.trainer.step == 6 == playground.progress.value and bytes(playground.samples.value) != first_samples
    assert any(widget is playground.samples for widget, _ in widget_sends)
    assert all(thread is threading.main_thread() for _, thread in widget_sends)
