"""Checks shared by the configuration dataclasses: one wording for one kind of bad input."""
from __future__ import annotations

from .errors import ConfigError


def require_positive_ints(config, names) -> None:
    """Raise ConfigError (a ValueError) naming the first field of `config` in `names` that is not a positive int
    (bools are refused: `True` is an int to Python, never a step count to a reader)."""
    for name in names:
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ConfigError(f"{name} must be a positive integer, got {value!r}")
