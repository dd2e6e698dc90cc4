import json
import math

import pytest
import torch

import gan_lib
from gan_lib import TrainConfig, Trainer, UnknownNameError
from gan_lib.metrics import mode_coverage
from gan_lib.models import MLPDiscriminator

from .conftest import rng


def small(**overrides) -> TrainConfig:
    values = dict(dataset="ring", steps=30, batch_size=64, width=32, progress=False, device="cpu", log_every=5)
    return TrainConfig(**{**values, **overrides})


def parameters(module):
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def test_same_seed_same_result_and_other_seed_differs():
    a, b, c = (Trainer.from_config(small(seed=s)) for s in (0, 0, 1))
    for trainer in (a, b, c):
        trainer.fit()
    assert torch.equal(parameters(a.generator), parameters(b.generator))
    assert a.history.to_dict() == b.history.to_dict()
    assert not torch.equal(parameters(a.generator), parameters(c.generator))


def test_ring_gan_recovers_at_least_seven_of_eight_modes():
    # A real training run: 2,500 steps of the default non-saturating GAN (about 12 s on 2 CPU cores).
    # Float results differ between CPUs, so the step budget leaves a margin: seeds 0-3 all found 8 of 8
    # at 2,500 steps on a Sapphire Rapids machine, while 1,500 steps gave 6 with seed 0 there (7 elsewhere).
    trainer = Trainer.from_config(TrainConfig(dataset="ring", steps=2500, seed=0, device="cpu", progress=False))
    trainer.fit()
    coverage = mode_coverage(trainer.sample(2500), gan_lib.TOY_DISTRIBUTIONS.get("ring")())
    assert coverage.modes_captured >= 7, coverage


def test_optimal_discriminator_is_recovered_on_a_1d_problem():
    # Eq. (3.5): for a fixed generator, the best D is p_data / (p_data + p_g).
    # p_data = N(1, 0.5^2), p_g = N(-1, 1): both known, so D* is known in closed form.
    torch.manual_seed(0)
    data, model = torch.distributions.Normal(1.0, 0.5), torch.distributions.Normal(-1.0, 1.0)
    discriminator = MLPDiscriminator(input_dim=1, hidden=64, depth=2)
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=3e-3)
    loss = gan_lib.get_loss("minimax")
    g = rng(0)
    for _ in range(1500):
        real = 1.0 + 0.5 * torch.randn(512, 1, generator=g)
        fake = -1.0 + torch.randn(512, 1, generator=g)
        optimizer.zero_grad()
        loss.discriminator_loss(discriminator(real), discriminator(fake)).backward()
        optimizer.step()
    x = torch.linspace(-2.0, 2.0, 81).unsqueeze(1)
    p_data, p_g = data.log_prob(x).exp(), model.log_prob(x).exp()
    optimal = (p_data / (p_data + p_g)).squeeze(1)
    with torch.no_grad():
        learned = torch.sigmoid(discriminator(x))
    assert (learned - optimal).abs().max() < 0.06


def test_n_critic_and_history():
    trainer = Trainer.from_config(small(steps=10, n_critic=3, log_every=5))
    calls = []
    original = trainer.discriminator_step
    trainer.discriminator_step = lambda: calls.append(1) or original()
    trainer.fit()
    assert len(calls) == 30
    assert trainer.history["step"] == [1.0, 5.0, 10.0]
    assert all(0 <= v <= 1 for v in trainer.history["d_real"])


def test_weight_clipping_and_gradient_clipping():
    trainer = Trainer.from_config(small(loss="wasserstein", weight_clip=0.01, optimizer="rmsprop", lr_d=5e-5, lr_g=5e-5))
    trainer.fit()
    assert max(p.abs().max().item() for p in trainer.discriminator.parameters()) <= 0.01 + 1e-9
    clipped = Trainer.from_config(small(grad_clip=1e-3, lr_g=1.0, lr_d=1.0, optimizer="sgd", steps=1))
    before = parameters(clipped.generator)
    clipped.fit()
    assert (parameters(clipped.generator) - before).norm() <= 1e-3 + 1e-6  # step = lr * clipped grad


@pytest.mark.parametrize("loss,penalty", [("wasserstein", "wgan-gp"), ("non-saturating", "r1"),
                                          ("hinge", "none"), ("least-squares", "none"), ("minimax", "none")])
def test_every_loss_and_penalty_trains_on_images(loss, penalty):
    trainer = Trainer.from_config(small(dataset="digits", loss=loss, penalty=penalty, steps=3, batch_size=16, width=8))
    trainer.fit()
    assert trainer.history.is_finite()
    assert trainer.sample(4).shape == (4, 1, 8, 8)


def test_ema_generator_lags_the_trained_one():
    trainer = Trainer.from_config(small(ema_decay=0.9))
    trainer.fit()
    assert not torch.equal(parameters(trainer.ema.model), parameters(trainer.generator))
    assert not torch.equal(trainer.sample(8, use_ema=True), trainer.sample(8, use_ema=False))


def test_sampling_does_not_disturb_training():
    a, b = Trainer.from_config(small()), Trainer.from_config(small())
    a.train(10)
    a.sample(100)
    a.train(10)
    b.train(20)
    assert torch.equal(parameters(a.generator), parameters(b.generator))


def test_conditional_training_samples_requested_class():
    trainer = Trainer.from_config(small(dataset="digits", conditional=True, steps=2, batch_size=16, width=8))
    trainer.fit()
    assert trainer.sample(5, labels=3).shape == (5, 1, 8, 8)


def test_stop_request_from_a_callback():
    trainer = Trainer.from_config(small(steps=100))
    trainer.fit(callbacks=[lambda t: t.request_stop() if t.step == 7 else None])
    assert trainer.step == 7


def test_divergence_is_reported():
    trainer = Trainer.from_config(small(steps=5, log_every=1))
    with torch.no_grad():
        for p in trainer.discriminator.parameters():
            p.fill_(float("nan"))
    with pytest.raises(gan_lib.TrainingDivergedError, match="diverged at step 1"):
        trainer.fit()


@pytest.mark.parametrize("field,value,message", [
    ("loss", "bce", "unknown loss 'bce'; choose one of: hinge, least-squares"),
    ("penalty", "gp", "unknown penalty"),
    ("optimizer", "adamw", "unknown optimizer 'adamw'; choose one of: adam, rmsprop, sgd"),
    ("dataset", "mnist", "unknown dataset 'mnist'"),
    ("steps", 0, "steps must be a positive integer"),
    ("batch_size", -1, "batch_size must be a positive integer"),
    ("lr_g", 0.0, "lr_g must be a positive number, got 0.0"),
    ("lr_d", -1e-3, "lr_d must be a positive number, got -0.001"),
    ("penalty_weight", -1.0, "penalty_weight must be a positive number or None"),
    ("ema_decay", 1.5, "ema_decay must be in \\(0, 1\\)"),
])
def test_bad_config_values_name_the_problem(field, value, message):
    with pytest.raises((ValueError, UnknownNameError), match=message):
        small(**{field: value})


def test_a_penalty_weight_without_a_penalty_is_refused():
    with pytest.raises(ValueError, match="no effect with penalty='none'"):
        small(penalty_weight=5.0)
    assert small(penalty="r1", penalty_weight=5.0).weight_of_penalty == 5.0


def test_cuda_request_without_cuda_is_explained():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="CUDA is not available"):
        Trainer.from_config(small(device="cuda"))


class RecordingModule(torch.nn.Module):
    """Wraps a network and records the labels of every call."""

    def __init__(self, module):
        super().__init__()
        self.module, self.labels = module, []

    def forward(self, x, labels=None):
        self.labels.append(labels)
        return self.module(x, labels)


def test_conditional_wgan_gp_pairs_fakes_with_the_real_labels_and_computes_the_penalty_in_float32():
    """Each interpolate lies between a real and a generated image of the same class and is scored with it;
    the penalty runs outside bfloat16 autocast (its double backward in float32)."""
    trainer = Trainer.from_config(small(dataset="digits", conditional=True, penalty="wgan-gp", steps=2,
                                        batch_size=16, width=8))
    trainer.amp_dtype = torch.bfloat16  # mixed precision, as on a GPU (CPU autocast runs bfloat16 anywhere)
    real_labels, penalty_calls = [], []
    next_batch = trainer.batches.next_batch

    def recording_next_batch():
        batch = next_batch()
        real_labels.append(batch.y)
        return batch

    trainer.batches.next_batch = recording_next_batch
    penalty = trainer.penalty

    def recording_penalty(discriminator, real, fake, rng, labels):
        penalty_calls.append((torch.is_autocast_enabled("cpu"), real.dtype, fake.dtype, labels))
        return penalty(discriminator, real, fake, rng, labels)

    trainer.penalty = recording_penalty
    trainer.train_generator = RecordingModule(trainer.generator)
    trainer.discriminator_step()
    fake_labels = trainer.train_generator.labels[0]
    assert torch.equal(fake_labels, real_labels[0])
    autocast_on, real_dtype, fake_dtype, labels = penalty_calls[0]
    assert not autocast_on and real_dtype == fake_dtype == torch.float32 and torch.equal(labels, real_labels[0])


def test_a_failing_generator_step_leaves_the_discriminator_trainable():
    trainer = Trainer.from_config(small(steps=2))

    def broken_generator_loss(fake_logits):
        raise RuntimeError("broken generator loss")

    trainer.loss = gan_lib.GANLoss("broken", trainer.loss.discriminator_loss, broken_generator_loss, "raises")
    with pytest.raises(RuntimeError, match="broken generator loss"):
        trainer.train_step()
    assert all(p.requires_grad for p in trainer.discriminator.parameters())


@pytest.mark.parametrize("loss", ["non-saturating", "hinge", "least-squares", "wasserstein"])
def test_history_records_probabilities_only_where_d_outputs_logits(loss):
    trainer = Trainer.from_config(small(loss=loss, penalty="wgan-gp" if loss == "wasserstein" else "none",
                                        steps=3, log_every=1))
    trainer.fit()
    history = trainer.history
    assert all(math.isfinite(v) for v in history["d_real_score"] + history["d_fake_score"])
    if gan_lib.get_loss(loss).output_is_logit:
        assert all(0 < v < 1 for v in history["d_real"] + history["d_fake"])
    else:  # a hinge or Wasserstein score is no logit: sigmoid of it would be no probability
        assert all(math.isnan(v) for v in history["d_real"] + history["d_fake"])


@pytest.mark.parametrize("overrides", [
    dict(),  # the toy MLP discriminator: no batch norm
    dict(dataset="digits", batch_size=16, width=8, d_batch_norm=False),  # a DCGAN D without batch norm
    dict(dataset="digits", batch_size=16, width=8, conditional=True, penalty="r1"),  # labels and a penalty
])
def test_one_joint_d_pass_equals_two_separate_passes_when_d_has_no_batch_norm_or_spectral_norm(overrides):
    separate, joint = (Trainer.from_config(small(steps=3, **overrides, joint_d_batch=j)) for j in (False, True))
    for _ in range(3):  # at every step, not only the first
        separate_stats, joint_stats = separate.discriminator_step(), joint.discriminator_step()
        for key in ("d_loss", "d_real_score", "d_fake_score", "penalty"):
            torch.testing.assert_close(joint_stats[key], separate_stats[key], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(parameters(joint.discriminator), parameters(separate.discriminator),
                                   rtol=1e-4, atol=1e-6)


def test_under_spectral_norm_two_separate_passes_advance_the_power_iteration_twice_per_step(monkeypatch):
    """Every forward pass in training mode advances spectral norm's power iteration (its estimate u, v of
    each layer's top singular vectors): two separate passes twice per D step, one joint pass once. The
    first step agrees anyway, since both start from the exact singular vectors (restart_spectral_norm)
    and another iteration leaves those where they are; from the second step on D's weights have moved,
    the estimates differ and so do the steps: close, not the same."""
    iterations = []
    power_method = torch.nn.utils.parametrizations._SpectralNorm._power_method
    monkeypatch.setattr(torch.nn.utils.parametrizations._SpectralNorm, "_power_method",
                        lambda self, *args: (iterations.append(self), power_method(self, *args))[1])
    separate, joint = (Trainer.from_config(small(dataset="digits", batch_size=16, width=8, spectral_norm=True, steps=3,
                                                 joint_d_batch=j)) for j in (False, True))

    def estimates(trainer):
        return torch.cat([b.flatten() for name, b in trainer.discriminator.named_buffers() if name.endswith("._u")])

    layers = sum(name.endswith("._u") for name, _ in separate.discriminator.named_buffers())  # two convolutions, the head
    iterations.clear()
    separate.discriminator_step()
    assert len(iterations) == 2 * layers
    iterations.clear()
    joint.discriminator_step()
    assert len(iterations) == layers
    torch.testing.assert_close(estimates(joint), estimates(separate), rtol=0, atol=1e-6)
    torch.testing.assert_close(parameters(joint.discriminator), parameters(separate.discriminator), rtol=1e-4, atol=1e-6)
    for _ in range(2):
        separate.discriminator_step(), joint.discriminator_step()
    assert (estimates(joint) - estimates(separate)).abs().max() > 1e-4  # the two estimates have parted
    torch.testing.assert_close(parameters(joint.discriminator), parameters(separate.discriminator), rtol=1e-3, atol=1e-5)


def test_a_resumed_wgan_gp_run_with_two_critic_steps_repeats_across_epoch_boundaries(tmp_path):
    """digits has 1,437 training images: batches of 256 make 5 an epoch, and with n_critic=2 every step
    takes two. Saved after 2 steps (4 batches), the run resumes mid-epoch, crosses into the second epoch
    inside step 3 and into the third at step 5; the penalty draws its interpolation weights from the
    trainer's own random stream. All of it must repeat bit for bit."""
    from gan_lib import resume, save_checkpoint

    config = small(dataset="digits", batch_size=256, width=8, loss="wasserstein", penalty="wgan-gp", n_critic=2,
                   steps=6, log_every=1)
    straight = Trainer.from_config(config)
    straight.fit()
    assert straight.batches.epoch == 2  # 12 batches: two epochs of 5, and 2 into the third

    first = Trainer.from_config(config)
    first.train(2)
    save_checkpoint(first, tmp_path / "ckpt.pt")
    del first
    torch.manual_seed(1234)  # disturb the global random generator: resume restores it
    resumed = resume(tmp_path / "ckpt.pt")
    resumed.fit()
    for module in ("generator", "discriminator"):
        for a, b in zip(getattr(straight, module).state_dict().values(), getattr(resumed, module).state_dict().values()):
            assert torch.equal(a, b)
    assert json.dumps(straight.history.to_dict()) == json.dumps(resumed.history.to_dict())  # NaN d_real: same as text
    assert resumed.batches.epoch == 2 and resumed.batches.position == straight.batches.position


def test_image_runs_keep_weights_and_batches_in_channels_last():
    """Trainer moves G's and D's 4D weights to channels_last (NHWC) and ImageBatches delivers NHWC batches:
    the layout oneDNN and cuDNN convolve fastest. Toy runs have no 4D tensors to change."""
    trainer = Trainer.from_config(small(dataset="digits", batch_size=16, width=8, steps=2))
    batch = trainer.batches.next_batch().x
    assert batch.ndim == 4 and batch.is_contiguous(memory_format=torch.channels_last)
    for network in (trainer.generator, trainer.discriminator):
        weights = [p for p in network.parameters() if p.ndim == 4]
        assert weights and all(p.is_contiguous(memory_format=torch.channels_last) for p in weights)
    trainer.fit()  # and still so after the optimiser's updates
    assert all(p.is_contiguous(memory_format=torch.channels_last)
               for network in (trainer.generator, trainer.discriminator) for p in network.parameters() if p.ndim == 4)


def test_d_batch_norm_switch_removes_batch_norm_from_the_image_discriminator():
    def norms(**overrides):
        trainer = Trainer.from_config(small(dataset="digits", batch_size=16, width=8, steps=1, **overrides))
        return sum(isinstance(m, torch.nn.BatchNorm2d) for m in trainer.discriminator.modules())

    assert norms() == 1 and norms(d_batch_norm=False) == 0
    assert norms(penalty="r1") == 0  # a per-example penalty turns it off whatever the switch says


def test_a_conditional_model_has_as_many_classes_as_its_dataset(monkeypatch):
    from gan_lib.data import IMAGE_CLASSES, class_names, load_digits

    assert class_names("digits") == load_digits("train").classes  # known without loading, and the same
    assert TrainConfig(dataset="digits", conditional=True).model_config().num_classes == 10
    assert TrainConfig(dataset="digits").model_config().num_classes == 0
    monkeypatch.setitem(IMAGE_CLASSES, "digits", ("even", "odd"))  # a dataset of two classes
    assert TrainConfig(dataset="digits", conditional=True).model_config().num_classes == 2
    with pytest.raises(ValueError, match="'ring' has no labels"):  # refused when built or when asked for its models
        TrainConfig(dataset="ring", conditional=True).model_config()


@pytest.mark.parametrize("dataset", ["digits", "sines"])
def test_batch_norm_in_d_follows_one_rule_for_every_discriminator(dataset):
    from gan_lib.models import build_models, discriminator_batch_norm

    for requested in (True, False):
        for spectral_norm in (True, False):
            for penalty in ("none", "r1"):
                config = TrainConfig(dataset=dataset, d_batch_norm=requested, spectral_norm=spectral_norm,
                                     penalty=penalty)
                _, discriminator = build_models(dataset, config.model_config())
                has_norm = any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in discriminator.modules())
                assert has_norm == discriminator_batch_norm(requested, spectral_norm, penalty != "none")
                assert has_norm == (requested and not spectral_norm and penalty == "none")


def test_one_joint_d_pass_mixes_batch_norm_statistics():
    """With batch norm in D the joint pass normalises real and generated images together: a different
    D step, whose running mean is the mean of both batches' features rather than the last batch's."""
    separate, joint = (Trainer.from_config(small(dataset="digits", batch_size=16, width=8, steps=3, joint_d_batch=j))
                       for j in (False, True))
    separate_stats, joint_stats = separate.discriminator_step(), joint.discriminator_step()
    assert not torch.allclose(joint_stats["d_loss"], separate_stats["d_loss"])
    norm = next(m for m in joint.discriminator.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert norm.num_batches_tracked.item() == 1  # one pass, not two
    separate_norm = next(m for m in separate.discriminator.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert separate_norm.num_batches_tracked.item() == 2
