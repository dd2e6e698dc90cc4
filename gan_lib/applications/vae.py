"""A variational autoencoder (Kingma & Welling, 2014), the GAN's closest rival (chapter 9).

It trains on the same seeded batch streams as the GANs (`gan_lib.data.make_batches`) with
the same latent size (the dataset's default in `gan_lib.models`), so the two can be compared
sample for sample with the same metrics.

Model: an encoder q(z | x) = N(mu(x), diag sigma^2(x)) and a decoder p(x | z) = N(g(z), s^2 I)
with a fixed observation standard deviation s, both multilayer perceptrons on flattened inputs.
Training maximises the evidence lower bound (chapter 9, eq. `eq-elbo`):

    ELBO(x) = E_{q(z|x)}[log p(x | z)] - KL(q(z | x) || N(0, I))  <=  log p(x)

which, per example and up to a constant, is minus
    ||x - g(z)||^2 / (2 s^2)  +  1/2 * sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2),
with z = mu + sigma * eps, eps ~ N(0, I) (the reparameterisation trick).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from ..data import is_toy, make_batches
from ..device import select_device
from ..models import default_model_config
from ..modes import evaluating
from ..validation import require_positive, require_positive_ints


@dataclass
class VAEConfig:
    """Everything that defines a VAE run. Defaults suit the 2D toy data; override by keyword."""

    dataset: str = "ring"  # ring, grid, spiral, gaussian, digits or fashion-mnist
    latent_dim: int | None = None  # size of z; None: the GAN's default for the dataset (2 toy, 32 digits, 64 F-MNIST)
    hidden: int = 128  # units in each hidden layer of the encoder and the decoder
    depth: int = 3  # hidden layers in each (the toy GANs' MLPs have 3)
    observation_std: float = 0.1  # s in p(x|z) = N(g(z), s^2 I): smaller trusts reconstructions more, the prior less
    steps: int = 2000  # optimiser steps
    batch_size: int = 256  # examples per batch
    lr: float = 1e-3  # Adam learning rate
    seed: int = 0  # seeds the weights, the noise and the data order
    device: str = "auto"  # auto (CUDA, MPS, CPU), cpu, cuda or mps
    log_every: int = 10  # record a row of `losses` every this many steps
    data_root: str | None = None  # where to look for Fashion-MNIST

    def __post_init__(self):
        require_positive_ints(self, ("hidden", "depth", "steps", "batch_size", "log_every"))
        require_positive(self, ("observation_std", "lr"))
        is_toy(self.dataset)  # an unknown dataset name lists the valid ones
        if self.latent_dim is None:
            self.latent_dim = default_model_config(self.dataset).latent_dim

    def to_dict(self) -> dict:
        return asdict(self)


def _mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class VAE(nn.Module):
    """Encoder x (B, *sample_shape) -> (mu, log_var), each (B, latent_dim); decoder z -> x.
    Image decoders end in tanh (pixels lie in [-1, 1]); toy decoders are linear."""

    def __init__(self, sample_shape: tuple[int, ...], latent_dim: int, hidden: int = 128, depth: int = 3,
                 bounded_output: bool = False):
        super().__init__()
        self.sample_shape, self.latent_dim = tuple(sample_shape), latent_dim
        data_dim = math.prod(self.sample_shape)
        self.encoder = _mlp([data_dim] + [hidden] * depth + [2 * latent_dim])
        self.decoder = _mlp([latent_dim] + [hidden] * depth + [data_dim])
        self.output = nn.Tanh() if bounded_output else nn.Identity()

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if tuple(x.shape[1:]) != self.sample_shape:
            raise ValueError(f"VAE expects inputs of shape (B, {', '.join(map(str, self.sample_shape))}), "
                             f"got {tuple(x.shape)}")
        mu, log_var = self.encoder(x.flatten(1)).chunk(2, dim=1)  # (B, latent_dim) each
        return mu, log_var

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.output(self.decoder(z)).reshape(len(z), *self.sample_shape)  # (B, *sample_shape)

    def forward(self, x: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Reconstruction of x through z = mu + sigma * eps, with the posterior's mu and log_var."""
        mu, log_var = self.encode(x)
        z = mu + torch.exp(0.5 * log_var) * eps  # the reparameterisation trick: gradients flow to mu and sigma
        return self.decode(z), mu, log_var


def gaussian_kl(mu: torch.Tensor, log_var: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, diag exp(log_var)) || N(0, I)) per example, (B,): 1/2 sum_j (mu^2 + sigma^2 - 1 - log sigma^2)."""
    return 0.5 * (mu.pow(2) + log_var.exp() - 1.0 - log_var).sum(dim=1)


def negative_elbo(x: torch.Tensor, reconstruction: torch.Tensor, mu: torch.Tensor, log_var: torch.Tensor,
                  observation_std: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Minus eq. `eq-elbo`, averaged over the batch, dropping the constant (D/2) log(2 pi s^2).
    Returns (loss, reconstruction term, KL term), each a scalar."""
    reconstruction_term = (x - reconstruction).flatten(1).pow(2).sum(dim=1) / (2 * observation_std ** 2)  # (B,)
    kl = gaussian_kl(mu, log_var)  # (B,)
    return (reconstruction_term + kl).mean(), reconstruction_term.mean(), kl.mean()


class VAETrainer:
    """Trains a `VAE` with Adam on a seeded batch stream; `fit()` then `sample(n)`, like `gan_lib.Trainer`."""

    def __init__(self, config: VAEConfig, model: VAE, batches):
        self.config = config
        self.device = select_device(config.device)
        self.model = model.to(self.device)
        self.batches = batches
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.rng = torch.Generator(device=self.device)  # the reparameterisation noise
        self.rng.manual_seed(config.seed + 1)
        self.step = 0
        self.losses: list[dict] = []  # rows of step, loss (negative ELBO), reconstruction, kl

    @classmethod
    def from_config(cls, config: VAEConfig) -> "VAETrainer":
        torch.manual_seed(config.seed)
        device = select_device(config.device)
        batches = make_batches(config.dataset, config.batch_size, device, config.seed, root=config.data_root)
        model = VAE(batches.sample_shape, config.latent_dim, config.hidden, config.depth,
                    bounded_output=not is_toy(config.dataset))
        return cls(config, model, batches)

    def train_step(self) -> None:
        x, _ = self.batches.next_batch()
        eps = torch.randn(len(x), self.config.latent_dim, generator=self.rng, device=self.device)
        reconstruction, mu, log_var = self.model(x, eps)
        loss, reconstruction_term, kl = negative_elbo(x, reconstruction, mu, log_var, self.config.observation_std)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        if self.step % self.config.log_every == 0 or self.step == 1:
            self.losses.append({"step": self.step, "loss": float(loss.detach()), "reconstruction": float(reconstruction_term.detach()),
                                "kl": float(kl.detach())})

    def fit(self) -> list[dict]:
        """Train until `config.steps` steps are done; returns the loss rows."""
        self.model.train()
        while self.step < self.config.steps:
            self.train_step()
        return self.losses

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> torch.Tensor:
        """`n` samples g(z), z ~ N(0, I), on the CPU (the decoder's mean: no observation noise added)."""
        rng = torch.Generator(device=self.device)
        rng.manual_seed(seed)
        z = torch.randn(n, self.config.latent_dim, generator=rng, device=self.device)
        with evaluating(self.model):
            return self.model.decode(z).cpu()

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The decoder's mean at the posterior mean: g(mu(x)), on the CPU."""
        with evaluating(self.model):
            mu, _ = self.model.encode(x.to(self.device))
            return self.model.decode(mu).cpu()


__all__ = ["VAE", "VAEConfig", "VAETrainer", "gaussian_kl", "negative_elbo"]
