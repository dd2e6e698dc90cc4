"""The samplers of benchmarks/quality.py: the generator-density filter of the best toy row."""
import json
import math
from types import SimpleNamespace

import torch
from torch import nn

from benchmarks.quality import (PUBLISHED, PUBLISHED_NOTE, RESULTS, SAMPLERS, TOY_VARIANTS,
                                density_filtered_sample, generator_log_density, markdown)


class Linear2D(nn.Module):
    """x = A z with A = [[2, 1], [0, 3]]: |det A| = 6 everywhere."""

    def forward(self, z):
        return z @ torch.tensor([[2.0, 0.0], [1.0, 3.0]])  # (B, 2); rows of z times A^T


class Streak(nn.Module):
    """x = z, except that the strip |z_0| < 0.1 is stretched 1000-fold along x_0 (a mode-to-mode streak)."""

    def forward(self, z):
        scale = torch.where(z[:, 0].abs() < 0.1, 1000.0, 1.0)  # (B,)
        return torch.stack([z[:, 0] * scale, z[:, 1]], dim=1)  # (B, 2)


def test_log_density_of_a_linear_generator_is_the_change_of_variables():
    z = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    expected = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2)).log_prob(z) - math.log(6.0)
    torch.testing.assert_close(generator_log_density(Linear2D(), z), expected)


def test_density_filter_drops_the_stretched_streak_and_nothing_else():
    trainer = SimpleNamespace(ema=None, generator=Streak(), device=torch.device("cpu"), latent_dim=2)
    samples = density_filtered_sample(trainer, 1000, seed=0, ratio=10.0)
    assert samples.shape == (1000, 2)
    # A streak point has log density at most -log(2 pi) - log(1000) = -8.75, below the threshold
    # (median of log N(z), about -2.53, minus log 10, about -4.83): none survives, so |x_0| stays small.
    assert samples[:, 0].abs().max() < 10
    # Outside the streak x = z: the kept points are the first 1000 candidates above the threshold.
    z = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0))
    log_density = generator_log_density(Streak(), z)
    keep = log_density >= log_density.median() - math.log(10.0)
    torch.testing.assert_close(samples, z[keep][:1000])
    assert trainer.generator.training  # the generator's mode is restored


def test_every_variant_names_a_sampler():
    assert all(variant.sampler in SAMPLERS for variant in TOY_VARIANTS)


def test_published_pacgan_rows_say_their_spread_is_a_standard_error():
    pacgan = [entry for entry in PUBLISHED if entry["source"].startswith("PacGAN")]
    assert [entry["method"] for entry in pacgan] == ["GAN", "ALI", "PacGAN2", "PacGAN3", "PacGAN4"]
    assert all("standard error" in entry["source"] for entry in pacgan)
    assert pacgan[1]["results"] == {  # PacGAN's Table 1, ALI
        "ring": {"modes": "6.6 ± 0.3", "high_quality_percent": "97.6 ± 0.4", "reverse_kl": "0.36 ± 0.04"},
        "grid": {"modes": "24.1 ± 0.4", "high_quality_percent": "95.7 ± 0.6", "reverse_kl": "0.14 ± 0.03"}}
    assert "unverified" not in PUBLISHED_NOTE and "{-4, -2, 0, 2, 4}^2" in PUBLISHED_NOTE
    assert all("arXiv v1" in entry["source"] for entry in PUBLISHED if entry["source"].startswith("GDPP"))


def test_committed_quality_report_is_what_a_rerun_writes_around_the_published_rows():
    # The committed files were edited by hand (the benchmark takes 20 minutes): they must agree with the code.
    results = json.loads((RESULTS / "quality.json").read_text())
    assert results["published"] == PUBLISHED and results["published_note"] == PUBLISHED_NOTE
    assert markdown(results) == (RESULTS / "quality.md").read_text()
