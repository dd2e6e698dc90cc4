"""Classification with few labels, with and without a GAN (chapter 6).

The semi-supervised GAN of Salimans et al. (2016) turns the discriminator into a classifier
with K + 1 outputs: the K real classes and "generated". Its K class logits l_1..l_K are all
it computes; the logit of "generated" is fixed at 0, which loses nothing because softmax is
unchanged by adding a constant to every logit. Then

    P(real | x) = Z(x) / (Z(x) + 1),   Z(x) = sum_k exp(l_k(x)),                  (eq. 5.3)

so the ordinary GAN logit is  logit(x) = log Z(x) = logsumexp_k l_k(x), and D's loss is

    L_D = CE(l(x_labelled), y)                                 (supervised, eq. 5.4)
        + w * [ E softplus(-logsumexp l(x_unlabelled)) + E softplus(logsumexp l(G(z))) ]   (eq. 5.5)

where the bracket is exactly the binary cross-entropy of eq. (3.2) on those logits. Unlabelled
images must get a large Z: the classifier has to find structure in them to tell them from G's
images, and that structure is what helps the few labels go further. G is trained by feature
matching (eq. 5.6): it minimises || E f(x) - E f(G(z)) ||^2 on D's hidden layer f.

`train_supervised` trains the same network on the labels alone: the baseline.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from ..data import ImageBatches, check_images
from ..device import autocast, autocast_dtype, select_device
from ..history import LossCurves
from ..losses import bce_discriminator_loss
from ..models import DCGANGenerator, dcgan_init
from ..models.conv_classifier import ConvClassifier
from ..modes import evaluating, frozen
from ..validation import require_non_negative, require_positive, require_positive_ints

Tensor = torch.Tensor
StepCallback = Callable[[int, nn.Module], None]  # (step, classifier) -> None


def few_labels(labels: Tensor, per_class: int, seed: int = 0) -> Tensor:
    """Indices of `per_class` randomly chosen examples of every class in `labels` (N,), sorted."""
    if not isinstance(per_class, int) or per_class <= 0:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    rng = torch.Generator().manual_seed(seed)
    chosen = []
    for label in labels.unique().tolist():
        members = (labels == label).nonzero().flatten()
        if len(members) < per_class:
            raise ValueError(f"class {label} has only {len(members)} examples; ask for at most that many per class")
        chosen.append(members[torch.randperm(len(members), generator=rng)[:per_class]])
    return torch.cat(chosen).sort().values


def real_fake_logit(class_logits: Tensor) -> Tensor:
    """Eq. (6.3): the GAN logit log Z(x) = logsumexp_k l_k(x) of a K-class logit vector (B, K) -> (B,)."""
    if class_logits.ndim != 2:
        raise ValueError(f"class_logits must have shape (B, K), got {tuple(class_logits.shape)}")
    return torch.logsumexp(class_logits, dim=1)


def semi_supervised_discriminator_loss(labelled_logits: Tensor, labels: Tensor, unlabelled_logits: Tensor,
                                       fake_logits: Tensor, unsupervised_weight: float = 1.0) -> dict[str, Tensor]:
    """Eqs. (6.4) + (6.5). Returns {"total", "supervised", "unsupervised"} (scalars)."""
    supervised = F.cross_entropy(labelled_logits, labels)
    unsupervised = bce_discriminator_loss(real_fake_logit(unlabelled_logits), real_fake_logit(fake_logits))
    return {"total": supervised + unsupervised_weight * unsupervised, "supervised": supervised,
            "unsupervised": unsupervised}


def feature_matching_loss(real_features: Tensor, fake_features: Tensor) -> Tensor:
    """Eq. (6.6): squared distance between the batch means of D's features on real and generated data."""
    if real_features.shape[1:] != fake_features.shape[1:]:
        raise ValueError(f"feature shapes differ: {tuple(real_features.shape)} vs {tuple(fake_features.shape)}")
    return (real_features.mean(0) - fake_features.mean(0)).pow(2).sum()


@dataclass
class SemiSupervisedConfig:
    """One classifier run; the defaults fit Fashion-MNIST with 100 labels per class on a CPU in seconds."""

    steps: int = 400  # classifier updates (each also updates G in the semi-supervised run)
    batch_size: int = 64  # labelled examples per step (and as many unlabelled and generated)
    lr: float = 1e-3  # Adam learning rate of the classifier (and of G)
    betas: tuple[float, float] = (0.5, 0.999)  # Adam betas; beta1 = 0.5 as in the GAN chapters
    width: int = 16  # base channels of the classifier and of G (16 is enough for 28x28 clothes)
    hidden: int = 128  # size of the classifier's feature layer f
    dropout: float = 0.3  # dropout in the classifier
    latent_dim: int = 64  # size of G's noise z
    unsupervised_weight: float = 1.0  # w in eq. (6.5)
    seed: int = 0  # seeds the networks, noise and batch order
    device: str = "auto"  # auto (CUDA, MPS, CPU), cpu, cuda or mps
    mixed_precision: bool | str = "auto"  # bfloat16 autocast on CUDA

    def __post_init__(self):
        require_positive_ints(self, ("steps", "batch_size", "width", "hidden", "latent_dim"))
        require_positive(self, ("lr",))
        require_non_negative(self, ("unsupervised_weight",))


@dataclass
class ClassifierRun:
    """A trained classifier, the generator that helped it (None for the baseline) and loss curves."""

    classifier: ConvClassifier
    generator: nn.Module | None
    history: dict[str, list[float]] = field(default_factory=dict)


def _check_images(images: Tensor, labels: Tensor | None = None, name: str = "images") -> None:
    check_images(images, name)
    if labels is not None and labels.shape != (len(images),):
        raise ValueError(f"need one label per image: {len(images)} images, labels of shape {tuple(labels.shape)}")


def _classifier(config: SemiSupervisedConfig, images: Tensor, num_classes: int) -> ConvClassifier:
    channels, size, _ = images.shape[1:]
    return ConvClassifier(channels, size, num_classes, config.width, config.hidden, config.dropout)


def train_supervised(config: SemiSupervisedConfig, images: Tensor, labels: Tensor, num_classes: int = 10,
                     callbacks: Iterable[StepCallback] = ()) -> ClassifierRun:
    """The baseline: the classifier trained by cross-entropy on the labelled `images` (N, C, H, W) only.
    Each callback is called as `callback(step, classifier)` after every step (step counts from 1)."""
    _check_images(images, labels)
    device = select_device(config.device)
    amp = autocast_dtype(device, config.mixed_precision)
    torch.manual_seed(config.seed)
    classifier = _classifier(config, images, num_classes).to(device)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=config.lr, betas=config.betas)
    batches = ImageBatches(images, labels, min(config.batch_size, len(images)), device, config.seed)
    curves = LossCurves("supervised")
    classifier.train()
    for step in range(1, config.steps + 1):
        x, y = batches.next_batch()
        with autocast(device, amp):
            loss = F.cross_entropy(classifier(x).float(), y)  # eq. (6.4) alone
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        curves.record(supervised=loss)
        for callback in callbacks:
            callback(step, classifier)
    classifier.eval()
    return ClassifierRun(classifier, None, curves.as_lists())


def train_semi_supervised(config: SemiSupervisedConfig, images: Tensor, labels: Tensor, unlabelled: Tensor,
                          num_classes: int = 10, callbacks: Iterable[StepCallback] = ()) -> ClassifierRun:
    """The semi-supervised GAN: the same classifier, trained on the labelled `images` and on
    `unlabelled` images (N', C, H, W) against a generator, eqs. (6.4)-(6.6). Callbacks as in `train_supervised`."""
    _check_images(images, labels)
    _check_images(unlabelled, name="unlabelled")
    if images.shape[1:] != unlabelled.shape[1:]:
        raise ValueError(f"labelled images are {tuple(images.shape[1:])} but unlabelled ones {tuple(unlabelled.shape[1:])}")
    device = select_device(config.device)
    amp = autocast_dtype(device, config.mixed_precision)
    torch.manual_seed(config.seed)
    classifier = _classifier(config, images, num_classes).to(device)
    channels, size, _ = images.shape[1:]
    generator = DCGANGenerator(config.latent_dim, channels, size, config.width).to(device)
    generator.apply(dcgan_init)
    opt_d = torch.optim.Adam(classifier.parameters(), lr=config.lr, betas=config.betas)
    opt_g = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
    labelled_batches = ImageBatches(images, labels, min(config.batch_size, len(images)), device, config.seed)
    unlabelled_batches = ImageBatches(unlabelled, None, config.batch_size, device, config.seed + 1)
    noise = torch.Generator(device=device).manual_seed(config.seed + 2)
    curves = LossCurves("supervised", "unsupervised", "feature_matching")
    classifier.train()
    generator.train()
    for step in range(1, config.steps + 1):
        x, y = labelled_batches.next_batch()
        x_unlabelled, _ = unlabelled_batches.next_batch()
        z = torch.randn(config.batch_size, config.latent_dim, generator=noise, device=device)
        with autocast(device, amp):
            fake = generator(z)  # kept with its graph for G's update below

        # Update D: classify the labelled batch, call unlabelled images real and G's images fake (eqs. 5.4, 5.5).
        # One forward pass over all three batches (the classifier has no batch norm, so this changes nothing).
        with autocast(device, amp):
            logits = classifier(torch.cat([x, x_unlabelled, fake.detach()]))
            labelled_logits, unlabelled_logits, fake_logits = logits.float().split(
                [len(x), len(x_unlabelled), len(fake)])
            losses = semi_supervised_discriminator_loss(labelled_logits, y, unlabelled_logits, fake_logits,
                                                        config.unsupervised_weight)
        opt_d.zero_grad(set_to_none=True)
        losses["total"].backward()
        opt_d.step()

        # Update G: match the mean of D's features on the unlabelled batch (eq. 5.6); D is held fixed.
        # Both feature sets come from D as it is now, after its step, in one forward pass: the D-step
        # features above belong to the D before the step, another network (Salimans et al., 2016).
        with frozen(classifier):
            with autocast(device, amp):
                features = classifier.features(torch.cat([x_unlabelled, fake])).float()
                real_features, fake_features = features.split([len(x_unlabelled), len(fake)])
                g_loss = feature_matching_loss(real_features.detach(), fake_features)
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
        opt_g.step()

        curves.record(supervised=losses["supervised"], unsupervised=losses["unsupervised"], feature_matching=g_loss)
        for callback in callbacks:
            callback(step, classifier)
    classifier.eval()
    return ClassifierRun(classifier, generator, curves.as_lists())


@torch.no_grad()
def predict(classifier: nn.Module, images: Tensor, batch_size: int = 1000) -> Tensor:
    """Predicted classes (N,) on the CPU, in evaluation mode (no dropout)."""
    _check_images(images)
    device = next(classifier.parameters()).device
    with evaluating(classifier):
        return torch.cat([classifier(images[i:i + batch_size].to(device)).argmax(1).cpu()
                          for i in range(0, len(images), batch_size)])


def accuracy(classifier: nn.Module, images: Tensor, labels: Tensor, batch_size: int = 1000) -> float:
    """Fraction of `images` whose predicted class equals `labels`."""
    _check_images(images, labels)
    return float((predict(classifier, images, batch_size) == labels.cpu()).float().mean())


__all__ = [
    "ClassifierRun", "SemiSupervisedConfig", "accuracy", "feature_matching_loss", "few_labels", "predict",
    "real_fake_logit", "semi_supervised_discriminator_loss", "train_semi_supervised", "train_supervised"
]
