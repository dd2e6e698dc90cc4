"""Metrics that run offline (chapter 7): mode coverage on 2D mixtures, and image metrics
computed in the features of a small classifier that gan_lib trains and caches itself.

Toy mixtures: `mode_coverage(samples, distribution)`, `evaluate_toy_generator(trainer)`.
Images: `evaluation_classifier(dataset)` and, on its features, `frechet_distance`,
`kernel_distance`, `precision_recall`, `density_coverage`, `classifier_score`; all of them
at once with `evaluate_images(fake, dataset)`, `evaluate_image_generator(trainer)`, and the
real-data reference `real_data_floor(dataset)`; `metrics=["fd", "kid"]` picks some of them by
their names in `IMAGE_METRICS`.
"""
from .classifier import (ClassifierCacheError, EvaluationClassifier, cache_path, default_cache_dir,
                         evaluation_classifier, load_classifier, save_classifier, train_classifier)
from .distances import (classifier_score, frechet_distance, frechet_distance_from_statistics, kernel_distance,
                        polynomial_kernel)
from .feature_metrics import IMAGE_METRICS, METRIC_NAMES, EmbeddedSets
from .images import evaluate_image_generator, evaluate_images, real_data_floor
from .manifold import DensityCoverage, PrecisionRecall, density_coverage, knn_radii, precision_recall
from .toy import ModeCoverage, evaluate_toy_generator, mode_coverage

__all__ = [
    "ClassifierCacheError", "DensityCoverage", "EmbeddedSets", "EvaluationClassifier", "IMAGE_METRICS", "METRIC_NAMES",
    "ModeCoverage",
    "PrecisionRecall", "cache_path", "classifier_score", "default_cache_dir", "density_coverage",
    "evaluate_image_generator", "evaluate_images", "evaluate_toy_generator", "evaluation_classifier",
    "frechet_distance", "frechet_distance_from_statistics", "kernel_distance", "knn_radii", "load_classifier",
    "mode_coverage", "polynomial_kernel", "precision_recall", "real_data_floor", "save_classifier",
    "train_classifier",
]
