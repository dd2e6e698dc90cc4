"""Device selection and mixed precision (gan_lib.device)."""
import pytest
import torch

from gan_lib import TrainConfig, Trainer
from gan_lib.device import autocast, autocast_dtype, cpu_has_native_bfloat16, cuda_has_native_bfloat16, select_device

CPU = torch.device("cpu")
needs_native_bf16 = pytest.mark.skipif(not cpu_has_native_bfloat16(), reason="this CPU has no native bfloat16")


def test_auto_and_false_train_in_float32_on_the_cpu():
    # The book's stored results are float32: "auto" must not switch the CPU to bfloat16.
    assert autocast_dtype(CPU, "auto") is None
    assert autocast_dtype(CPU, False) is None


def test_unknown_mixed_precision_value_is_refused():
    with pytest.raises(ValueError, match="True, False or 'auto'"):
        autocast_dtype(CPU, "bf16")


@needs_native_bf16
def test_true_on_a_bfloat16_cpu_computes_convolutions_in_bfloat16():
    dtype = autocast_dtype(CPU, True)
    assert dtype is torch.bfloat16
    conv = torch.nn.Conv2d(1, 4, 3)
    x = torch.randn(2, 1, 8, 8)
    with autocast(CPU, dtype):
        y = conv(x)
    assert y.dtype is torch.bfloat16
    # bfloat16 keeps 8 significant bits: the result is within 1% of float32's, not equal to it.
    reference = conv(x)
    assert not torch.equal(y.float(), reference)
    assert torch.allclose(y.float(), reference, rtol=0.02, atol=0.02)


def test_true_on_a_cpu_without_bfloat16_names_the_fix(monkeypatch):
    monkeypatch.setattr("gan_lib.device.cpu_has_native_bfloat16", lambda: False)
    with pytest.raises(ValueError, match="native bfloat16.*mixed_precision='auto'"):
        autocast_dtype(CPU, True)


@needs_native_bf16
def test_bfloat16_training_on_the_cpu_is_deterministic_and_learns():
    # Two identical bfloat16 runs agree bit for bit, and D learns to tell real from fake
    # (from D(x) = D(G(z)) = 1/2 at the start to a clear gap after 60 steps).
    def run():
        config = TrainConfig(dataset="digits", steps=60, batch_size=64, mixed_precision=True, device="cpu",
                             progress=False, log_every=10, seed=0)
        trainer = Trainer.from_config(config)
        trainer.fit()
        return trainer

    a, b = run(), run()
    assert a.amp_dtype is torch.bfloat16
    assert all(torch.equal(p, q) for p, q in zip(a.generator.parameters(), b.generator.parameters()))
    assert a.history["d_real"][-1] - a.history["d_fake"][-1] > 0.1
    assert a.generator.net[0].weight.dtype is torch.float32  # weights stay float32: only the arithmetic is bfloat16
    assert a.sample(8).dtype is torch.float32


def test_select_device_names_the_valid_choices():
    assert select_device("cpu") == CPU
    with pytest.raises(ValueError, match="'auto', 'cpu', 'cuda' or 'mps'"):
        select_device("tpu")


@pytest.mark.parametrize("capability,expected", [((7, 5), None), ((7, 0), None), ((8, 0), torch.bfloat16),
                                                  ((9, 0), torch.bfloat16)])
def test_cuda_uses_bfloat16_only_where_the_gpu_has_it_natively(monkeypatch, capability, expected):
    # A T4 (7.5) or V100 (7.0) emulates bfloat16, slower than float32, though is_bf16_supported() says True;
    # an A100 (8.0) or H100 (9.0) computes it natively.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    cuda = torch.device("cuda")
    assert cuda_has_native_bfloat16(cuda) is (expected is not None)
    assert autocast_dtype(cuda, "auto") is expected
    assert autocast_dtype(cuda, True) is expected
    assert autocast_dtype(cuda, False) is None
