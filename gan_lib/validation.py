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


def is_number(value) -> bool:
    """True for an int or a float; a bool is neither (True is an int to Python, never a number here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def require_positive(config, names, none_allowed: bool = False) -> None:
    """Raise ConfigError naming the first field of `config` in `names` that is not a number > 0 (a learning
    rate, a standard deviation); with `none_allowed`, None ('switched off') passes too."""
    for name in names:
        value = getattr(config, name)
        if value is None and none_allowed:
            continue
        if not is_number(value) or not value > 0:
            raise ConfigError(f"{name} must be a positive number{' or None' if none_allowed else ''}, got {value!r}")


def require_non_negative(config, names) -> None:
    """Raise ConfigError naming the first field of `config` in `names` that is not a number >= 0 (a loss weight)."""
    for name in names:
        value = getattr(config, name)
        if not is_number(value) or not value >= 0:
            raise ConfigError(f"{name} must be a number >= 0, got {value!r}")
