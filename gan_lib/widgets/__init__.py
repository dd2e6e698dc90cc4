"""Interactive playgrounds (ipywidgets) on the real gan_lib.Trainer, and their static stand-ins.

- `ToyPlayground`: GAN Lab's knobs and views on 2D targets (chapters 2 and 8);
- `ImagePlayground`: a bounded DCGAN run on digits or Fashion-MNIST, then a latent-space explorer (chapter 4);
- `static_sweep` (module `knob_grid`): a figure of short runs over two knobs, for the static book (no kernel
  there); not to be confused with `gan_lib.book.sweep`, which tabulates metrics of many full runs.

Both playgrounds build on `Playground` (`playground.py`): the training session behind Train/Pause,
live and structural controls, the status line. How fast the 2D playground trains and redraws is
measured by benchmarks/playground_speed.py.

The layers underneath are usable without widgets: `ToySettings` / `ImageSettings` (validated
knobs), `TrainingSession` (training in chunks on a worker thread or the kernel's event loop, with
pause and rollback on divergence), `take_toy_snapshot` and the figure functions (pure drawing on
Agg canvases).
Importing this package imports ipywidgets lazily: only building a playground needs it.
"""
from .figures import ToyView, explorer_figure, figure_to_png, sample_grid_figure, toy_figure
from .image_playground import ImagePlayground
from .knob_grid import static_sweep
from .latent import LatentExplorer, generate, slerp
from .playground import Playground
from .session import TrainingSession, capture_state, restore_state, torch_threads
from .settings import ImageSettings, InvalidSettingsError, ToySettings, build_image_trainer, build_toy_trainer
from .snapshots import CoverageLog, ToySnapshot, take_toy_snapshot
from .toy_playground import ToyPlayground

__all__ = [
    "CoverageLog", "ImagePlayground", "ImageSettings", "InvalidSettingsError", "LatentExplorer", "Playground",
    "ToyPlayground", "ToySettings", "ToySnapshot", "ToyView", "TrainingSession", "build_image_trainer",
    "build_toy_trainer", "capture_state", "explorer_figure", "figure_to_png", "generate", "restore_state",
    "sample_grid_figure", "slerp", "static_sweep", "take_toy_snapshot", "toy_figure", "torch_threads",
]
