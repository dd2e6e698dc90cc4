"""benchmarks/levers.py: the step it times is the recipe's, each switch changes what it says, the table."""
import torch

from benchmarks.levers import LEVERS, RecipeStep, measure, to_markdown


def test_recipe_step_trains_both_networks_and_the_layout_switch_changes_only_the_layout():
    step = RecipeStep(torch.device("cpu"), channels_last=False)
    before_g = [p.detach().clone() for p in step.generator.parameters()]
    before_d = [p.detach().clone() for p in step.discriminator.parameters()]
    step()
    assert all(not torch.equal(a, b) for a, b in zip(before_g, step.generator.parameters()))
    assert all(not torch.equal(a, b) for a, b in zip(before_d, step.discriminator.parameters()))
    assert step.real.is_contiguous()
    last = RecipeStep(torch.device("cpu"))
    assert last.real.is_contiguous(memory_format=torch.channels_last) and len(last.real) == 32  # the recipe's batch


def test_measure_reports_every_lever_against_the_first(monkeypatch):
    levers = {k: v for k, v in LEVERS.items() if not v.get("compiled")}
    block = measure(torch.device("cpu"), threads=1, rounds=1, steps=1, levers=levers)
    assert list(block["rows"]) == list(levers)
    first = block["rows"][next(iter(levers))]
    assert first["speedup"] == 1.0
    for row in block["rows"].values():  # GFLOP/s is the counted FLOPs over the time, and the fraction of the peak
        assert abs(row["gflop_per_s"] - block["gflop_per_step"] / (row["ms_per_step"] / 1e3)) < 1e-6 * row["gflop_per_s"]
        assert abs(row["fraction_of_peak"] - row["gflop_per_s"] / block["peak_gflop_per_s"]) < 1e-9
    assert block["peak_gflop_per_s"] == max(block["kernel_gflop_per_s"].values())


def test_table_says_when_compilation_never_pays_back():
    block = {"threads": 2, "gflop_per_step": 1.0, "peak_gflop_per_s": 100.0,
             "kernel_gflop_per_s": {"matmul": 80.0, "conv": 100.0}, "rounds": 1, "steps_per_round": 1,
             "rows": {"base": {"ms_per_step": 20.0, "speedup": 1.0, "gflop_per_s": 50.0, "fraction_of_peak": 0.5},
                      "compiled": {"ms_per_step": 21.0, "speedup": 0.95, "gflop_per_s": 47.6, "fraction_of_peak": 0.476,
                                   "compile_seconds": 30.0, "steps_to_pay_back": None},
                      "faster": {"ms_per_step": 10.0, "speedup": 2.0, "gflop_per_s": 100.0, "fraction_of_peak": 1.0,
                                 "compile_seconds": 5.0, "steps_to_pay_back": 500.0}}}
    table = to_markdown({"machine": "m", "torch": "t", "device": "cpu", "batch_size": 32, "by_threads": [block]})
    assert "| compiled | 21.00 | 0.95x | 47.6 | 48% | 30.0 | never |" in table
    assert "| faster | 10.00 | 2.00x | 100.0 | 100% | 5.0 | 500 |" in table
    assert "peak 100 GFLOP/s (matrix multiply 80, convolution 100)" in table
