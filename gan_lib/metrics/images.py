"""All image metrics at once: generated images against real ones, in our classifier's features.

`evaluate_images(fake, "fashion-mnist")` embeds both sets with `evaluation_classifier`
and returns FD, KID, precision, recall, density, coverage and the classifier score.
`real_data_floor` gives the same numbers for real training images against the real test
images: what a perfect generator would score with the same number of samples, the floor
to quote next to any GAN's numbers. `evaluate_image_generator` samples a trainer first.
"""
from __future__ import annotations

from typing import Sequence

import torch

from ..data import check_images, load_images
from .classifier import EvaluationClassifier, evaluation_classifier
from .feature_metrics import EmbeddedSets, compute_metrics, metric_names


def _random_rows(images: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    if len(images) == n:
        return images
    rows = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    return images[rows]


def evaluate_images(fake_images: torch.Tensor, dataset: str, real_images: torch.Tensor | None = None,
                    classifier: EvaluationClassifier | None = None, device: str | torch.device = "auto",
                    seed: int = 0, metrics: Sequence[str] | None = None) -> dict[str, float]:
    """FD, KID, precision/recall (k = 3), density/coverage (k = 5) and the classifier score of
    `fake_images` (N, C, H, W) in [-1, 1] against `real_images` (default: the test split of
    `dataset`), in the features of `dataset`'s evaluation classifier. `metrics` names the ones to
    compute (default: all of `METRIC_NAMES`; see `IMAGE_METRICS`).

    The larger set is cut to the size of the smaller (a fixed random subset) so that the
    k-NN metrics and the FD bias compare like with like; `num_samples` in the result says
    how many images of each set were used. The classifier score uses the generated images only.
    """
    names = metric_names(metrics)  # unknown names fail here, before any work
    fake_images = check_images(fake_images, "fake_images", in_unit_range=True)
    if real_images is None:
        real_images = load_images(dataset, "test").to_unit_range()
    real_images = check_images(real_images, "real_images", in_unit_range=True)
    classifier = classifier or evaluation_classifier(dataset, device=device)
    n = min(len(fake_images), len(real_images))
    if n < 10:
        raise ValueError(f"need at least 10 images in each set, got {len(fake_images)} generated and {len(real_images)} real")
    real_features, _ = classifier.embed(_random_rows(real_images, n, seed))
    fake_features, fake_logits = classifier.embed(_random_rows(fake_images, n, seed + 1))
    sets = EmbeddedSets(real_features, fake_features, fake_logits, seed)
    return {**compute_metrics(sets, names), "num_samples": n}


def real_data_floor(dataset: str, num_samples: int | None = None, classifier: EvaluationClassifier | None = None,
                    device: str | torch.device = "auto", seed: int = 0,
                    metrics: Sequence[str] | None = None) -> dict[str, float]:
    """The metrics of real *training* images (a random subset of `num_samples`, default as many
    as the test split has) scored as if generated, against the test split: the best value any
    generator can expect with that many samples (FD and KID near 0, the others near 1)."""
    train = load_images(dataset, "train").to_unit_range()
    test = load_images(dataset, "test").to_unit_range()
    num_samples = num_samples or len(test)
    if not 10 <= num_samples <= len(train):
        raise ValueError(f"num_samples must be between 10 and {len(train)} for {dataset}, got {num_samples}")
    return evaluate_images(_random_rows(train, num_samples, seed + 2), dataset, test, classifier, device, seed, metrics)


@torch.no_grad()
def evaluate_image_generator(trainer, num_samples: int | None = None, seed: int = 0, batch_size: int = 1000,
                             classifier: EvaluationClassifier | None = None,
                             metrics: Sequence[str] | None = None) -> dict[str, float]:
    """Sample `num_samples` images (default: the size of the test split) from a trained
    `gan_lib.Trainer` on an image dataset, `batch_size` at a time, and `evaluate_images` them."""
    dataset = trainer.config.dataset
    metric_names(metrics)  # check the names before sampling
    if num_samples is None:
        num_samples = len(load_images(dataset, "test"))
    chunks = [trainer.sample(min(batch_size, num_samples - start), seed=seed * 1_000_003 + start)
              for start in range(0, num_samples, batch_size)]
    return evaluate_images(torch.cat(chunks), dataset, classifier=classifier, device=trainer.device, seed=seed,
                           metrics=metrics)
