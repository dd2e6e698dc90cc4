"""Training that keeps the notebook responsive: a Trainer stepped in chunks on a background thread.

A `TrainingSession` owns one `gan_lib.Trainer`. `start()` trains on a worker thread, a few
steps at a time, so the kernel keeps answering button clicks; `pause()` stops it within one
step. Before every chunk the session copies the trainer's state; if the chunk diverges (a NaN
or infinite loss, or a non-finite weight), the copy is restored, so the reader keeps the last
good model and sees why the run stopped. The widgets add drawing on top; this module knows
nothing about ipywidgets.
"""
from __future__ import annotations

import contextlib
import threading
import time
import traceback
from typing import Callable

import torch

from ..train import Trainer, TrainingDivergedError

ChunkCallback = Callable[["TrainingSession"], None]
StopCallback = Callable[["TrainingSession", str], None]


@contextlib.contextmanager
def torch_threads(count: int | None):
    """Use `count` intra-op CPU threads inside the block (None: leave torch's setting).

    One thread is fastest for the playground's tiny MLPs: splitting a 128 x 64 matrix product
    across cores costs more than it saves, and on a busy machine idle OpenMP workers spin.
    With torch's OpenMP backend the setting belongs to the calling thread.
    """
    if count is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def _clone_tree(value):
    """Copy the tensors of a nested dict/list state (the optimisers and networks update theirs in
    place); ten times faster than copy.deepcopy, which matters when it runs before every chunk."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {key: _clone_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_clone_tree(item) for item in value)
    return value


def capture_state(trainer: Trainer) -> dict:
    """A copy of everything a rollback needs (networks, optimisers, random streams, step).
    The history is not copied, only its length: a rollback truncates it."""
    state = trainer.state_dict()
    state["history"] = None
    state = _clone_tree(state)
    state["history_length"] = len(trainer.history)
    return state


def restore_state(trainer: Trainer, state: dict) -> None:
    """Put `trainer` back to a state from `capture_state` (the history loses the rows logged since)."""
    kept = state["history_length"]
    history = {name: values[:kept] for name, values in trainer.history.to_dict().items()}
    trainer.load_state_dict({**state, "history": history})


def parameters_are_finite(*models: torch.nn.Module) -> bool:
    checks = [p.detach().isfinite().all() for model in models for p in model.parameters()]
    return bool(torch.stack(checks).all()) if checks else True


class TrainingSession:
    """Runs `trainer` in chunks of `chunk_steps` steps on a worker thread.

    `on_chunk(session)` is called on the worker thread after every chunk (the widgets redraw
    there); `on_stop(session, reason)` once when a run ends, with reason "paused", "finished",
    "diverged" or "error". `message` holds the last divergence or error text. `threads`: CPU
    threads for the training (None: as many as the thread that calls `start` uses).
    """

    def __init__(self, trainer: Trainer, chunk_steps: int = 5, on_chunk: ChunkCallback | None = None,
                 on_stop: StopCallback | None = None, threads: int | None = None):
        if not isinstance(chunk_steps, int) or chunk_steps <= 0:
            raise ValueError(f"chunk_steps must be a positive integer, got {chunk_steps!r}")
        self.trainer = trainer
        self.chunk_steps = chunk_steps
        self.on_chunk = on_chunk
        self.on_stop = on_stop
        self.threads = threads
        self.lock = threading.RLock()  # held while the trainer's networks are used
        self.message: str | None = None
        self.stop_reason: str | None = None
        self.diverged_at: int | None = None
        self.steps_per_second = 0.0
        self._thread: threading.Thread | None = None
        self._pause_requested = threading.Event()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_chunk(self, steps: int) -> bool:
        """Train `steps` steps on the calling thread; on divergence restore the state from before
        the chunk, set `message` and return False."""
        with self.lock:
            good_state = capture_state(self.trainer)
            try:
                self.trainer.train(steps)
                if not parameters_are_finite(self.trainer.generator, self.trainer.discriminator):
                    raise TrainingDivergedError(
                        f"training diverged before step {self.trainer.step}: a weight became NaN or infinite. "
                        "Try smaller learning rates, a gradient penalty or spectral norm.")
            except TrainingDivergedError as error:
                restore_state(self.trainer, good_state)
                self.diverged_at = self.trainer.step
                self.message = f"{error} Kept the last good state (step {self.trainer.step})."
                return False
        return True

    def step(self, steps: int = 1) -> bool:
        """Train `steps` steps now, on the calling thread (the widgets' "one step" button)."""
        if self.running:
            raise RuntimeError("the session is training in the background; pause it before stepping by hand")
        self.message = None
        with torch_threads(self.threads):
            return self.run_chunk(steps)

    def start(self, steps: int | None = None) -> bool:
        """Train on a worker thread until paused, diverged, or (if given) `steps` more steps are done.
        Returns False, doing nothing, when a run is already going."""
        if self.running:
            return False
        if steps is not None and (not isinstance(steps, int) or steps <= 0):
            raise ValueError(f"steps must be a positive integer or None, got {steps!r}")
        self._pause_requested.clear()
        self.message, self.stop_reason = None, None
        # A new thread starts with OpenMP's default thread count, not the caller's: pass it on.
        threads = self.threads if self.threads is not None else torch.get_num_threads()
        self._thread = threading.Thread(target=self._run, args=(steps, threads), name="gan_lib-widget-training",
                                        daemon=True)
        self._thread.start()
        return True

    def pause(self, timeout: float = 10.0) -> None:
        """Stop a background run after its current step and wait for the worker to finish."""
        self._pause_requested.set()
        self.trainer.request_stop()  # ends the chunk in progress after one step
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a background run ends; True if it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running

    def _run(self, steps: int | None, threads: int) -> None:
        reason, done, start, start_step = "finished", 0, time.perf_counter(), self.trainer.step
        try:
            with torch_threads(threads):
                while steps is None or done < steps:
                    if self._pause_requested.is_set():
                        reason = "paused"
                        break
                    chunk = self.chunk_steps if steps is None else min(self.chunk_steps, steps - done)
                    before = self.trainer.step
                    if not self.run_chunk(chunk):
                        reason = "diverged"
                        break
                    done += self.trainer.step - before
                    self.steps_per_second = (self.trainer.step - start_step) / max(time.perf_counter() - start, 1e-9)
                    if self.on_chunk is not None:
                        self.on_chunk(self)
        except Exception as error:  # shown in the widget, instead of dying silently on the thread
            reason = "error"
            self.message = f"training stopped by an error: {type(error).__name__}: {error}"
            traceback.print_exc()
        self.stop_reason = reason
        if self.on_stop is not None:
            self.on_stop(self, reason)
