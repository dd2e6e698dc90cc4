"""The theory of chapter 3 as numbers: the optimal discriminator and the Jensen-Shannon view.

For a fixed generator the best discriminator is D*(x) = p_data(x) / (p_data(x) + p_g(x))
(eq. 3.5), and the value of the game at D* is C(G) = -log 4 + 2 JSD(p_data || p_g)
(eq. 3.7). On 1D problems both densities can be computed: p_data in closed form
(gan_lib.data.Mixture1D) and p_g as a histogram of many generated samples
(`generator_bin_probabilities`). `fit_discriminator` trains a discriminator
alone against two fixed samplers, to check eq. 3.5 or to estimate V at (nearly) D*.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn

from .device import cpu_float64, float64_on_cpu
from .history import LossCurves
from .losses import bce_discriminator_loss
from .modes import evaluating
from .penalties import gradient_penalty

Sampler = Callable[[int, torch.Generator], torch.Tensor]  # (n, rng) -> samples (n, ...)


def optimal_discriminator(p_data: torch.Tensor, p_g: torch.Tensor) -> torch.Tensor:
    """Eq. (3.5): D*(x) = p_data(x) / (p_data(x) + p_g(x)), elementwise on two density tensors.
    Where both densities are 0 no discriminator output matters; we return 1/2 there."""
    if p_data.shape != p_g.shape:
        raise ValueError(f"p_data and p_g must have the same shape, got {tuple(p_data.shape)} and {tuple(p_g.shape)}")
    if bool((p_data < 0).any()) or bool((p_g < 0).any()):
        raise ValueError("densities must be non-negative")
    total = p_data + p_g
    return torch.where(total > 0, p_data / total.clamp_min(torch.finfo(total.dtype).tiny), torch.full_like(total, 0.5))


def _check_distributions(p: torch.Tensor, q: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"p and q must be 1D tensors of bin probabilities of equal length, got "
                         f"{tuple(p.shape)} and {tuple(q.shape)}")
    p, q = cpu_float64(p), cpu_float64(q)  # float64 on the CPU (MPS has none): call inside float64_on_cpu()
    for name, values in (("p", p), ("q", q)):
        if bool((values < 0).any()) or abs(float(values.sum()) - 1) > 1e-4:
            raise ValueError(f"{name} must be non-negative and sum to 1 (sums to {float(values.sum()):.6f}); "
                             "normalise it, or widen the bins so that no probability mass falls outside")
    return p, q


def _xlogy_ratio(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a * log(a / b), with 0 log 0 = 0."""
    return torch.where(a > 0, a * (torch.log(a) - torch.log(b.clamp_min(1e-300))), torch.zeros_like(a))


@float64_on_cpu()
def jensen_shannon_divergence(p: torch.Tensor, q: torch.Tensor) -> float:
    """Eq. (3.6): JSD(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m) with m = (p + q) / 2, in nats, for two
    discrete distributions (K,) such as bin probabilities. 0 when p = q, log 2 when they do not overlap."""
    p, q = _check_distributions(p, q)
    m = 0.5 * (p + q)
    return float(0.5 * _xlogy_ratio(p, m).sum() + 0.5 * _xlogy_ratio(q, m).sum())


@float64_on_cpu()
def kl_divergence(p: torch.Tensor, q: torch.Tensor) -> float:
    """KL(p || q) = sum p log(p / q) in nats for two discrete distributions (K,); infinite where q has
    no mass but p has."""
    p, q = _check_distributions(p, q)
    if bool(((p > 0) & (q == 0)).any()):
        return math.inf
    return float(_xlogy_ratio(p, q).sum())


@float64_on_cpu()
def pearson_chi_squared(p: torch.Tensor, q: torch.Tensor) -> float:
    """Pearson's chi^2(p || q) = sum (p - q)^2 / q for two discrete distributions (K,); bins where both
    are 0 count 0, bins where only q is 0 make it infinite."""
    p, q = _check_distributions(p, q)
    if bool(((p > 0) & (q == 0)).any()):
        return math.inf
    mask = q > 0
    return float(((p[mask] - q[mask]) ** 2 / q[mask]).sum())


@float64_on_cpu()
def wasserstein_1d(p: torch.Tensor, q: torch.Tensor, edges: torch.Tensor) -> float:
    """W1(p, q) = integral |F_p(x) - F_q(x)| dx for bin probabilities (K,) on `edges` (K + 1,): the
    earth mover's distance in 1D, exact up to the bin width."""
    p, q = _check_distributions(p, q)
    if edges.shape != (p.shape[0] + 1,):
        raise ValueError(f"edges must have one more entry than the bins: {tuple(edges.shape)} for {p.shape[0]} bins")
    widths = cpu_float64(edges).diff()
    return float(((p.cumsum(0) - q.cumsum(0)).abs()[:-1] * widths[1:]).sum())


@float64_on_cpu()
def optimal_value(p: torch.Tensor, q: torch.Tensor) -> float:
    """C(G) = V(D*, G) = E_p[log D*(x)] + E_q[log(1 - D*(x))] computed directly from eq. (3.5) for
    bin probabilities p (data) and q (model). Eq. (3.7) says this equals -log 4 + 2 JSD(p || q)."""
    p, q = _check_distributions(p, q)
    return float(_xlogy_ratio(p, p + q).sum() + _xlogy_ratio(q, p + q).sum())


def criterion_from_jsd(jsd: float) -> float:
    """Eq. (3.7): C(G) = -log 4 + 2 JSD(p_data || p_g)."""
    return -math.log(4) + 2 * jsd


def jsd_from_value(value: float) -> float:
    """Eq. (3.7) solved for the divergence: JSD = (V + log 4) / 2. With V measured at a trained,
    not exactly optimal D this is a lower bound on the true JSD (V(D, G) <= V(D*, G))."""
    return (value + math.log(4)) / 2


@torch.no_grad()
@float64_on_cpu()
def generator_bin_probabilities(generator: nn.Module, edges: torch.Tensor, num_samples: int = 200_000,
                                seed: int = 0, chunk: int = 50_000) -> torch.Tensor:
    """The probability p_g gives each bin between `edges`, for a generator with 1D output: the histogram of
    `num_samples` draws of G(z) (batch norm in eval mode, a seeded noise stream). The outer bins also hold
    the tails, so the result sums to 1. Monte Carlo error per bin is about sqrt(q (1 - q) / num_samples);
    the bias it adds to a JSD over K occupied bins is of order K / (8 num_samples) nats."""
    if edges.ndim != 1 or len(edges) < 2 or not bool((edges[1:] > edges[:-1]).all()):
        raise ValueError("bin edges must be a 1D, strictly increasing tensor with at least 2 entries, "
                         "e.g. torch.linspace(-6, 6, 241)")
    if tuple(getattr(generator, "output_shape", (1,))) != (1,):
        raise ValueError(f"generator_bin_probabilities needs a generator of 1D samples, got output shape "
                         f"{tuple(generator.output_shape)}; train on a 1D dataset such as 'bimodal-1d'")
    device = next(generator.parameters()).device
    rng = torch.Generator(device=device)
    rng.manual_seed(seed)
    sample = generator_sampler(generator)
    edges = cpu_float64(edges)  # binning in float64 on the CPU (MPS has no float64); G runs on its device
    counts = torch.zeros(len(edges) - 1, dtype=torch.float64)
    for start in range(0, num_samples, chunk):
        x = cpu_float64(sample(min(chunk, num_samples - start), rng)).squeeze(1)  # (n,)
        index = torch.bucketize(x.clamp(edges[0], edges[-1]), edges[1:-1], right=True)  # bin 0..K-1 of each x
        counts += torch.bincount(index, minlength=len(counts)).double()
    return counts / num_samples


def value_function(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """Eq. (3.1) estimated on samples: V(D, G) = mean log D(x) + mean log(1 - D(G(z))), the negative
    of D's loss, eq. (3.2)."""
    with torch.no_grad():
        return -float(bce_discriminator_loss(discriminator(real), discriminator(fake)))


def _fit(network: nn.Module, loss_of_batches, sample_real: Sampler, sample_fake: Sampler, steps: int,
         batch_size: int, lr: float, betas: tuple[float, float], seed: int) -> list[float]:
    """Minimise `loss_of_batches(real, fake, rng)` over `network`'s parameters on fresh batches from two
    fixed samplers, with Adam and a learning rate that decays linearly to 0 (the last steps average
    out sampling noise). Returns the loss at every step."""
    if not isinstance(steps, int) or steps <= 0 or not isinstance(batch_size, int) or batch_size <= 0:
        raise ValueError(f"steps and batch_size must be positive integers, got {steps!r} and {batch_size!r}")
    device = next(network.parameters()).device
    rng = torch.Generator(device=device)
    rng.manual_seed(seed)
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, betas=betas)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    curves = LossCurves("loss")
    for _ in range(steps):
        with torch.no_grad():
            real, fake = sample_real(batch_size, rng), sample_fake(batch_size, rng)
        loss = loss_of_batches(real, fake, rng)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        curves.record(loss=loss)
    return curves.as_lists()["loss"]


def fit_discriminator(discriminator: nn.Module, sample_real: Sampler, sample_fake: Sampler, steps: int = 1000,
                      batch_size: int = 512, lr: float = 2e-3, seed: int = 0) -> list[float]:
    """Train `discriminator` alone: minimise D's loss (eq. 3.2) on fresh batches from two fixed samplers,
    with Adam and a learning rate that decays linearly to 0 (the last steps average out sampling noise).
    Returns D's loss at every step. Samplers are called as `sample(n, rng)` with a seeded torch.Generator."""
    def loss(real, fake, rng):
        return bce_discriminator_loss(discriminator(real), discriminator(fake))  # eq. (3.2)

    return _fit(discriminator, loss, sample_real, sample_fake, steps, batch_size, lr, (0.5, 0.999), seed)


def fit_wasserstein_critic(critic: nn.Module, sample_real: Sampler, sample_fake: Sampler, steps: int = 2000,
                           batch_size: int = 512, lr: float = 1e-3, penalty_weight: float = 10.0,
                           seed: int = 0) -> list[float]:
    """Train `critic` alone as WGAN-GP's critic (Gulrajani et al., 2017; chapter 5, eq-wgan-critic and
    eq-wgan-gp): minimise E_fake[f] - E_real[f] + lambda E[(||grad f(x_hat)|| - 1)^2] against two fixed
    samplers, Adam with beta = (0, 0.9) and a linearly decaying learning rate. Afterwards
    `wasserstein_estimate(critic, real, fake)` estimates W1 (Kantorovich-Rubinstein duality); the
    penalty keeps the critic only near 1-Lipschitz, so the estimate can also lie a little above W1."""
    def loss(real, fake, rng):
        return (critic(fake).mean() - critic(real).mean()
                + penalty_weight * gradient_penalty(critic, real, fake, rng))

    return _fit(critic, loss, sample_real, sample_fake, steps, batch_size, lr, (0.0, 0.9), seed)


def wasserstein_estimate(critic: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> float:
    """E_real[f] - E_fake[f]: for a 1-Lipschitz f a lower bound on W1(p_real, p_fake), equal to it at
    the best such f (Kantorovich-Rubinstein duality); for a critic that is only nearly 1-Lipschitz,
    an estimate of W1."""
    with torch.no_grad():
        return float(critic(real).mean() - critic(fake).mean())


def generator_sampler(generator: nn.Module) -> Sampler:
    """A `Sampler` drawing G(z), z ~ N(0, I), without gradients and with batch norm in eval mode."""
    device = next(generator.parameters()).device

    def sample(n: int, rng: torch.Generator) -> torch.Tensor:
        with evaluating(generator), torch.no_grad():
            return generator(torch.randn(n, generator.latent_dim, generator=rng, device=device))
    return sample


# The Dirac-GAN (Mescheder, Geiger and Nowozin, 2018): the data are a point mass at 0, the generator a
# point mass at theta, the discriminator the line D(x) = psi * x (a logit). The value function
#     V(theta, psi) = log sigma(psi * 0) + log(1 - sigma(psi * theta)) = log(1/2) + log sigma(-psi theta)
# is minimised by G (over theta) and maximised by D (over psi); the equilibrium is theta = psi = 0.
# An R1 penalty gamma/2 ||grad_x D||^2 = gamma/2 psi^2 is subtracted from D's objective.

def dirac_gan_field(theta: torch.Tensor, psi: torch.Tensor, gamma: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The gradient vector field of the Dirac-GAN: (-dV/dtheta, dV/dpsi - gamma psi), the directions of
    G's gradient descent and of D's (R1-penalised) gradient ascent, elementwise on tensors."""
    sigma = torch.sigmoid(psi * theta)
    return psi * sigma, -theta * sigma - gamma * psi


@float64_on_cpu()
def dirac_gan_jacobian(gamma: float = 0.0) -> torch.Tensor:
    """The Jacobian (2, 2) of `dirac_gan_field` at the equilibrium (0, 0), by automatic differentiation,
    in float64. Its eigenvalues decide whether small gradient steps converge to the equilibrium."""
    def field(point):
        return torch.stack(dirac_gan_field(point[0], point[1], gamma))

    return torch.autograd.functional.jacobian(field, torch.zeros(2, dtype=torch.float64))


@float64_on_cpu()
def dirac_gan_trajectory(theta: float, psi: float, lr: float, steps: int, alternating: bool = False,
                         gamma: float = 0.0) -> torch.Tensor:
    """(steps + 1, 2) points (theta, psi) of gradient steps on the Dirac-GAN from (theta, psi), float64.
    Simultaneous steps move both players from the same point; alternating steps (Algorithm 1 with one D
    step) move D first and then G against the new D."""
    if lr <= 0 or steps <= 0:
        raise ValueError(f"lr and steps must be positive, got {lr} and {steps}")
    point = torch.tensor([theta, psi], dtype=torch.float64)
    path = [point]
    for _ in range(steps):
        t, p = point
        if alternating:
            p = p + lr * dirac_gan_field(t, p, gamma)[1]
            t = t + lr * dirac_gan_field(t, p, gamma)[0]
        else:
            d_theta, d_psi = dirac_gan_field(t, p, gamma)
            t, p = t + lr * d_theta, p + lr * d_psi
        point = torch.stack([t, p])
        path.append(point)
    return torch.stack(path)
