import math

import pytest
import torch

from gan_lib import TOY_DISTRIBUTIONS
from gan_lib.metrics import mode_coverage


def test_samples_exactly_on_every_mode():
    ring = TOY_DISTRIBUTIONS.get("ring")()
    samples = ring.modes.repeat(10, 1)  # 80 samples, 10 on each mode
    result = mode_coverage(samples, ring)
    assert result.modes_captured == 8 and result.high_quality_fraction == 1.0
    assert result.reverse_kl == pytest.approx(0.0, abs=1e-12)
    assert result.counts == (10,) * 8


def test_collapse_onto_two_modes_with_outliers():
    grid = TOY_DISTRIBUTIONS.get("grid")()
    on_mode = torch.tensor([[0.0, 0.0]] * 30 + [[2.0, 2.0]] * 10)
    near = torch.tensor([[4.0 + 2.9 * 0.05, 4.0]])  # 2.9 std away: still high quality
    far = torch.tensor([[1.0, 1.0], [4.0 + 3.1 * 0.05, 4.0]])  # between modes / 3.1 std away
    result = mode_coverage(torch.cat([on_mode, near, far]), grid)
    assert result.modes_captured == 3
    assert result.high_quality_fraction == pytest.approx(41 / 43)
    q = torch.tensor([30, 10, 1], dtype=torch.float64) / 41
    assert result.reverse_kl == pytest.approx(float((q * torch.log(q * 25)).sum()))


def test_no_high_quality_samples_and_bad_input():
    ring = TOY_DISTRIBUTIONS.get("ring")()
    result = mode_coverage(torch.zeros(5, 2), ring)
    assert result.modes_captured == 0 and math.isinf(result.reverse_kl)
    with pytest.raises(ValueError, match="no discrete modes"):
        mode_coverage(torch.zeros(5, 2), TOY_DISTRIBUTIONS.get("spiral")())
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        mode_coverage(torch.zeros(5, 3), ring)


def test_evaluate_toy_generator_uses_2500_seeded_samples():
    from types import SimpleNamespace

    from gan_lib import Trainer, TrainConfig
    from gan_lib.metrics import evaluate_toy_generator

    trainer = Trainer.from_config(TrainConfig(dataset="grid", steps=1, progress=False, device="cpu"))
    expected = mode_coverage(trainer.sample(2500, seed=3), TOY_DISTRIBUTIONS.get("grid")())
    result = evaluate_toy_generator(trainer, seed=3)
    assert result == expected and sum(result.counts) == round(2500 * result.high_quality_fraction)
    with pytest.raises(ValueError, match="evaluate_image_generator"):
        evaluate_toy_generator(SimpleNamespace(config=SimpleNamespace(dataset="digits")))
