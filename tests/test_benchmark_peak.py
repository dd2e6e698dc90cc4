"""benchmarks/peak.py: FLOP counts with known answers, and the fraction-of-peak arithmetic."""
import pytest
import torch
from torch import nn

from benchmarks.peak import conv_peak, fraction_of_peak, machine_peak, matmul_peak, step_flops


def test_a_matmul_counts_two_flops_per_multiply_add():
    a, b = torch.randn(8, 16), torch.randn(16, 4)
    assert step_flops(lambda: a @ b) == 2 * 8 * 16 * 4


def test_a_linear_layer_forward_and_backward_counts_three_matmuls():
    # forward x W^T (N x in x out), backward: grad wrt x and grad wrt W, the same size each
    layer, x = nn.Linear(16, 4, bias=False), torch.randn(8, 16, requires_grad=True)
    assert step_flops(lambda: layer(x).sum().backward()) == 3 * 2 * 8 * 16 * 4


def test_a_convolution_counts_its_multiply_adds():
    # 3x3 conv, 2 -> 5 channels, one 6x6 input with padding 1: 6*6 outputs x 5 channels x (2*3*3) MACs
    conv, x = nn.Conv2d(2, 5, 3, padding=1, bias=False), torch.randn(1, 2, 6, 6)
    with torch.no_grad():
        assert step_flops(lambda: conv(x)) == 2 * 6 * 6 * 5 * 2 * 3 * 3


def test_matmul_peak_is_a_positive_rate_and_fraction_divides():
    assert matmul_peak(torch.device("cpu"), size=64, repeats=2) > 0
    assert fraction_of_peak(10**9, 0.5, 4e9) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="positive"):
        fraction_of_peak(10**9, 0.0, 4e9)
    with pytest.raises(ValueError, match="positive"):
        matmul_peak(torch.device("cpu"), size=0)


def test_conv_peak_counts_the_convolution_it_times(monkeypatch):
    # One 3x3 conv, 4 -> 4 channels over 2 images of 5x5: 2 * 2 * 25 * 16 * 9 FLOPs. With a clock that
    # advances 0.5 s per reading, every timed pass takes 0.5 s, so the rate is exactly the count / 0.5.
    clock = iter(range(1000))
    monkeypatch.setattr("benchmarks.peak.time.perf_counter", lambda: 0.5 * next(clock))
    rate = conv_peak(torch.device("cpu"), channels=4, size=5, batch=2, repeats=3)
    assert rate == pytest.approx(2 * 2 * 25 * 16 * 9 / 0.5)
    with pytest.raises(ValueError, match="positive"):
        conv_peak(torch.device("cpu"), channels=0)


def test_machine_peak_is_the_faster_kernel(monkeypatch):
    monkeypatch.setattr("benchmarks.peak.matmul_peak", lambda device, dtype: 180e9)
    monkeypatch.setattr("benchmarks.peak.conv_peak", lambda device, dtype: 210e9)
    assert machine_peak(torch.device("cpu")) == {"matmul": 180e9, "conv": 210e9, "peak": 210e9}
