"""Training that keeps the notebook responsive: a Trainer stepped in chunks, the kernel free between them.

A `TrainingSession` owns one `gan_lib.Trainer`. `start()` trains a few steps at a time, so the
kernel keeps answering button clicks; `pause()` stops it within one step. Two runners do the
stepping (`RUNNERS`): "thread", a worker thread, and "event-loop", a task on the kernel's asyncio
event loop that gives the loop its turn after every chunk. Google Colab does not show widget
updates made from a background thread (googlecolab/colabtools issue 3373), so there the
playgrounds train on the event loop; `resolve_runner` picks. Before every chunk the session copies
the trainer's state; if the chunk diverges (a NaN or infinite loss, or a non-finite weight), the
copy is restored, so the reader keeps the last good model and sees why the run stopped. The
widgets add drawing on top; this module knows nothing about ipywidgets.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

import torch

from ..train import Trainer, TrainingDivergedError

ChunkCallback = Callable[["TrainingSession"], None]
StopCallback = Callable[["TrainingSession", str], None]

RUNNERS = ("thread", "event-loop", "auto")
RUNNER_VARIABLE = "GAN_LIB_PLAYGROUND_RUNNER"  # "thread" or "event-loop": what "auto" means, for browser checks


def resolve_runner(runner: str = "auto") -> str:
    """The runner a session uses: "thread" or "event-loop" as given; "auto" is the environment variable
    RUNNER_VARIABLE where set, else "event-loop" on Google Colab (its frontend drops widget updates sent
    from a background thread) and "thread" elsewhere (the kernel stays free even while a cell runs)."""
    if runner not in RUNNERS:
        raise ValueError(f"runner must be one of {', '.join(map(repr, RUNNERS))}, got {runner!r}")
    if runner != "auto":
        return runner
    forced = os.environ.get(RUNNER_VARIABLE)
    if forced is not None:
        if forced not in RUNNERS[:2]:
            raise ValueError(f"{RUNNER_VARIABLE} must be 'thread' or 'event-loop', got {forced!r}")
        return forced
    return "event-loop" if "google.colab" in sys.modules else "thread"


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


@dataclass
class _Run:
    """What the chunks of one run, from `start` to its stop, share."""
    steps: int | None  # None: until paused
    threads: int
    start_step: int
    started: float = field(default_factory=time.perf_counter)


class TrainingSession:
    """Runs `trainer` in chunks of `chunk_steps` steps, on a worker thread or on the asyncio event loop.

    `runner` (see `resolve_runner`): "thread" trains on a worker thread, which goes on while a cell
    runs; "event-loop" trains in a task on the running asyncio loop (a Jupyter kernel's), giving the
    loop its turn after every chunk (a running cell holds the loop: training waits for it), so every
    callback and widget update happens on the kernel's main thread, where Colab shows them. `on_chunk(session)` is called on the
    runner's thread after every chunk (the widgets redraw there); `on_stop(session, reason)` once
    when a run ends, with reason "paused", "finished", "diverged" or "error". `message` holds the
    last divergence or error text. `threads`: CPU threads for the training (None: as many as the
    thread that calls `start` uses).
    """

    def __init__(self, trainer: Trainer, chunk_steps: int = 5, on_chunk: ChunkCallback | None = None,
                 on_stop: StopCallback | None = None, threads: int | None = None, runner: str = "auto"):
        if not isinstance(chunk_steps, int) or chunk_steps <= 0:
            raise ValueError(f"chunk_steps must be a positive integer, got {chunk_steps!r}")
        self.trainer = trainer
        self.chunk_steps = chunk_steps
        self.on_chunk = on_chunk
        self.on_stop = on_stop
        self.threads = threads
        self.runner = resolve_runner(runner)
        self.lock = threading.RLock()  # held while the trainer's networks are used
        self.message: str | None = None
        self.stop_reason: str | None = None
        self.diverged_at: int | None = None
        self.steps_per_second = 0.0
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task | None = None  # the loop keeps only a weak reference to its tasks
        self._pause_requested = threading.Event()
        self._stopped = threading.Event()  # set while no run is going
        self._stopped.set()

    @property
    def running(self) -> bool:
        """True from `start` until the run has stopped and `on_stop` has returned."""
        return not self._stopped.is_set()

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
        """Train in the background until paused, diverged, or (if given) `steps` more steps are done.
        Returns False, doing nothing, when a run is already going. The event-loop runner needs a
        running asyncio loop: call it from a notebook cell or a widget callback."""
        if self.running:
            return False
        if steps is not None and (not isinstance(steps, int) or steps <= 0):
            raise ValueError(f"steps must be a positive integer or None, got {steps!r}")
        # A new thread starts with OpenMP's default thread count, not the caller's: pass it on.
        run = _Run(steps, self.threads if self.threads is not None else torch.get_num_threads(), self.trainer.step)
        loop = self._running_loop() if self.runner == "event-loop" else None  # may refuse: before any change
        self._pause_requested.clear()
        self.message, self.stop_reason = None, None
        self._stopped.clear()
        if loop is not None:
            self._task = loop.create_task(self._run_on_loop(run))  # runs once the caller gives the loop its turn
        else:
            self._thread = threading.Thread(target=self._run_on_thread, args=(run,), name="gan_lib-widget-training",
                                            daemon=True)
            self._thread.start()
        return True

    def pause(self, timeout: float = 10.0) -> None:
        """Stop a run after its current step. The thread runner waits (up to `timeout` seconds) for the
        worker to finish. The event-loop runner returns at once: called on the loop's thread (by the
        Pause button's handler), it finds the run waiting between chunks, and the run can end only
        once the caller returns, at its next turn, before training another chunk."""
        self._pause_requested.set()
        self.trainer.request_stop()  # ends the chunk in progress after one step
        if self.runner == "thread" and self._thread is not threading.current_thread():
            self._stopped.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until a run ends; True if it has. Not on the thread of an event-loop run's loop,
        which the run needs to go on: there, let the loop run (`await asyncio.sleep(...)`)."""
        if self.running and self._task is not None and self._on_the_tasks_loop():
            raise RuntimeError("wait() on the event loop's thread would block the run it waits for; "
                               "await asyncio.sleep(...) until `running` is False instead")
        return self._stopped.wait(timeout)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError("runner='event-loop' trains on the running asyncio event loop, and there is none: "
                               "start from a notebook cell or a widget callback, or use runner='thread'") from None

    def _on_the_tasks_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._task.get_loop()
        except RuntimeError:
            return False

    def _train_one_chunk(self, run: _Run) -> str | None:
        """One turn of a run, the same for both runners: train a chunk and call `on_chunk`; or, when
        the run is over, return why ("paused", "finished", "diverged", "error")."""
        done = self.trainer.step - run.start_step
        if run.steps is not None and done >= run.steps:  # before the pause: a run that is done has finished
            return "finished"
        if self._pause_requested.is_set():
            return "paused"
        chunk = self.chunk_steps if run.steps is None else min(self.chunk_steps, run.steps - done)
        try:
            with torch_threads(run.threads):
                if not self.run_chunk(chunk):
                    return "diverged"
                elapsed = max(time.perf_counter() - run.started, 1e-9)
                self.steps_per_second = (self.trainer.step - run.start_step) / elapsed
                if self.on_chunk is not None:
                    self.on_chunk(self)
        except Exception as error:  # shown in the widget, instead of dying silently in the background
            self.message = f"training stopped by an error: {type(error).__name__}: {error}"
            traceback.print_exc()
            return "error"
        return None

    def _end(self, reason: str) -> None:
        self.stop_reason = reason
        try:
            if self.on_stop is not None:
                self.on_stop(self, reason)
        finally:
            self._stopped.set()

    def _run_on_thread(self, run: _Run) -> None:
        while (reason := self._train_one_chunk(run)) is None:
            pass
        self._end(reason)

    async def _run_on_loop(self, run: _Run) -> None:
        reason = None
        try:
            while (reason := self._train_one_chunk(run)) is None:
                await asyncio.sleep(0)  # the loop's turn: the kernel handles clicks (Pause) and sends the redraws
        finally:  # a task cancelled between chunks (the loop closing) ends as paused, not forever running
            self._end(reason or "paused")
