"""The error classes every module of gan_lib shares.

Each error gan_lib raises on purpose also derives from the built-in type it has always had
(`CheckpointError` is a RuntimeError, `ConfigError` a ValueError), so code that catches those
keeps working. This module imports nothing from gan_lib: any module may import it.
"""
from __future__ import annotations


class GanLibError(Exception):
    """Every error gan_lib raises on purpose, for bad input or an expected condition (a missing file,
    a diverged run), derives from it; the message names the problem and the fix.

    The command line prints these as one line, `error: <message>`, and exits with status 2; any other
    exception is a bug (in gan_lib or below it) and keeps its traceback. Checks of a function's
    arguments, such as a tensor of the wrong shape, stay plain ValueErrors and TypeErrors: they
    point at the calling code, and there the traceback is what helps."""


class ConfigError(GanLibError, ValueError):
    """A setting, or a combination of settings, that cannot be used: a configuration dataclass's
    check (`TrainConfig` and the chapters' run configs), an unknown override, a device or
    mixed-precision request this machine cannot honour."""
