import pytest
import torch

import gan_lib
from gan_lib.data import DATASETS, SIGNALS, SinusoidSignals, make_batches
from gan_lib.metrics.spectra import mean_spectrum, power_above, power_spectrum, spectral_distance
from gan_lib.models import Conv1dDiscriminator, Conv1dGenerator, build_models

from .conftest import rng


def test_sinusoid_signals_are_seeded_and_bounded():
    signals = SinusoidSignals()
    x = signals.sample(500, rng(0))
    assert x.shape == (500, 1, 64) and x.abs().max() <= 1
    assert torch.equal(x, signals.sample(500, rng(0)))
    assert not torch.equal(x, signals.sample(500, rng(1)))
    with pytest.raises(ValueError, match="Nyquist"):
        SinusoidSignals(length=16, max_cycles=8.0)


def test_a_whole_number_frequency_puts_all_power_in_its_bin():
    four_cycles = SinusoidSignals(length=64, components=1, min_cycles=4.0, max_cycles=4.0).sample(3, rng(0))
    spectrum = mean_spectrum(four_cycles, window=None)
    assert spectrum.shape == (33,) and spectrum.sum().item() == pytest.approx(1.0)
    assert spectrum[4].item() == pytest.approx(1.0, abs=1e-6)
    # Power spectrum of one sine of amplitude 1 over L samples: (L / 2)^2 in its bin.
    assert power_spectrum(four_cycles, window=None)[0, 4].item() == pytest.approx(32.0 ** 2, rel=1e-4)


def test_spectral_distance_known_answers():
    def tone(cycles):
        return SinusoidSignals(components=1, min_cycles=cycles, max_cycles=cycles).sample(10, rng(0))
    assert spectral_distance(tone(3.0), tone(3.0), window=None) == pytest.approx(0.0, abs=1e-6)
    assert spectral_distance(tone(3.0), tone(5.0), window=None) == pytest.approx(1.0, abs=1e-6)
    mixed = torch.cat([tone(3.0), tone(5.0)])  # half the power at 3, half at 5
    assert spectral_distance(tone(3.0), mixed, window=None) == pytest.approx(0.5, abs=1e-6)
    assert power_above(mixed, 4, window=None) == pytest.approx(0.5, abs=1e-6)
    with pytest.raises(ValueError, match=r"\(N, L\) or \(N, 1, L\)"):
        power_spectrum(torch.zeros(2, 2, 64))


def test_real_sines_have_almost_no_power_above_their_band():
    x = SIGNALS["sines"].sample(2000, rng(0))
    assert power_above(x, SIGNALS["sines"].max_cycles + 2) < 0.01
    assert power_above(torch.randn(2000, 64, generator=rng(1)), 10) > 0.6  # white noise: most bins are above 10


def test_conv1d_networks_and_build_models():
    generator, discriminator = Conv1dGenerator(16, 1, 64, 8), Conv1dDiscriminator(1, 64, 8)
    x = generator(torch.randn(5, 16))
    assert x.shape == (5, 1, 64) and x.abs().max() <= 1 and discriminator(x).shape == (5,)
    with pytest.raises(ValueError, match="multiple of 8"):
        Conv1dGenerator(length=60)
    g, d = build_models("sines")
    assert g.output_shape == (1, 64) and g.latent_dim == 32 and isinstance(d, Conv1dDiscriminator)
    assert "sines" in DATASETS and make_batches("sines", 8).next_batch().x.shape == (8, 1, 64)
    with pytest.raises(ValueError, match="no labels|no classes"):
        gan_lib.Trainer.from_config(gan_lib.TrainConfig(dataset="sines", conditional=True))


def test_a_short_gan_run_moves_the_spectrum_towards_the_data():
    config = gan_lib.TrainConfig(dataset="sines", steps=200, batch_size=32, width=8, seed=0, device="cpu",
                                 progress=False)
    trainer = gan_lib.Trainer.from_config(config)
    real = SIGNALS["sines"].sample(1000, rng(5))
    before = spectral_distance(trainer.sample(1000), real)
    trainer.fit()
    after = spectral_distance(trainer.sample(1000), real)
    assert after < 0.5 * before, (before, after)


def test_command_line_trains_and_samples_signals(tmp_path):
    import numpy as np

    from gan_lib.cli import main

    out = tmp_path / "run"
    assert main(["train", "--dataset", "sines", "--steps", "3", "--batch-size", "16", "--width", "8",
                 "--device", "cpu", "--out", str(out), "--no-progress"]) == 0
    assert (out / "samples.png").is_file()
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "5", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (5, 1, 64)


def test_signal_plots_draw_one_line_per_signal_or_set():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gan_lib import viz

    x = SIGNALS["sines"].sample(10, rng(0))
    ax = viz.plot_signals(x, n=3)
    assert len(ax.lines) == 3
    ax = viz.plot_spectra({"a": x, "b": x[:, 0]}, band=(1, 8))
    assert len(ax.lines) == 2 and len(ax.lines[0].get_ydata()) == 33
    with pytest.raises(ValueError, match=r"\(N, L\) or \(N, 1, L\)"):
        viz.plot_signals(torch.zeros(2, 2, 2, 2))
    plt.close("all")
