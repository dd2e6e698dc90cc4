import math

import numpy as np
import pytest
import torch

from gan_lib.metrics import classifier_score, frechet_distance, frechet_distance_from_statistics, kernel_distance


def _rotation(dim: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q


def test_frechet_distance_closed_forms():
    # 1D: (m_a - m_b)^2 + (s_a - s_b)^2 = 9 + (1 - 2)^2
    assert frechet_distance_from_statistics([0.0], [[1.0]], [3.0], [[4.0]]) == pytest.approx(10.0)
    # Sigma_a = I, Sigma_b = Q diag(lambda) Q^T: Tr(I + B - 2 B^(1/2)) = sum (1 - sqrt(lambda))^2 = 0 + 1 + 4 + 0.25
    q = _rotation(4, seed=1)
    cov_b = q @ np.diag([1.0, 4.0, 9.0, 0.25]) @ q.T
    mean_b = np.array([1.0, 2.0, 0.0, 0.0])  # ||mean difference||^2 = 5
    assert frechet_distance_from_statistics(np.zeros(4), np.eye(4), mean_b, cov_b) == pytest.approx(10.25, rel=1e-9)
    # Commuting diagonal covariances: sum (sqrt(a_i) - sqrt(b_i))^2 = (1 - 3)^2 + (2 - 1)^2
    assert frechet_distance_from_statistics([0, 0], np.diag([1.0, 4.0]), [0, 0], np.diag([9.0, 1.0])) == pytest.approx(5.0)
    # Identical Gaussians: 0, also for a singular covariance
    singular = np.diag([1.0, 0.0, 2.0])
    assert frechet_distance_from_statistics(np.ones(3), singular, np.ones(3), singular) == pytest.approx(0.0, abs=1e-5)


def test_frechet_distance_of_samples_matches_the_closed_form():
    rng = np.random.default_rng(0)
    q = _rotation(4, seed=2)
    cov_a, cov_b = np.diag([1.0, 2.0, 0.5, 1.0]), q @ np.diag([2.0, 1.0, 3.0, 0.5]) @ q.T
    mean_a, mean_b = np.zeros(4), np.array([1.0, -1.0, 0.5, 0.0])
    a = rng.multivariate_normal(mean_a, cov_a, size=40_000)
    b = rng.multivariate_normal(mean_b, cov_b, size=40_000)
    exact = frechet_distance_from_statistics(mean_a, cov_a, mean_b, cov_b)
    assert frechet_distance(a, b) == pytest.approx(exact, rel=0.03)
    assert frechet_distance(torch.from_numpy(a), torch.from_numpy(b)) == pytest.approx(frechet_distance(b, a))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    same = rng.multivariate_normal(mean_a, cov_a, size=40_000)
    assert frechet_distance(a, same) < 0.01 * exact


def test_frechet_distance_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        frechet_distance(np.zeros(10), np.zeros(10))
    with pytest.raises(ValueError, match="differ in dimension"):
        frechet_distance(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((10, 2), np.nan), np.zeros((10, 2)))
    with pytest.raises(ValueError, match="statistics do not fit"):
        frechet_distance_from_statistics(np.zeros(2), np.eye(3), np.zeros(2), np.eye(3))


def test_kernel_distance_known_values():
    # Constant sets: the unbiased estimate is exactly k(a, a) + k(b, b) - 2 k(a, b) with k = (x.y/2 + 1)^3.
    a = np.tile([1.0, 0.0], (50, 1))
    b = np.tile([0.0, 1.0], (40, 1))
    assert kernel_distance(a, b, num_subsets=3, subset_size=20) == pytest.approx(1.5 ** 3 * 2 - 2 * 1.0)
    # Two samples of one distribution: 0 within the estimate's spread; a shifted one is far away.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8))
    mean, std = kernel_distance(x, y, num_subsets=10, subset_size=300, return_std=True)
    assert abs(mean) < 3 * std / math.sqrt(10) + 1e-3
    shifts = [kernel_distance(x, y + shift, num_subsets=5, subset_size=300) for shift in (0.25, 0.5, 1.0)]
    assert mean < shifts[0] < shifts[1] < shifts[2]


def test_classifier_score_limits():
    confident = 100.0 * torch.eye(10).repeat(30, 1)  # 300 images, each class 30 times, certain predictions
    assert classifier_score(confident) == pytest.approx(10.0, rel=1e-6)
    assert classifier_score(100.0 * torch.eye(10)[:5].repeat(20, 1)) == pytest.approx(5.0, rel=1e-6)  # 5 classes
    assert classifier_score(torch.zeros(50, 10)) == pytest.approx(1.0)  # uniform predictions
    assert classifier_score(100.0 * torch.eye(10)[[3] * 50]) == pytest.approx(1.0)  # collapsed onto one class
    assert classifier_score(confident, splits=3) == pytest.approx(10.0, rel=1e-6)
    with pytest.raises(ValueError, match="splits"):
        classifier_score(confident, splits=0)


class _AsFeatures(torch.nn.Module):
    """A "feature extractor" for torchmetrics that passes feature rows through unchanged."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, x):
        return x


def _correlated_sets(n: int, dim: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    mixing = torch.randn(dim, dim, generator=g, dtype=torch.float64) / dim ** 0.5
    a = torch.randn(n, dim, generator=g, dtype=torch.float64) @ mixing
    b = torch.randn(n, dim, generator=g, dtype=torch.float64) @ (mixing * 1.3) + 0.2
    return a, b


@pytest.mark.parametrize("n,dim", [(300, 16), (40, 64)])
def test_frechet_and_kernel_distance_agree_with_torchmetrics_on_the_same_features(n, dim):
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    kid_module = pytest.importorskip("torchmetrics.image.kid")
    import warnings

    a, b = _correlated_sets(n, dim, seed=n)
    fid = fid_module.FrechetInceptionDistance(feature=_AsFeatures(dim), reset_real_features=True)
    fid.set_dtype(torch.float64)
    fid.update(a, real=True)
    fid.update(b, real=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ours = frechet_distance(a, b)
    assert ours == pytest.approx(float(fid.compute()), rel=1e-6)

    # One subset of all rows: no sampling, so both compute the same unbiased MMD^2 with (x.y/D + 1)^3.
    kid = kid_module.KernelInceptionDistance(feature=_AsFeatures(dim), subsets=1, subset_size=n)
    kid.update(a, real=True)
    kid.update(b, real=False)
    kid_mean, _ = kid.compute()
    assert kernel_distance(a, b, num_subsets=1, subset_size=n) == pytest.approx(float(kid_mean), rel=1e-6)


def test_frechet_distance_warns_with_fewer_samples_than_dimensions():
    a, b = _correlated_sets(50, 128, seed=0)
    with pytest.warns(UserWarning, match=r"50 samples of 128-dimensional features.*at least 128 samples"):
        value = frechet_distance(a, b)
        same = frechet_distance(a, a.clone())
    assert math.isfinite(value) and value > 0
    assert same == pytest.approx(0.0, abs=1e-8)  # singular covariances, yet 0 for equal sets
