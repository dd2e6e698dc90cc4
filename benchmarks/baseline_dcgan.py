"""The comparison point of the speed benchmark: a training loop in the style of PyTorch's
official DCGAN example (pytorch/examples, dcgan/main.py), adapted to 28x28 Fashion-MNIST.

What makes it "the official style", and is kept on purpose:
- data through `torchvision.datasets.FashionMNIST` with `ToTensor()` + `Normalize((0.5,), (0.5,))`
  per sample, batched by a `DataLoader` with worker processes;
- one generator forward per iteration: the same fake batch is detached for D's update and
  reused for G's update, and D's weights keep `requires_grad` during G's update;
- sigmoid-free BCE on logits (`BCEWithLogitsLoss`, the numerically safe form of the example's
  `Sigmoid` + `BCELoss`), Adam(lr=2e-4, betas=(0.5, 0.999)).

This is benchmark code, not part of gan_lib: the book never trains with it.
"""
from __future__ import annotations

import gzip
import shutil
import tempfile
from pathlib import Path

import torch
from torch import nn

from gan_lib.data.images import fashion_mnist_roots
from gan_lib.models import dcgan_init

FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def torchvision_root(root: str | None = None) -> Path:
    """A directory laid out as torchvision's FashionMNIST expects (FashionMNIST/raw/*-ubyte),
    made from the IDX files gan_lib finds (Debian's package, GAN_LIB_DATA or ./data)."""
    target = Path(tempfile.mkdtemp(prefix="fmnist_tv_"))
    raw = target / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for name in FILES:
        for directory in fashion_mnist_roots(root):
            for candidate in (directory / f"{name}.gz", directory / name, directory / "FashionMNIST" / "raw" / name):
                if candidate.exists():
                    opener = gzip.open if candidate.suffix == ".gz" else open
                    with opener(candidate, "rb") as source, open(raw / name, "wb") as out:
                        shutil.copyfileobj(source, out)
                    break
            if (raw / name).exists():
                break
        if not (raw / name).exists():
            raise FileNotFoundError(f"Fashion-MNIST file {name} not found; run `make data` first")
    return target


def official_dataloader(batch_size: int = 128, workers: int = 2, root: str | None = None, seed: int = 0):
    """The example's input pipeline: PIL images -> ToTensor -> Normalize, shuffled by a DataLoader."""
    import torchvision
    from torchvision import transforms

    dataset = torchvision.datasets.FashionMNIST(
        str(torchvision_root(root)), train=True, download=False,
        transform=transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))]))
    return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=workers,
                                       drop_last=True, persistent_workers=workers > 0,
                                       generator=torch.Generator().manual_seed(seed))


class OfficialGenerator(nn.Module):
    """The example's generator (nz=100, ngf=64), its 64x64 stack cut to 28x28: z -> (1, 28, 28)."""

    def __init__(self, nz: int = 100, ngf: int = 64):
        super().__init__()
        self.latent_dim = nz
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),  # (4ngf, 7, 7)
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),  # 14x14
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),  # (ngf, 28, 28)
            nn.ConvTranspose2d(ngf, 1, 3, 1, 1, bias=False), nn.Tanh(),  # (1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z[:, :, None, None])


class OfficialDiscriminator(nn.Module):
    """The example's discriminator (ndf=64) for 28x28 inputs: (1, 28, 28) -> logit (B,)."""

    def __init__(self, ndf: int = 64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),  # (ndf, 14, 14)
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),  # 7x7
            nn.Conv2d(ndf * 2, ndf * 4, 3, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),  # 4x4
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),  # (1, 1, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten()


class OfficialStyleTrainer:
    """The example's loop body as a resumable object: `step()` takes one D and one G update."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, loader, device: torch.device,
                 lr: float = 2e-4, betas=(0.5, 0.999), seed: int = 0):
        torch.manual_seed(seed)
        self.device = device
        self.generator, self.discriminator = generator.to(device), discriminator.to(device)
        self.loader, self._iterator = loader, iter(loader)
        self.criterion = nn.BCEWithLogitsLoss()
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)
        self.opt_g = torch.optim.Adam(self.generator.parameters(), lr=lr, betas=betas)

    def _next_real(self) -> torch.Tensor:
        try:
            images, _ = next(self._iterator)
        except StopIteration:
            self._iterator = iter(self.loader)
            images, _ = next(self._iterator)
        return images.to(self.device)

    def step(self) -> None:
        real = self._next_real()
        batch = len(real)
        ones = torch.ones(batch, device=self.device)
        zeros = torch.zeros(batch, device=self.device)
        # Update D: maximise log D(x) + log(1 - D(G(z)))
        self.discriminator.zero_grad()
        loss_real = self.criterion(self.discriminator(real), ones)
        loss_real.backward()
        fake = self.generator(torch.randn(batch, self.generator.latent_dim, device=self.device))
        loss_fake = self.criterion(self.discriminator(fake.detach()), zeros)
        loss_fake.backward()
        self.opt_d.step()
        # Update G: maximise log D(G(z)), reusing the same fake batch
        self.generator.zero_grad()
        loss_g = self.criterion(self.discriminator(fake), ones)
        loss_g.backward()
        self.opt_g.step()


def official_recipe(device: torch.device, batch_size: int = 128, workers: int = 2, seed: int = 0,
                    root: str | None = None) -> OfficialStyleTrainer:
    """The baseline recipe of the time-to-quality race: the example's architecture and hyperparameters."""
    torch.manual_seed(seed)
    generator, discriminator = OfficialGenerator(), OfficialDiscriminator()
    generator.apply(dcgan_init)
    discriminator.apply(dcgan_init)
    return OfficialStyleTrainer(generator, discriminator, official_dataloader(batch_size, workers, root, seed),
                                device, seed=seed)
