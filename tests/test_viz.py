import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import gan_lib  # noqa: E402
from gan_lib import viz  # noqa: E402
from gan_lib.widgets import CoverageLog, ToySnapshot, take_toy_snapshot  # noqa: E402


def _snapshot(step=0, fake=None, heatmap=None):
    fake = torch.zeros(8, 2) if fake is None else fake
    return ToySnapshot(step=step, target="ring", limits=(-1.6, 1.6), real=torch.ones(8, 2) * 0.5, fake=fake,
                       arrow_origins=fake[:4], arrows=torch.ones(4, 2), heatmap=torch.full((10, 10), 0.5)
                       if heatmap is None else heatmap, heatmap_label="D(x) = P(real)",
                       losses={"step": [], "d_loss": [], "g_loss": []}, coverage=CoverageLog())


def test_plot_toy_snapshots_draws_one_panel_per_snapshot_of_a_real_run():
    trainer = gan_lib.Trainer.from_config(gan_lib.TrainConfig(dataset="ring", steps=4, batch_size=32, width=8,
                                                              depth=1, progress=False, device="cpu"))
    log = CoverageLog()
    snapshots = [take_toy_snapshot(trainer, log, n_points=64, resolution=16)]
    trainer.train(2)
    snapshots.append(take_toy_snapshot(trainer, log, n_points=64, resolution=16))
    fig = viz.plot_toy_snapshots(snapshots, ncols=2)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["step 0", "step 2"]
    assert len(fig.axes) == 3  # two panels and the shared colour bar
    assert fig.axes[-1].get_ylabel() == "D(x) = P(real)"
    plt.close(fig)


def test_plot_toy_snapshots_blanks_unused_panels_and_checks_titles():
    fig = viz.plot_toy_snapshots([_snapshot(0), _snapshot(5)], titles=["a", "b"], ncols=3)
    assert [ax.get_title() for ax in fig.axes if ax.get_title()] == ["a", "b"]
    assert not fig.axes[2].axison  # the third grid cell is empty
    plt.close(fig)
    with pytest.raises(ValueError, match="one title per snapshot"):
        viz.plot_toy_snapshots([_snapshot()], titles=["a", "b"])
    with pytest.raises(ValueError, match="at least one snapshot"):
        viz.plot_toy_snapshots([])


def test_plot_single_step_shows_the_change_and_magnified_moves():
    heat_before = torch.full((10, 10), 0.5)
    heat_after = heat_before.clone()
    heat_after[0, 0] = 0.52  # D's map rose by 0.02 in one corner, fell by 0.01 in another
    heat_after[9, 9] = 0.49
    start = torch.zeros(8, 2)
    moved = start + torch.tensor([0.01, 0.0])  # every point moved 0.01 to the right
    fig = viz.plot_single_step(_snapshot(0, start, heat_before), _snapshot(0, start, heat_after),
                               _snapshot(1, moved, heat_after))
    change_image = fig.axes[1].images[0]
    assert torch.allclose(torch.as_tensor(change_image.get_array()), heat_after - heat_before)
    assert change_image.get_clim() == pytest.approx((-0.02, 0.02))  # symmetric around 0
    # Longest arrow = 0.12 of the 3.2-wide view: magnified 0.12 * 3.2 / 0.01 = 38.4 times.
    assert fig.axes[2].get_title().endswith("(arrows x38)")
    quiver = fig.axes[2].collections[-1]
    assert quiver.U[0] == pytest.approx(0.384) and quiver.V[0] == pytest.approx(0.0)
    plt.close(fig)


def test_plot_single_step_rejects_snapshots_of_different_runs():
    other = _snapshot(0, torch.zeros(5, 2))
    with pytest.raises(ValueError, match="same run"):
        viz.plot_single_step(_snapshot(), _snapshot(), other)


def test_plot_density_1d_draws_the_densities_the_discriminator_and_d_star():
    from gan_lib.data import Mixture1D, bimodal

    p_data, p_g = bimodal(), Mixture1D("model", (0.0,), (1.0,), (1.0,))
    undecided = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Flatten(0))
    torch.nn.init.zeros_(undecided[0].weight), torch.nn.init.zeros_(undecided[0].bias)  # D(x) = 1/2 everywhere
    ax = viz.plot_density_1d(p_data, p_g=p_g, discriminator=undecided, fake=p_g.sample(500, torch.Generator().manual_seed(0)))
    density_lines, twin = ax.get_lines(), ax.figure.axes[1]
    x = torch.tensor(density_lines[0].get_xdata(), dtype=torch.float32)
    assert torch.allclose(torch.as_tensor(density_lines[0].get_ydata()).float(), p_data.prob(x.unsqueeze(1)), atol=1e-6)
    trained, optimal = twin.get_lines()
    assert torch.allclose(torch.as_tensor(trained.get_ydata()).double().flatten(), torch.full((len(x),), 0.5, dtype=torch.float64))
    at_zero = int(torch.argmin(x.abs()))  # p_data(0) is tiny next to p_g(0): D*(0) is close to 0
    assert optimal.get_ydata()[at_zero] < 0.01
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"\(N, 1\)"):
        viz.plot_density_1d(p_data, fake=torch.zeros(5, 2))


def test_running_mean_is_the_trailing_mean_over_the_points_there_are():
    assert viz.running_mean([1.0, 2.0, 3.0, 4.0, 10.0], 2) == [1.0, 1.5, 2.5, 3.5, 7.0]
    assert viz.running_mean([1.0, 2.0, 6.0], 3) == [1.0, 1.5, 3.0]
    assert viz.running_mean([4.0, 2.0], 1) == [4.0, 2.0]
    with pytest.raises(ValueError, match="whole number of points"):
        viz.running_mean([1.0], 0)


def test_plot_history_draws_the_raw_curve_faintly_under_its_running_mean():
    history = {"step": [5, 10, 15, 20], "d_loss": [1.0, 3.0, 1.0, 3.0], "g_loss": [0.5, 0.5, 0.5, 0.5]}
    ax = viz.plot_history(history, keys=("d_loss",), smooth=2)
    raw, mean = ax.get_lines()
    assert list(raw.get_ydata()) == [1.0, 3.0, 1.0, 3.0] and raw.get_alpha() == 0.3
    assert list(mean.get_ydata()) == [1.0, 2.0, 2.0, 2.0] and mean.get_color() == raw.get_color()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["d_loss, running mean"]
    plt.close(ax.figure)
