import math

import pytest
import torch

from gan_lib.models.conv_classifier import ConvClassifier
from gan_lib.applications.semi_supervised import (SemiSupervisedConfig, accuracy, feature_matching_loss, few_labels, predict,
                                     real_fake_logit, semi_supervised_discriminator_loss, train_semi_supervised,
                                     train_supervised)


def stripes(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """8x8 images of two classes: a bright top half (class 0) or a bright bottom half (class 1), plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(2, (n,), generator=g)
    images = -torch.ones(n, 1, 8, 8)
    images[labels == 0, :, :4] = 1.0
    images[labels == 1, :, 4:] = 1.0
    return (images + 0.3 * torch.randn(images.shape, generator=g)).clamp(-1, 1), labels


def test_few_labels_takes_the_same_number_of_every_class():
    labels = torch.tensor([0, 1, 2] * 10)
    chosen = few_labels(labels, 4, seed=0)
    assert len(chosen) == 12 and len(set(chosen.tolist())) == 12
    assert torch.bincount(labels[chosen]).tolist() == [4, 4, 4]
    assert torch.equal(chosen, few_labels(labels, 4, seed=0))
    assert not torch.equal(chosen, few_labels(labels, 4, seed=1))
    with pytest.raises(ValueError, match="only 10 examples"):
        few_labels(labels, 11)


def test_real_fake_logit_gives_z_over_z_plus_one():
    # Eq. (6.1): logits (0, 0) give Z = 2 and P(real) = 2/3; logits (log 3, log 5) give Z = 8, P = 8/9.
    logits = torch.tensor([[0.0, 0.0], [math.log(3), math.log(5)]])
    assert torch.allclose(torch.sigmoid(real_fake_logit(logits)), torch.tensor([2 / 3, 8 / 9]))
    with pytest.raises(ValueError, match=r"\(B, K\)"):
        real_fake_logit(torch.zeros(3))


def test_semi_supervised_loss_on_hand_made_logits():
    labelled = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
    labels = torch.tensor([0, 1])
    unlabelled = torch.zeros(1, 2)  # Z = 2: -log P(real) = log(3/2)
    fake = torch.zeros(1, 2)  # Z = 2: -log P(fake) = -log(1/3) = log 3
    losses = semi_supervised_discriminator_loss(labelled, labels, unlabelled, fake, unsupervised_weight=0.5)
    supervised = math.log(1 + math.exp(-2))  # cross-entropy of both rows
    unsupervised = math.log(1.5) + math.log(3)
    assert losses["supervised"].item() == pytest.approx(supervised, rel=1e-6)
    assert losses["unsupervised"].item() == pytest.approx(unsupervised, rel=1e-6)
    assert losses["total"].item() == pytest.approx(supervised + 0.5 * unsupervised, rel=1e-6)


def test_feature_matching_compares_batch_means():
    real = torch.tensor([[0.0, 2.0], [2.0, 2.0]])  # mean (1, 2)
    fake = torch.tensor([[1.0, -1.0], [-1.0, 1.0]])  # mean (0, 0)
    assert feature_matching_loss(real, fake).item() == pytest.approx(5.0)
    assert feature_matching_loss(real, real.flip(0)).item() == 0.0  # same mean, different examples
    with pytest.raises(ValueError, match="feature shapes differ"):
        feature_matching_loss(real, torch.zeros(2, 3))


def test_classifier_shapes_and_errors():
    model = ConvClassifier(1, 8, num_classes=3, width=4, hidden=16)
    x = torch.zeros(5, 1, 8, 8)
    features, logits = model.features_and_logits(x)
    assert features.shape == (5, 16) and logits.shape == (5, 3) and model(x).shape == (5, 3)
    with pytest.raises(ValueError, match="multiple of 4"):
        ConvClassifier(image_size=30)
    with pytest.raises(ValueError, match=r"\(B, 1, 8, 8\)"):
        model(torch.zeros(2, 1, 28, 28))


def small_config(**overrides) -> SemiSupervisedConfig:
    values = dict(steps=60, batch_size=16, width=4, hidden=16, latent_dim=8, dropout=0.0, device="cpu", lr=3e-3)
    return SemiSupervisedConfig(**{**values, **overrides})


def test_supervised_baseline_learns_a_separable_task():
    images, labels = stripes(40, seed=0)
    test_images, test_labels = stripes(200, seed=1)
    untrained = ConvClassifier(1, 8, 2, 4, 16, 0.0)
    run = train_supervised(small_config(), images, labels, num_classes=2)
    assert run.generator is None
    assert accuracy(run.classifier, test_images, test_labels) >= 0.95
    assert run.history["supervised"][-1] < 0.5 * run.history["supervised"][0]
    assert predict(untrained, test_images).shape == (200,)


def test_semi_supervised_gan_trains_deterministically():
    images, labels = stripes(8, seed=0)  # four labels per class
    unlabelled, _ = stripes(256, seed=2)
    test_images, test_labels = stripes(200, seed=1)
    a = train_semi_supervised(small_config(), images, labels, unlabelled, num_classes=2)
    b = train_semi_supervised(small_config(), images, labels, unlabelled, num_classes=2)
    assert accuracy(a.classifier, test_images, test_labels) >= 0.95
    assert a.history == b.history  # same seed, same run
    assert all(math.isfinite(v) for values in a.history.values() for v in values)
    assert a.generator(torch.zeros(2, 8)).shape == (2, 1, 8, 8)


def test_bad_inputs_are_refused():
    images, labels = stripes(8, seed=0)
    with pytest.raises(ValueError, match="one label per image"):
        train_supervised(small_config(), images, labels[:5], num_classes=2)
    with pytest.raises(ValueError, match="to_unit_range"):
        train_supervised(small_config(), (images * 100).to(torch.uint8), labels, num_classes=2)
    with pytest.raises(ValueError, match="unlabelled ones"):
        train_semi_supervised(small_config(), images, labels, torch.zeros(8, 1, 12, 12), num_classes=2)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        SemiSupervisedConfig(steps=0)


def test_feature_matching_compares_features_of_one_and_the_same_discriminator(monkeypatch):
    """Eq. (6.6) compares E f(x) and E f(G(z)) under the same D: the real features must come from the
    D that G's features come from (the one just updated), not from D before its step."""
    from gan_lib.applications import semi_supervised

    images, labels = stripes(8, seed=0)
    one_image = stripes(1, seed=3)[0]
    unlabelled = one_image.expand(64, -1, -1, -1).clone()  # every unlabelled batch is one image repeated
    built, gaps = [], []
    monkeypatch.setattr(semi_supervised, "_classifier",
                        lambda *args: built.append(semi_supervised.ConvClassifier(1, 8, 2, 4, 16, 0.0)) or built[-1])

    def checked_loss(real_features, fake_features):
        with torch.no_grad():
            current = built[0].features(one_image)  # (1, hidden) from D as it is while G steps
        gaps.append(float((real_features - current).abs().max()))
        return feature_matching_loss(real_features, fake_features)

    monkeypatch.setattr(semi_supervised, "feature_matching_loss", checked_loss)
    train_semi_supervised(small_config(steps=5, lr=1e-2), images, labels, unlabelled, num_classes=2)
    assert len(gaps) == 5 and max(gaps) < 1e-5
