"""The image metrics, registered by name: each is a number computed from real and generated features.

`IMAGE_METRICS` maps a name to a function of `EmbeddedSets` (both sets embedded by the evaluation
classifier). `evaluate_images(..., metrics=["fd", "kid"])` computes the ones named; an unknown name
raises an error listing every registered one. Metrics computed together (precision and recall,
density and coverage) share one k-NN computation through `EmbeddedSets`' cached properties.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable

import torch

from ..registry import Registry
from .distances import classifier_score, frechet_distance, kernel_distance
from .manifold import DensityCoverage, PrecisionRecall, density_coverage, precision_recall

PRECISION_RECALL_K = 3  # k of the k-NN balls for precision and recall (Kynkäänniemi et al., 2019)
DENSITY_COVERAGE_K = 5  # k for density and coverage (Naeem et al., 2020)
KID_SUBSET_SIZE = 1000  # rows per KID subset (fewer if the sets are smaller)


@dataclass
class EmbeddedSets:
    """Real and generated images in the classifier's feature space: features (N, D), logits (N, classes)."""

    real_features: torch.Tensor
    fake_features: torch.Tensor
    fake_logits: torch.Tensor
    seed: int = 0  # seeds KID's random subsets

    @cached_property
    def precision_recall(self) -> PrecisionRecall:
        return precision_recall(self.real_features, self.fake_features, k=PRECISION_RECALL_K)

    @cached_property
    def density_coverage(self) -> DensityCoverage:
        return density_coverage(self.real_features, self.fake_features, k=DENSITY_COVERAGE_K)


ImageMetric = Callable[[EmbeddedSets], float]
IMAGE_METRICS: Registry[ImageMetric] = Registry("image metric")


@IMAGE_METRICS.register("fd")
def _fd(sets: EmbeddedSets) -> float:
    return frechet_distance(sets.real_features, sets.fake_features)


@IMAGE_METRICS.register("kid")
def _kid(sets: EmbeddedSets) -> float:
    size = min(KID_SUBSET_SIZE, len(sets.real_features), len(sets.fake_features))
    return kernel_distance(sets.real_features, sets.fake_features, subset_size=size, seed=sets.seed)


def _part_of(computation: str, part: str) -> ImageMetric:
    """A metric that is the field `part` of a computation shared with another metric (one k-NN pass for both)."""
    def metric(sets: EmbeddedSets) -> float:
        return getattr(getattr(sets, computation), part)
    return metric


for _name, _computation in (("precision", "precision_recall"), ("recall", "precision_recall"),
                            ("density", "density_coverage"), ("coverage", "density_coverage")):
    IMAGE_METRICS.register(_name)(_part_of(_computation, _name))


@IMAGE_METRICS.register("classifier_score")
def _classifier_score(sets: EmbeddedSets) -> float:
    return classifier_score(sets.fake_logits)  # the generated images alone


METRIC_NAMES = tuple(IMAGE_METRICS.in_registration_order())  # every image metric, in table order


def metric_names(metrics: Iterable[str] | None) -> list[str]:
    """The names asked for (None: all, in table order), each checked against IMAGE_METRICS."""
    if metrics is None:
        return list(METRIC_NAMES)
    if isinstance(metrics, str):
        metrics = [metrics]
    names = list(metrics)
    for name in names:
        IMAGE_METRICS.get(name)  # an unknown name raises, listing the registered ones
    return names


def compute_metrics(sets: EmbeddedSets, metrics: Iterable[str] | None = None) -> dict[str, float]:
    """{name: value} for each named metric (default: all of them)."""
    return {name: float(IMAGE_METRICS.get(name)(sets)) for name in metric_names(metrics)}
