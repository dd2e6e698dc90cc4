"""Checkers for the book's code exercises: chapter 3 (a gradient step on the Dirac-GAN), chapter 4
(fix the article's training loop), chapter 5 (the R1 penalty), chapter 7 (the Fréchet distance) and
chapter 8 (mode coverage on toy data).

Each checker calls the reader's function on small seeded networks, compares it with the
library's own implementation, and returns a `CheckReport` that says, check by check, what is
right and what to change. Nothing is hidden: the references are `gan_lib.losses`.

    report = check_discriminator_loss(my_d_loss)   # my_d_loss(discriminator, generator, real, z)
    print(report)                                   # one line per check, with a hint where it fails
"""
from __future__ import annotations

import copy
import textwrap
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..device import float64_on_cpu
from ..losses import bce_discriminator_loss, minimax_generator_loss, non_saturating_generator_loss
from ..metrics.distances import frechet_distance
from ..metrics.toy import mode_coverage
from ..models import MLPDiscriminator, MLPGenerator
from .tables import LINE_WIDTH


@dataclass(frozen=True)
class Check:
    name: str  # what was checked, e.g. "G is held fixed"
    passed: bool
    hint: str = ""  # what to change when it failed


@dataclass
class CheckReport:
    exercise: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(check.passed for check in self.checks)

    def __str__(self) -> str:
        """One line per check (a failed one with its hint), wrapped at LINE_WIDTH characters, the width
        of the book's code boxes."""
        lines = [f"{self.exercise}:"]
        for check in self.checks:
            line = f"  [{'ok' if check.passed else 'FAIL'}] {check.name}"
            if not check.passed:
                line += f": {check.hint}"
            lines.append(textwrap.fill(line, LINE_WIDTH, subsequent_indent=" " * 9, break_on_hyphens=False))
        failed = sum(not check.passed for check in self.checks)
        lines.append("  all checks passed" if self.passed else f"  {failed} of {len(self.checks)} checks failed")
        return "\n".join(lines)

    __repr__ = __str__


def _setup(seed: int = 0):
    """Tiny seeded networks and batches: G (z of 2 -> 2D points), D (2D points -> logits)."""
    torch.manual_seed(seed)
    generator, discriminator = MLPGenerator(2, 2, 16, 1), MLPDiscriminator(2, 16, 1)
    rng = torch.Generator().manual_seed(seed)
    real = torch.randn(64, 2, generator=rng) + 1.5  # (64, 2)
    z = torch.randn(64, 2, generator=rng)  # (64, 2)
    return generator, discriminator, real, z


def _confident(discriminator: nn.Module) -> nn.Module:
    """A copy of D whose logits are 500 times larger: probabilities round to exactly 0 or 1 in float32."""
    confident = copy.deepcopy(discriminator)
    last = [m for m in confident.modules() if isinstance(m, nn.Linear)][-1]
    with torch.no_grad():
        last.weight.mul_(500.0)
        last.bias.mul_(500.0)
    return confident


def _gradients(module: nn.Module) -> list[torch.Tensor | None]:
    return [None if p.grad is None else p.grad.detach().clone() for p in module.parameters()]


def _zero_grads(*modules: nn.Module) -> None:
    for module in modules:
        for parameter in module.parameters():
            parameter.grad = None


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.isfinite(a).all()) and torch.allclose(a, b, rtol=1e-4, atol=1e-5)


def _check_value(report: CheckReport, name: str, value: torch.Tensor, reference: torch.Tensor, hint: str,
                 known_slips: list[tuple[torch.Tensor, str]]) -> None:
    """Record whether `value` equals `reference`; if it equals a known wrong answer instead, its hint says which."""
    hint = next((slip_hint for slip, slip_hint in known_slips if _close(value, slip)), hint)
    report.checks.append(Check(name, _close(value, reference), hint))


def _raised(error: Exception) -> str:
    """The hint when the reader's function raised: what it raised."""
    return f"it raised {type(error).__name__}: {error}"


def _check_cases(report: CheckReport, cases: dict, reference: Callable, judge: Callable) -> None:
    """One check per named case: `reference(case)` is the library's answer, and `judge(case, expected)`
    runs the reader's function on the case and returns (right, hint). When the reader's code raises,
    that case fails with what it raised, and the other cases still run."""
    for name, case in cases.items():
        expected = reference(case)
        try:
            right, hint = judge(case, expected)
        except Exception as error:  # the reader's code: report any failure instead of raising
            right, hint = False, _raised(error)
        report.checks.append(Check(name, right, hint))


def _call(report: CheckReport, function: Callable, *args) -> torch.Tensor | None:
    try:
        value = function(*args)
    except Exception as error:  # the reader's code: report any failure instead of raising
        report.checks.append(Check("the function runs", False, _raised(error)))
        return None
    if not isinstance(value, torch.Tensor) or value.numel() != 1 or not value.requires_grad:
        report.checks.append(Check("returns a differentiable scalar tensor", False,
                                   f"got {type(value).__name__} {tuple(getattr(value, 'shape', ()))}; return the loss "
                                   "itself (a 0-dim tensor with a graph), not .item() or a detached value"))
        return None
    report.checks.append(Check("returns a differentiable scalar tensor", True))
    return value.reshape(())


def check_discriminator_loss(discriminator_loss: Callable) -> CheckReport:
    """Check `discriminator_loss(discriminator, generator, real, z) -> scalar`, the loss of D's update
    step: L_D of eq. (3.2) with real data labelled 1, G(z) labelled 0, G held fixed, on logits."""
    report = CheckReport("discriminator loss (eq. 3.2)")
    generator, discriminator, real, z = _setup()
    value = _call(report, discriminator_loss, discriminator, generator, real, z)
    if value is None:
        return report
    with torch.no_grad():
        real_logits, fake_logits = discriminator(real), discriminator(generator(z))
        reference = bce_discriminator_loss(real_logits, fake_logits)
        same_output = bce_discriminator_loss(real_logits, real_logits)
        swapped = bce_discriminator_loss(-real_logits, -fake_logits)
    _check_value(report, "value is L_D of eq. (3.2)", value.detach(), reference,
                 "expected mean softplus(-D(x)) + mean softplus(D(G(z)))",
                 [(same_output, "the fake term uses D's output on the real batch; compute D(G(z)) for it"),
                  (swapped, "the labels are swapped: real data is labelled 1, generated data 0")])

    _zero_grads(generator, discriminator)
    value.backward()
    leaked = any(g is not None and bool(g.abs().sum() > 0) for g in _gradients(generator))
    report.checks.append(Check("G is held fixed (no gradient reaches G)", not leaked,
                               "use generator(z).detach(), or compute G(z) under torch.no_grad()"))
    yours = _gradients(discriminator)
    _zero_grads(discriminator)
    bce_discriminator_loss(discriminator(real), discriminator(generator(z).detach())).backward()
    right_gradient = all(a is not None and _close(a, b) for a, b in zip(yours, _gradients(discriminator)))
    report.checks.append(Check("gradient with respect to D's weights", right_gradient,
                               "D's gradient differs from that of L_D; fix the value first"))

    confident = _confident(discriminator)
    stable_value = _call(CheckReport("scratch"), discriminator_loss, confident, generator, real, z)
    with torch.no_grad():
        stable_reference = bce_discriminator_loss(confident(real), confident(generator(z)))
    stable = stable_value is not None and _close(stable_value.detach(), stable_reference)
    report.checks.append(Check("exact for a confident D (works on logits)", stable,
                               "compute it from logits with F.softplus or F.binary_cross_entropy_with_logits: "
                               "sigmoid probabilities round to 0 or 1 and BCELoss clips log(0) to -100"))
    return report


def check_generator_loss(generator_loss: Callable) -> CheckReport:
    """Check `generator_loss(discriminator, generator, z) -> scalar`, the loss of G's update step: the
    non-saturating L_G = -E[log D(G(z))] of eq. (3.4), on logits, with gradients reaching G."""
    report = CheckReport("non-saturating generator loss (eq. 3.4)")
    generator, discriminator, _, z = _setup(seed=1)
    value = _call(report, generator_loss, discriminator, generator, z)
    if value is None:
        return report
    with torch.no_grad():
        fake_logits = discriminator(generator(z))
        reference = non_saturating_generator_loss(fake_logits)
        saturating = minimax_generator_loss(fake_logits)
        wrong_label = F.softplus(fake_logits).mean()  # BCE with label 0 (fake) for the generated batch
    _check_value(report, "value is L_G of eq. (3.4)", value.detach(), reference,
                 "expected mean softplus(-D(G(z))), i.e. -log D(G(z)) with target 1 for the generated batch",
                 [(saturating, "this is the saturating minimax loss, eq. (3.3); minimise -log D(G(z)) instead"),
                  (wrong_label, "G labels its samples 0 (fake); it wants D to call them real, so use target 1")])

    _zero_grads(generator, discriminator)
    value.backward()
    yours = _gradients(generator)
    _zero_grads(generator)
    non_saturating_generator_loss(discriminator(generator(z))).backward()
    right_gradient = all(a is not None and _close(a, b) for a, b in zip(yours, _gradients(generator)))
    report.checks.append(Check("gradient reaches G and is right", right_gradient,
                               "do not detach G(z) in G's step: the gradient must flow through D into G"))

    confident = _confident(discriminator)
    stable_value = _call(CheckReport("scratch"), generator_loss, confident, generator, z)
    with torch.no_grad():
        stable_reference = non_saturating_generator_loss(confident(generator(z)))
    stable = stable_value is not None and _close(stable_value.detach(), stable_reference)
    report.checks.append(Check("exact for a confident D (works on logits)", stable,
                               "compute it from logits with F.softplus or F.binary_cross_entropy_with_logits"))
    return report


# --- chapter 7: the Fréchet distance ------------------------------------------------------------

def _run_number(report: CheckReport, function: Callable, *args) -> float | None:
    """Call the reader's metric; record whether it runs and returns one finite number."""
    try:
        value = float(function(*args))
    except Exception as error:  # the reader's code: report any failure instead of raising
        report.checks.append(Check("the function runs and returns a number", False, _raised(error)))
        return None
    finite = value == value and abs(value) != float("inf")
    report.checks.append(Check("the function runs and returns a number", finite, f"it returned {value}"))
    return value if finite else None


def _elementwise_sqrt_fd(a, b) -> float:
    """The classic slip: the square root of Sigma_a Sigma_b taken entry by entry."""
    import numpy as np

    mean_a, mean_b, cov_a, cov_b = a.mean(0), b.mean(0), np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    product = np.sqrt(np.abs(cov_a @ cov_b))
    return float(((mean_a - mean_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * product))


def check_frechet_distance(frechet: Callable) -> CheckReport:
    """Check `frechet(features_a, features_b) -> float` for NumPy arrays (N, D): the Fréchet distance
    ||mu_a - mu_b||^2 + Tr(Sigma_a + Sigma_b - 2 (Sigma_a Sigma_b)^(1/2)) between fitted Gaussians
    (unbiased covariances), against `gan_lib.metrics.frechet_distance` on sets with known answers."""
    import numpy as np

    report = CheckReport("Fréchet distance (chapter 7)")
    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 4)) @ np.diag([1.0, 2.0, 0.5, 1.5])  # (500, 4), unequal variances
    mixing = rng.normal(size=(4, 4))
    b = rng.normal(size=(400, 4)) @ mixing + 0.3  # (400, 4), correlated and shifted
    identical = _run_number(report, frechet, a, a.copy())
    if identical is None:
        return report
    report.checks.append(Check("0 for two identical sets", abs(identical) < 1e-6,
                               f"got {identical:.4g}; check the trace term: Tr(2 Sigma - 2 (Sigma Sigma)^(1/2)) is 0"))
    shift = np.array([1.0, -2.0, 0.0, 0.5])  # moving every point moves the mean only: FD = |shift|^2 = 5.25
    shifted = _run_number(CheckReport("scratch"), frechet, a, a + shift)
    report.checks.append(Check("a shift by d gives |d|^2 = 5.25", shifted is not None and abs(shifted - 5.25) < 1e-4,
                               f"got {shifted}; the mean term is the squared Euclidean norm of mu_a - mu_b"))
    general = _run_number(CheckReport("scratch"), frechet, a, b)
    reference = frechet_distance(a, b)
    hint = f"got {general}, expected {reference:.4f}"
    if general is not None and abs(general - _elementwise_sqrt_fd(a, b)) < 1e-6 * max(1.0, reference):
        hint = "the square root must be the matrix square root of Sigma_a @ Sigma_b (scipy.linalg.sqrtm), not np.sqrt"
    report.checks.append(Check("correlated, shifted sets match gan_lib.metrics.frechet_distance",
                               general is not None and abs(general - reference) < 1e-6 * max(1.0, reference), hint))
    return report


# --- chapter 8: mode coverage ------------------------------------------------------------------

@dataclass(frozen=True)
class _Modes:
    """What `mode_coverage` needs of a toy distribution."""

    name: str
    modes: torch.Tensor  # (K, 2)
    std: float


@float64_on_cpu()  # the Dirac-GAN's points are float64 CPU tensors
def check_dirac_gan_step(step: Callable) -> CheckReport:
    """Check `step(theta, psi, lr, gamma) -> (theta, psi)`: one *simultaneous* gradient step on the
    Dirac-GAN of chapter 3 (G descends V(theta, psi) = log(1/2) + log sigma(-psi theta) in theta, D
    ascends V - gamma/2 psi^2 in psi, both from the same point), against `gan_lib.theory`."""
    from ..theory import dirac_gan_trajectory

    report = CheckReport("one simultaneous gradient step on the Dirac-GAN (chapter 3)")
    cases = {"from (1, 1), lr 0.1": (1.0, 1.0, 0.1, 0.0), "from (-0.5, 2), lr 0.3": (-0.5, 2.0, 0.3, 0.0),
             "with R1, gamma 1": (1.0, 1.0, 0.1, 1.0), "at the equilibrium (0, 0)": (0.0, 0.0, 0.1, 0.0)}

    def judge(case, expected):
        got = torch.tensor([float(v) for v in step(*case)], dtype=torch.float64)
        return bool(torch.allclose(got, expected, atol=1e-9)), (
            f"got ({got[0]:.6f}, {got[1]:.6f}), expected ({expected[0]:.6f}, {expected[1]:.6f}); "
            "dV/dtheta = -psi sigma(psi theta) and dV/dpsi = -theta sigma(psi theta), G steps against "
            "its gradient, D along its own minus gamma psi, both from the old point")

    def one_step(case):
        theta, psi, lr, gamma = case
        return dirac_gan_trajectory(theta, psi, lr, 1, gamma=gamma)[1]

    _check_cases(report, cases, one_step, judge)
    return report


def check_mode_coverage(coverage: Callable) -> CheckReport:
    """Check `coverage(samples, modes, std) -> (modes_captured, high_quality_fraction)` for samples (N, 2),
    mode centres (K, 2) and the modes' standard deviation: the VEEGAN/PacGAN protocol of chapter 8
    (a sample is high quality within 3 std of its nearest mode; a mode is captured when it is the
    nearest mode of at least one high-quality sample), against `gan_lib.metrics.mode_coverage`."""
    report = CheckReport("modes captured and % high quality (chapter 8)")
    modes, std = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]), 0.05
    cases = {
        "two samples exactly on two modes": torch.tensor([[0.0, 0.0], [1.0, 0.0]]),
        "samples at 2.9 and 3.1 std from a mode": torch.tensor([[2.9 * std, 0.0], [0.0, 1.0 + 3.1 * std]]),
        "a sample halfway between two modes is not high quality": torch.tensor([[0.5, 0.0], [0.0, 1.0]]),
        "600 random samples around the modes": modes[torch.arange(600) % 2] + 0.12 * torch.randn(
            600, 2, generator=torch.Generator().manual_seed(0)),
    }

    def judge(samples, expected):
        captured, fraction = coverage(samples.clone(), modes.clone(), std)
        right = int(captured) == expected.modes_captured and abs(float(fraction) - expected.high_quality_fraction) < 1e-6
        return right, (f"got ({captured}, {float(fraction):.4f}), expected ({expected.modes_captured}, "
                       f"{expected.high_quality_fraction:.4f}); a sample counts when its distance to the nearest mode "
                       "is at most 3 * std, and it is assigned to that nearest mode only")

    _check_cases(report, cases, lambda samples: mode_coverage(samples, _Modes("check", modes, std)), judge)
    return report


# --- chapter 5: the R1 penalty ----------------------------------------------------------------

def check_r1_penalty(r1: Callable) -> CheckReport:
    """Check `r1(discriminator, real) -> scalar`, the R1 penalty of chapter 5, eq. (5.8), without its
    weight: 1/2 E_x ||grad_x D(x)||_2^2 on a real batch (D's logit), differentiable with respect to
    D's weights, and leaving the caller's batch as it was. The reference is
    `gan_lib.penalties.r1_penalty`."""
    from ..penalties import r1_penalty

    report = CheckReport("R1 penalty (chapter 5, eq. (5.8))")
    _, discriminator, real, _ = _setup(seed=1)
    reference = r1_penalty(discriminator, real)
    _zero_grads(discriminator)
    reference.backward()
    reference_gradients = _gradients(discriminator)
    _zero_grads(discriminator)
    batch = real.clone()
    try:
        value = r1(discriminator, batch)
    except Exception as error:  # the reader's code: report any failure instead of raising
        report.checks.append(Check("the function runs", False, _raised(error)))
        return report
    if not isinstance(value, torch.Tensor) or value.numel() != 1:
        report.checks.append(Check("returns a scalar tensor", False,
                                   f"got {type(value).__name__} {tuple(getattr(value, 'shape', ()))}; "
                                   "return the mean over the batch as a 0-dim tensor"))
        return report
    report.checks.append(Check("returns a scalar tensor", True))
    value = value.reshape(())
    x = real.clone().requires_grad_(True)
    (input_gradient,) = torch.autograd.grad(discriminator(x).sum(), x)
    squared = input_gradient.pow(2).sum(dim=1)  # (B,)
    slips = [(2 * reference.detach(), "twice the reference: the penalty is (gamma / 2) E||grad||^2; "
                                      "return 1/2 E||grad||^2 (the trainer multiplies by gamma)"),
             (squared.sqrt().mean(), "this is the mean gradient norm; square it"),
             (0.5 * squared.sqrt().mean(), "this is half the mean gradient norm; square the norm"),
             (input_gradient.pow(2).mean(), "averaged over every coordinate: sum the squares over "
                                            "each example's inputs, then average over the batch")]
    _check_value(report, "value is 1/2 E||grad_x D(x)||^2", value.detach(), reference.detach(),
                 "the value differs from 1/2 E_x ||grad_x D(x)||^2 over the real batch", slips)
    trains_d = value.requires_grad
    if trains_d:
        _zero_grads(discriminator)
        try:
            value.backward()
            gradients = _gradients(discriminator)
            trains_d = any(g is not None for g in gradients) and all(
                (g is None and r is None) or (g is not None and r is not None and _close(g, r))
                for g, r in zip(gradients, reference_gradients))
        except RuntimeError:
            trains_d = False
    report.checks.append(Check("differentiable with respect to D's weights", trains_d,
                               "pass create_graph=True to torch.autograd.grad, so that the penalty's "
                               "own gradient reaches D's weights (and check the value first)"))
    untouched = not batch.requires_grad and torch.equal(batch, real)
    report.checks.append(Check("leaves the caller's batch unchanged", untouched,
                               "differentiate with respect to a copy, real.detach().requires_grad_(True), "
                               "not the batch the trainer passed in"))
    return report


__all__ = [
    "Check", "CheckReport", "check_dirac_gan_step", "check_discriminator_loss", "check_frechet_distance",
    "check_generator_loss", "check_mode_coverage", "check_r1_penalty"
]
