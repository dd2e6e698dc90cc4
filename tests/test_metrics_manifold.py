import numpy as np
import pytest

from gan_lib.metrics import density_coverage, knn_radii, precision_recall


def _line(*xs) -> np.ndarray:
    """Points (x, 0) on a line, so every distance can be checked by hand."""
    return np.array([[x, 0.0] for x in xs])


REAL = _line(*range(10))  # 0, 1, ..., 9


def test_knn_radii_by_hand():
    assert knn_radii(REAL, 1).tolist() == [1.0] * 10
    assert knn_radii(REAL, 2).tolist() == [2.0] + [1.0] * 8 + [2.0]
    with pytest.raises(ValueError, match="k must be"):
        knn_radii(REAL, 10)


def test_precision_recall_hand_built_sets():
    # real radii (k=1) are all 1: 0.4 and 1.0 lie inside, 20 and 21 do not -> precision 2/4.
    # fake radii (k=1): 0.6, 0.6, 1, 1 -> only real 0 and 1 lie in the fake manifold -> recall 2/10.
    result = precision_recall(REAL, _line(0.4, 1.0, 20.0, 21.0), k=1)
    assert result == pytest.approx((0.5, 0.2))
    assert precision_recall(REAL, REAL, k=3) == (1.0, 1.0)  # identical sets
    assert precision_recall(REAL, REAL + 100.0, k=3) == (0.0, 0.0)  # disjoint sets


def test_precision_recall_random_sets():
    rng = np.random.default_rng(0)
    real = rng.normal(size=(1000, 16))
    assert precision_recall(real, real.copy()) == (1.0, 1.0)
    assert precision_recall(real, real + 50.0) == (0.0, 0.0)
    narrow = precision_recall(real, 0.3 * rng.normal(size=(1000, 16)))  # a collapsed generator: precise, no recall
    assert narrow.precision > 0.9 and narrow.recall < 0.1


def test_density_coverage_hand_built_sets():
    # real radii (k=2): 2, 1, ..., 1, 2. Fake 0.2 lies in the balls of 0 and 1, fake 4.5 in those of 4 and 5,
    # fake 50 in none: density = (2 + 2 + 0) / (k * M) = 4 / 6. Real 0, 1, 4, 5 have a fake in their ball: 4/10.
    result = density_coverage(REAL, _line(0.2, 4.5, 50.0), k=2)
    assert result == pytest.approx((4 / 6, 0.4))
    assert density_coverage(REAL, REAL + 100.0) == (0.0, 0.0)


def test_density_coverage_same_distribution():
    # Naeem et al. (2020): for two samples of one distribution E[density] = 1 and
    # coverage -> 1 - 1/2^k = 0.969 for k = 5.
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(2000, 8)), rng.normal(size=(2000, 8))
    density, coverage = density_coverage(real, fake, k=5)
    assert 0.9 < density < 1.1
    assert 0.94 < coverage < 0.99
