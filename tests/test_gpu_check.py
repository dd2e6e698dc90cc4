"""tools/gpu_check.py, the script the GPU machine runs, dry-run on the CPU: each part must run and say ok,
so that a session with a GPU spends its minutes measuring, not debugging the script."""
import json

import pytest
import torch

from tests.conftest import load_tool

gpu_check = load_tool("gpu_check")


def test_the_gpu_check_runs_every_part_on_the_cpu(tmp_path):
    assert gpu_check.main(["--device", "cpu", "--steps", "2", "--chapters", "", "--out", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "gpu-check-cpu.json").read_text())
    assert report["failed"] == [] and report["machine"]["torch_at_least_floor"]
    datasets = {row["dataset"] for row in report["configurations"]}
    assert datasets == {"digits", "fashion-mnist"}
    assert all(row["channels_last"] and row["finite"] and row["amp"] == "None" for row in report["configurations"])
    assert report["checkpoint"]["resume_on_device_bit_exact"]  # on the CPU a resumed run repeats exactly
    assert report["checkpoint"]["cpu_sample_max_difference"] == 0.0


@pytest.mark.parametrize("capability,native", [((7, 5), False), ((9, 0), True)])
def test_mixed_precision_true_is_bfloat16_or_refused_on_a_t4_stand_in(monkeypatch, capability, native):
    # A T4 (7.5) has no native bfloat16: True must be refused, not train float32 silently; an H100 (9.0) has it.
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: capability)
    result = gpu_check.mixed_precision_true(torch.device("cuda"))
    assert result["ok"] and result["native"] is native
    assert result["result"] == ("torch.bfloat16" if native else result["result"])
    assert native or result["result"].startswith("ValueError")


def test_chapter_cells_run_without_ipython_and_widget_cells_are_skipped(tmp_path, monkeypatch):
    assert gpu_check.WIDGET_CELL.search("from gan_lib.widgets import ImagePlayground\nImagePlayground(steps=5)")
    assert not gpu_check.WIDGET_CELL.search("trainer = gan_lib.Trainer.from_config(config)")
    assert gpu_check.runnable("%matplotlib inline\nx = 1\n!ls") == "\nx = 1\n"
