"""Metrics that run offline: mode coverage on 2D mixtures (more in later chapters)."""
from .toy import ModeCoverage, mode_coverage

__all__ = ["ModeCoverage", "mode_coverage"]
