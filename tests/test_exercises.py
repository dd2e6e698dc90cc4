import torch
import torch.nn.functional as F

from gan_lib.book.exercises import (check_discriminator_loss, check_frechet_distance, check_generator_loss,
                               check_mode_coverage)


def correct_d_loss(discriminator, generator, real, z):
    fake = generator(z).detach()
    return F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake)).mean()


def article_d_loss(discriminator, generator, real, z):
    # The source article's D step: probabilities, BCELoss, and both terms on the real batch's output.
    output = torch.sigmoid(discriminator(real))
    criterion = torch.nn.BCELoss()
    return criterion(output, torch.ones_like(output)) + criterion(output, torch.zeros_like(output))


def failed(report):
    return [check.name for check in report.checks if not check.passed]


def test_a_correct_discriminator_loss_passes_every_check():
    report = check_discriminator_loss(correct_d_loss)
    assert report.passed and len(report.checks) == 5, report
    assert "all checks passed" in str(report)


def test_the_articles_discriminator_loss_fails_with_the_right_diagnosis():
    report = check_discriminator_loss(article_d_loss)
    assert failed(report) == ["value is L_D of eq. (3.2)", "gradient with respect to D's weights",
                              "exact for a confident D (works on logits)"]
    assert "D's output on the real batch" in str(report)
    assert "3 of 5 checks failed" in str(report)


def test_each_single_bug_is_caught_alone():
    def no_detach(discriminator, generator, real, z):
        return F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(generator(z))).mean()

    def on_probabilities(discriminator, generator, real, z):
        criterion = torch.nn.BCELoss()
        real_p, fake_p = torch.sigmoid(discriminator(real)), torch.sigmoid(discriminator(generator(z).detach()))
        return criterion(real_p, torch.ones_like(real_p)) + criterion(fake_p, torch.zeros_like(fake_p))

    def swapped(discriminator, generator, real, z):
        return correct_d_loss(lambda x: -discriminator(x), generator, real, z)

    assert failed(check_discriminator_loss(no_detach)) == ["G is held fixed (no gradient reaches G)"]
    assert failed(check_discriminator_loss(on_probabilities)) == ["exact for a confident D (works on logits)"]
    assert "labels are swapped" in str(check_discriminator_loss(swapped))


def test_broken_functions_are_reported_not_raised():
    def crashes(discriminator, generator, real, z):
        return undefined_name  # noqa: F821  (the article's loop uses names it never defines)

    report = check_discriminator_loss(crashes)
    assert not report.passed and "NameError" in str(report)
    report = check_discriminator_loss(lambda d, g, real, z: correct_d_loss(d, g, real, z).item())
    assert failed(report) == ["returns a differentiable scalar tensor"]


def test_generator_loss_checker():
    def non_saturating(discriminator, generator, z):
        return F.softplus(-discriminator(generator(z))).mean()

    def minimax(discriminator, generator, z):
        return -F.softplus(discriminator(generator(z))).mean()

    def detached(discriminator, generator, z):
        return F.softplus(-discriminator(generator(z).detach())).mean()

    assert check_generator_loss(non_saturating).passed
    assert "saturating minimax" in str(check_generator_loss(minimax))
    assert failed(check_generator_loss(detached)) == ["gradient reaches G and is right"]


def reader_frechet(a, b):
    import numpy as np
    import scipy.linalg

    mean_a, mean_b, cov_a, cov_b = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * scipy.linalg.sqrtm(cov_a @ cov_b).real))


def test_a_correct_frechet_distance_passes_and_an_elementwise_sqrt_is_diagnosed():
    report = check_frechet_distance(reader_frechet)
    assert report.passed and len(report.checks) == 4, report

    def elementwise(a, b):
        import numpy as np

        mean_a, mean_b, cov_a, cov_b = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
        return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * np.sqrt(np.abs(cov_a @ cov_b))))

    report = check_frechet_distance(elementwise)
    assert failed(report) == ["0 for two identical sets", "a shift by d gives |d|^2 = 5.25",
                              "correlated, shifted sets match gan_lib.metrics.frechet_distance"]
    assert "scipy.linalg.sqrtm" in str(report)

    def mean_only(a, b):
        return float(((a.mean(0) - b.mean(0)) ** 2).sum())

    assert failed(check_frechet_distance(mean_only)) == ["correlated, shifted sets match gan_lib.metrics.frechet_distance"]
    assert failed(check_frechet_distance(lambda a, b: 1 / 0)) == ["the function runs and returns a number"]


def reader_coverage(samples, modes, std):
    distance, nearest = torch.cdist(samples, modes).min(dim=1)
    good = distance <= 3 * std
    return len(set(nearest[good].tolist())), good.float().mean().item()


def test_a_correct_mode_coverage_passes_and_common_slips_fail():
    report = check_mode_coverage(reader_coverage)
    assert report.passed and len(report.checks) == 4, report

    def any_mode_within_threshold_counts_twice(samples, modes, std):  # a mode is captured by any close sample
        close = torch.cdist(samples, modes) <= 3 * std  # (N, K)
        return int(close.any(dim=0).sum()), close.any(dim=1).float().mean().item()

    assert check_mode_coverage(any_mode_within_threshold_counts_twice).passed  # the same on well-separated modes

    def variance_not_std(samples, modes, std):
        distance, nearest = torch.cdist(samples, modes).min(dim=1)
        good = distance <= 3 * std ** 2
        return len(set(nearest[good].tolist())), good.float().mean().item()

    report = check_mode_coverage(variance_not_std)
    assert "samples at 2.9 and 3.1 std from a mode" in failed(report)
    assert "expected (1, 0.5000)" in str(report)


def test_dirac_gan_step_checker_accepts_the_simultaneous_step_and_rejects_the_alternating_one():
    import math

    from gan_lib.book.exercises import check_dirac_gan_step

    def sigma(t):
        return 1 / (1 + math.exp(-t))

    def simultaneous(theta, psi, lr, gamma):
        s = sigma(psi * theta)
        return theta + lr * psi * s, psi - lr * (theta * s + gamma * psi)

    def alternating(theta, psi, lr, gamma):  # D first, then G against the new D: not what was asked
        psi = psi - lr * (theta * sigma(psi * theta) + gamma * psi)
        return theta + lr * psi * sigma(psi * theta), psi

    assert check_dirac_gan_step(simultaneous).passed
    report = check_dirac_gan_step(alternating)
    assert not report.passed
    assert [check.passed for check in report.checks] == [False, False, False, True]  # (0, 0) does not move


def test_a_case_on_which_the_readers_function_raises_fails_alone():
    import math

    from gan_lib.book.exercises import check_dirac_gan_step, check_mode_coverage

    def no_step_from_the_equilibrium(theta, psi, lr, gamma):  # right everywhere but at (0, 0)
        if theta == psi == 0:
            raise ZeroDivisionError("nowhere to go")
        s = 1 / (1 + math.exp(-psi * theta))
        return theta + lr * psi * s, psi - lr * (theta * s + gamma * psi)

    report = check_dirac_gan_step(no_step_from_the_equilibrium)
    assert [check.passed for check in report.checks] == [True, True, True, False]
    assert report.checks[-1].hint == "it raised ZeroDivisionError: nowhere to go"
    report = check_mode_coverage(lambda samples, modes, std: 1 / 0)
    assert len(report.checks) == 4 and not any(check.passed for check in report.checks)
    assert all(check.hint == "it raised ZeroDivisionError: division by zero" for check in report.checks)


def reader_r1(discriminator, real):
    x = real.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
    return 0.5 * gradient.flatten(1).pow(2).sum(dim=1).mean()


def test_a_correct_r1_penalty_passes_and_common_slips_fail():
    from gan_lib.book.exercises import check_r1_penalty

    report = check_r1_penalty(reader_r1)
    assert report.passed and len(report.checks) == 4, report

    def no_create_graph(discriminator, real):  # the penalty is a constant to the optimiser
        x = real.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(discriminator(x).sum(), x)
        return 0.5 * gradient.pow(2).sum(dim=1).mean()

    assert failed(check_r1_penalty(no_create_graph)) == ["differentiable with respect to D's weights"]

    def without_the_half(discriminator, real):
        return 2 * reader_r1(discriminator, real)

    report = check_r1_penalty(without_the_half)
    assert "value is 1/2 E||grad_x D(x)||^2" in failed(report)
    assert "twice the reference" in str(report)

    def norm_not_squared(discriminator, real):
        x = real.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad(discriminator(x).sum(), x, create_graph=True)
        return gradient.norm(dim=1).mean()

    assert "mean gradient norm; square it" in str(check_r1_penalty(norm_not_squared))

    def on_the_callers_batch(discriminator, real):
        real.requires_grad_(True)
        (gradient,) = torch.autograd.grad(discriminator(real).sum(), real, create_graph=True)
        return 0.5 * gradient.pow(2).sum(dim=1).mean()

    assert failed(check_r1_penalty(on_the_callers_batch)) == ["leaves the caller's batch unchanged"]
    assert failed(check_r1_penalty(lambda discriminator, real: 1 / 0)) == ["the function runs"]
    assert failed(check_r1_penalty(lambda discriminator, real: 0.5)) == ["returns a scalar tensor"]


def test_a_report_wraps_long_hints_under_their_check():
    from gan_lib.book.exercises import Check, CheckReport

    hint = "compute it from logits with softplus or binary_cross_entropy_with_logits, " * 3
    text = str(CheckReport("exercise", [Check("exact for a confident D", False, hint.strip()), Check("short", True)]))
    lines = text.splitlines()
    assert all(len(line) <= 88 for line in lines)
    assert lines[1].startswith("  [FAIL] exact for a confident D: compute")
    assert lines[2].startswith(" " * 9) and not lines[2].startswith(" " * 10)  # under the check's name
    assert lines[-2] == "  [ok] short" and lines[-1] == "  1 of 2 checks failed"
