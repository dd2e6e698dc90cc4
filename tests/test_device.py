"""Device selection and mixed precision (gan_lib.device)."""
import pytest
import torch

from gan_lib import TrainConfig, Trainer
from gan_lib.device import (autocast, autocast_dtype, configure_cuda_math, cpu_has_native_bfloat16,
                            cuda_has_native_bfloat16, full_float32, select_device)

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
    with pytest.raises(ValueError, match="device 'cpu'.*no native bfloat16.*mixed_precision='auto'"):
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


@pytest.mark.parametrize("capability,native", [((7, 5), False), ((7, 0), False), ((8, 0), True), ((9, 0), True)])
def test_cuda_uses_bfloat16_only_where_the_gpu_has_it_natively(monkeypatch, capability, native):
    # A T4 (7.5) or V100 (7.0) emulates bfloat16, slower than float32, though is_bf16_supported() says True;
    # an A100 (8.0) or H100 (9.0) computes it natively. "auto" falls back to float32 there; True refuses.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: True)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    cuda = torch.device("cuda")
    assert cuda_has_native_bfloat16(cuda) is native
    assert autocast_dtype(cuda, "auto") is (torch.bfloat16 if native else None)
    assert autocast_dtype(cuda, False) is None
    if native:
        assert autocast_dtype(cuda, True) is torch.bfloat16
    else:
        with pytest.raises(ValueError, match="'cuda'.*no native bfloat16.*T4"):
            autocast_dtype(cuda, True)


def test_true_means_bfloat16_or_an_error_that_names_the_device(monkeypatch):
    # mixed_precision=True never trains float32 silently: on MPS it is refused with the reason.
    with pytest.raises(ValueError, match="device 'mps'.*float32 on mps"):
        autocast_dtype(torch.device("mps"), True)
    assert autocast_dtype(torch.device("mps"), "auto") is None


CPUINFO_LINES = {  # the flags line of /proc/cpuinfo, shortened, on each kind of CPU
    "Intel Skylake-SP (AVX-512, no BF16)": "flags\t\t: fpu sse2 avx avx2 avx512f avx512dq avx512bw avx512vl\n",
    "Intel Cooper Lake (AVX512-BF16)": "flags\t\t: fpu avx2 avx512f avx512bw avx512vl avx512_bf16\n",
    "Intel Sapphire Rapids (AMX)": "flags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile amx_int8\n",
    "AMD Zen 3 (AVX2 only)": "flags\t\t: fpu sse2 avx avx2 fma\n",
    "Arm Neoverse V1 (BF16)": "Features\t: fp asimd sve bf16 i8mm\n",
    "Arm Neoverse N1 (no BF16)": "Features\t: fp asimd evtstrm aes\n",
}
NATIVE_BF16 = {"Intel Cooper Lake (AVX512-BF16)", "Intel Sapphire Rapids (AMX)", "Arm Neoverse V1 (BF16)"}


@pytest.mark.parametrize("cpu", sorted(CPUINFO_LINES))
def test_native_bfloat16_is_read_from_the_cpu_flags(tmp_path, cpu):
    # oneDNN's own check says yes on any AVX-512 CPU, where it emulates bfloat16 (slower than float32).
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: " + cpu + "\n" + CPUINFO_LINES[cpu])
    assert cpu_has_native_bfloat16(cpuinfo) is (cpu in NATIVE_BF16)


def test_no_cpuinfo_means_no_native_bfloat16(tmp_path):
    assert cpu_has_native_bfloat16(tmp_path / "absent") is False  # macOS, Windows: no /proc/cpuinfo


def test_mps_asked_for_where_there_is_none_is_refused_at_once(monkeypatch):
    monkeypatch.setattr("gan_lib.device.mps_is_available", lambda: False)
    with pytest.raises(ValueError, match="'mps' was asked for but Apple's MPS is not available"):
        select_device("mps")
    with pytest.raises(ValueError, match="'mps' was asked for"):
        Trainer.from_config(TrainConfig(device="mps", steps=1))


@pytest.fixture
def cuda_switches():
    """Restore torch's process-wide CUDA switches after a test that changes them."""
    saved = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark,
             torch.are_deterministic_algorithms_enabled())
    yield
    (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32, torch.backends.cudnn.benchmark) = saved[:3]
    torch.use_deterministic_algorithms(saved[3])


def test_tf32_and_cudnn_benchmark_follow_the_stated_choice(cuda_switches):
    configure_cuda_math(tf32=True, cudnn_benchmark=True)
    assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32 and torch.backends.cudnn.benchmark
    configure_cuda_math()  # gan_lib's defaults: float32 is float32, cuDNN's choice repeatable
    assert not (torch.backends.cuda.matmul.allow_tf32 or torch.backends.cudnn.allow_tf32 or torch.backends.cudnn.benchmark)
    configure_cuda_math(cudnn_benchmark=True, deterministic=True)  # benchmarking would undo determinism
    assert torch.are_deterministic_algorithms_enabled() and not torch.backends.cudnn.benchmark


def test_full_float32_turns_tf32_off_on_cuda_only_and_restores_it(cuda_switches):
    configure_cuda_math(tf32=True)
    with full_float32(torch.device("cuda")):
        assert not torch.backends.cuda.matmul.allow_tf32 and not torch.backends.cudnn.allow_tf32
    assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
    with pytest.raises(KeyError), full_float32(torch.device("cuda")):
        raise KeyError("the block raised")
    assert torch.backends.cudnn.allow_tf32  # restored after an exception too
    with full_float32(CPU):
        assert torch.backends.cudnn.allow_tf32  # nothing to do on the CPU
