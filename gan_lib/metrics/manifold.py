"""Fidelity and diversity from k-nearest-neighbour balls in feature space (chapter 7).

A set of feature vectors approximates its manifold by the union of balls around each
point whose radius is the distance to its k-th nearest neighbour in the same set.

- Improved precision and recall (Kynkäänniemi et al., 2019): the share of generated points
  inside the real manifold (fidelity), and of real points inside the generated one (diversity).
- Density and coverage (Naeem et al., 2020): like precision and recall, but counting how
  many real balls contain each generated point (robust to real outliers, can exceed 1), and
  the share of real balls that contain at least one generated point.

scikit-learn's `NearestNeighbors` finds the k-NN radii and the nearest generated point of
each real point. "How many balls, each with its own radius, contain this point" is no
library call, so `_balls_containing` counts it with chunked `torch.cdist`. (scikit-learn
is imported when first needed: it takes seconds to import and `import gan_lib` should not.)
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from ..device import float64_on_cpu
from .distances import _check_same_dim, as_features


class PrecisionRecall(NamedTuple):
    precision: float  # share of generated points inside the real manifold
    recall: float  # share of real points inside the generated manifold


class DensityCoverage(NamedTuple):
    density: float  # mean number of real k-NN balls containing a generated point, divided by k
    coverage: float  # share of real k-NN balls that contain at least one generated point


def knn_radii(features: np.ndarray, k: int) -> np.ndarray:
    """Distance from each row to its k-th nearest *other* row, shape (N,)."""
    if not 1 <= k < len(features):
        raise ValueError(f"k must be between 1 and the number of points - 1 ({len(features) - 1}), got {k}")
    from sklearn.neighbors import NearestNeighbors

    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(features).kneighbors(features)
    return distances[:, k]  # column 0 is the point itself (distance 0)


@float64_on_cpu()  # numpy's float64 features as CPU tensors (MPS has no float64)
def _balls_containing(points: np.ndarray, centres: np.ndarray, radii: np.ndarray, chunk: int = 1024) -> np.ndarray:
    """For each point, how many balls B(centre_i, radius_i) contain it: (M,) integer counts."""
    points_t, centres_t = torch.from_numpy(points), torch.from_numpy(centres)
    radii_t = torch.from_numpy(radii)
    counts = []
    for start in range(0, len(points_t), chunk):
        distances = torch.cdist(points_t[start:start + chunk], centres_t)  # (chunk, N)
        counts.append((distances <= radii_t[None, :]).sum(dim=1))
    return torch.cat(counts).numpy()


def precision_recall(real_features, fake_features, k: int = 3) -> PrecisionRecall:
    """Improved precision and recall (Kynkäänniemi et al., 2019) with k-NN balls (default k = 3):

        precision = 1/M sum_j 1[ fake_j in manifold(real) ],
        recall    = 1/N sum_i 1[ real_i in manifold(fake) ],
        manifold(S) = union over s in S of the ball B(s, distance from s to its k-th nearest neighbour in S).

    Both are 1 for identical sets and 0 for sets far apart.
    """
    real, fake = as_features(real_features, "real_features"), as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    precision = (_balls_containing(fake, real, knn_radii(real, k)) > 0).mean()
    recall = (_balls_containing(real, fake, knn_radii(fake, k)) > 0).mean()
    return PrecisionRecall(float(precision), float(recall))


def density_coverage(real_features, fake_features, k: int = 5) -> DensityCoverage:
    """Density and coverage (Naeem et al., 2020) with the real points' k-NN balls (default k = 5):

        density  = 1/(k M) sum_j sum_i 1[ fake_j in B(real_i, NND_k(real_i)) ],
        coverage = 1/N sum_i 1[ exists j: fake_j in B(real_i, NND_k(real_i)) ].

    For two samples of the same distribution both are about 1 (density in expectation);
    density exceeds 1 when generated points crowd into dense real regions.
    """
    real, fake = as_features(real_features, "real_features"), as_features(fake_features, "fake_features")
    _check_same_dim(real, fake)
    from sklearn.neighbors import NearestNeighbors

    radii = knn_radii(real, k)
    density = _balls_containing(fake, real, radii).sum() / (k * len(fake))
    nearest_fake, _ = NearestNeighbors(n_neighbors=1).fit(fake).kneighbors(real)  # (N, 1)
    coverage = (nearest_fake[:, 0] <= radii).mean()
    return DensityCoverage(float(density), float(coverage))
