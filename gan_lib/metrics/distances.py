"""Distances between two sets of features, and a classifier-based score (chapter 7).

Each function takes feature matrices (N, D) (torch tensors or numpy arrays), typically the
penultimate activations of `evaluation_classifier` on real and generated images.

Why these are written here, not taken from torchmetrics: torchmetrics' `FrechetInceptionDistance`
and `KernelInceptionDistance` accept a custom feature extractor (any `nn.Module`), and
tests/test_metrics_distances.py checks that both give our numbers on the same features. Our
~40 lines stay because they work on feature matrices directly (no metric object to feed batch
by batch), compute in float64 throughout, and put the equations of chapter 7 next to the code
that evaluates them; torchmetrics remains the cross-check.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from ..device import cpu_float64, float64_on_cpu


def as_features(x, name: str = "features") -> np.ndarray:
    """`x` as a float64 numpy array (N, D), with a clear error for the wrong shape or values."""
    if isinstance(x, torch.Tensor):
        with float64_on_cpu():
            array = cpu_float64(x).numpy()
    else:
        array = np.asarray(x, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must have shape (N, D), got {array.shape}; flatten images or use "
                         "evaluation_classifier(...).embed(images) to get features")
    if len(array) < 2:
        raise ValueError(f"{name} needs at least 2 rows to estimate statistics, got {len(array)}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _check_same_dim(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"the two feature sets differ in dimension: {a.shape[1]} vs {b.shape[1]}")


def frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b) -> float:
    """Fréchet distance between the Gaussians N(mean_a, cov_a) and N(mean_b, cov_b):

        FD = ||mu_a - mu_b||^2 + Tr(Sigma_a) + Tr(Sigma_b) - 2 Tr((Sigma_a Sigma_b)^(1/2))

    the squared 2-Wasserstein distance between the two Gaussians (Dowson & Landau, 1982),
    used as FID by Heusel et al. (2017). The trace of the square root is the sum of the square
    roots of the eigenvalues of Sigma_a Sigma_b (as torchmetrics computes it), in float64. That
    product of two symmetric positive semi-definite matrices has real, non-negative eigenvalues;
    the small negative or complex parts that round-off adds are clamped away, so a singular
    product (fewer samples than dimensions) needs no special case.
    """
    mean_a, mean_b = np.atleast_1d(np.asarray(mean_a, np.float64)), np.atleast_1d(np.asarray(mean_b, np.float64))
    cov_a, cov_b = np.atleast_2d(np.asarray(cov_a, np.float64)), np.atleast_2d(np.asarray(cov_b, np.float64))
    if mean_a.shape != mean_b.shape or cov_a.shape != cov_b.shape or cov_a.shape != (len(mean_a),) * 2:
        raise ValueError(f"statistics do not fit together: means {mean_a.shape}, {mean_b.shape}, "
                         f"covariances {cov_a.shape}, {cov_b.shape}")
    eigenvalues = np.linalg.eigvals(cov_a @ cov_b)  # (D,) complex in general; real and >= 0 in exact arithmetic
    trace_sqrt = float(np.sqrt(np.clip(eigenvalues.real, 0.0, None)).sum())
    distance = float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)
    return max(distance, 0.0)  # round-off can push an exact 0 slightly below


def frechet_distance(features_a, features_b) -> float:
    """FD between Gaussians fitted to two feature sets (N_a, D) and (N_b, D): means and unbiased
    covariances, then `frechet_distance_from_statistics`. 0 for identical sets; biased upward
    for small N, so compare values computed with the same numbers of samples.

    With fewer samples than dimensions (N < D) a covariance estimate is singular and FD mostly
    measures the estimation error: a `UserWarning` says so."""
    a, b = as_features(features_a, "features_a"), as_features(features_b, "features_b")
    _check_same_dim(a, b)
    n, dim = min(len(a), len(b)), a.shape[1]
    if n < dim:
        warnings.warn(f"frechet_distance on {n} samples of {dim}-dimensional features: with fewer samples than "
                      "dimensions the covariance estimates are singular and FD is dominated by their error. "
                      f"Use at least {dim} samples per set (ten times that for stable values), or compare "
                      "kernel_distance, which has no such bias.", UserWarning, stacklevel=2)
    return frechet_distance_from_statistics(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def polynomial_kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """k(x, y) = (x . y / D + 1)^3 for all pairs of rows: (N, D), (M, D) -> (N, M)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _unbiased_mmd2(x: torch.Tensor, y: torch.Tensor) -> float:
    """MMD^2_u = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(n(n-1)) sum_{i != j} k(y_i, y_j) - 2/(mn) sum_{i, j} k(x_i, y_j)."""
    m, n = len(x), len(y)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within_x = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    within_y = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return float(within_x + within_y - 2 * k_xy.mean())


@float64_on_cpu()  # numpy's float64 features as CPU tensors (MPS has no float64)
def kernel_distance(features_a, features_b, num_subsets: int = 50, subset_size: int = 1000, seed: int = 0,
                    return_std: bool = False):
    """Kernel (Inception) distance, KID (Bińkowski et al., 2018): the unbiased estimate of the
    squared maximum mean discrepancy with the cubic polynomial kernel k(x, y) = (x.y/D + 1)^3,

        KID = E[k(a, a')] + E[k(b, b')] - 2 E[k(a, b)],

    averaged over `num_subsets` random subsets of `subset_size` rows drawn from each set
    (fewer rows if a set is smaller). Unbiased, so it can be slightly negative for equal
    distributions; 0 in expectation. With `return_std`, returns (mean, std over subsets).
    """
    a, b = as_features(features_a, "features_a"), as_features(features_b, "features_b")
    _check_same_dim(a, b)
    if num_subsets < 1 or subset_size < 2:
        raise ValueError(f"need num_subsets >= 1 and subset_size >= 2, got {num_subsets} and {subset_size}")
    size = min(subset_size, len(a), len(b))
    a_t, b_t = torch.from_numpy(a), torch.from_numpy(b)
    rng = np.random.default_rng(seed)
    estimates = []
    for _ in range(num_subsets):
        rows_a = torch.from_numpy(rng.choice(len(a), size, replace=False))
        rows_b = torch.from_numpy(rng.choice(len(b), size, replace=False))
        estimates.append(_unbiased_mmd2(a_t[rows_a], b_t[rows_b]))
    mean = float(np.mean(estimates))
    return (mean, float(np.std(estimates))) if return_std else mean


@float64_on_cpu()
def classifier_score(logits, splits: int = 1) -> float:
    """Inception-score-style classifier score (Salimans et al., 2016) with our own classifier:

        CS = exp( E_x [ KL( p(y|x) || p(y) ) ] ),   p(y) = E_x [ p(y|x) ],

    from logits (N, classes). Between 1 (every image gets the same class distribution) and the
    number of classes (each image confidently classified, all classes equally often). With
    `splits` > 1 the set is cut into that many parts and the scores are averaged.
    """
    logits = torch.as_tensor(as_features(logits, "logits"))
    if splits < 1 or splits > len(logits):
        raise ValueError(f"splits must be between 1 and the number of samples ({len(logits)}), got {splits}")
    scores = []
    for part in torch.tensor_split(logits, splits):
        log_p_y_given_x = torch.log_softmax(part, dim=1)  # (n, classes)
        log_p_y = torch.logsumexp(log_p_y_given_x, dim=0) - math.log(len(part))  # log of the mean probability
        kl = (log_p_y_given_x.exp() * (log_p_y_given_x - log_p_y)).sum(dim=1)  # (n,)
        scores.append(float(kl.mean().exp()))
    return float(np.mean(scores))
