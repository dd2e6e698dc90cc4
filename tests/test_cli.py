import json

import numpy as np
import pytest

from gan_lib.cli import main


@pytest.mark.parametrize("dataset,shape", [("ring", (2,)), ("grid", (2,)), ("spiral", (2,)), ("gaussian", (2,)),
                                           ("digits", (1, 8, 8)), ("fashion-mnist", (1, 28, 28)),
                                           ("bimodal-1d", (1,))])
def test_train_then_sample_on_every_dataset(tmp_path, dataset, shape):
    out = tmp_path / "run"
    assert main(["train", "--dataset", dataset, "--steps", "3", "--batch-size", "16", "--width", "8",
                 "--device", "cpu", "--out", str(out), "--no-progress"]) == 0
    for name in ("checkpoint.pt", "samples.png", "history.json"):
        assert (out / name).is_file()
    assert json.loads((out / "history.json").read_text())["step"][-1] == 3
    assert main(["sample", "--checkpoint", str(out / "checkpoint.pt"), "--n", "5", "--out", str(tmp_path / "s.npy")]) == 0
    assert np.load(tmp_path / "s.npy").shape == (5, *shape)


def test_resume_continues_to_more_steps(tmp_path, capsys):
    common = ["--dataset", "ring", "--batch-size", "16", "--device", "cpu", "--out", str(tmp_path), "--no-progress"]
    assert main(["train", "--steps", "4", *common]) == 0
    assert main(["train", "--steps", "6", "--resume", *common]) == 0
    assert "resumed" in capsys.readouterr().out
    assert json.loads((tmp_path / "history.json").read_text())["step"][-1] == 6


def test_bad_arguments_are_refused_with_reasons(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--loss", "bce", "--out", str(tmp_path)])
    assert "invalid choice: 'bce'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--steps", "0", "--out", str(tmp_path)])
    assert "must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--lr-g", "-1", "--out", str(tmp_path)])
    assert "must be positive" in capsys.readouterr().err
    assert main(["sample", "--checkpoint", str(tmp_path / "missing.pt"), "--out", str(tmp_path / "x.npy")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--dataset", "--loss", "--penalty", "--steps", "--seed", "--out", "--resume"):
        assert option in text


@pytest.mark.parametrize("flag,expected", [("auto", "auto"), ("on", True), ("off", False)])
def test_mixed_precision_flag_reaches_the_config(tmp_path, flag, expected):
    from gan_lib.cli import build_parser, config_from_args

    args = build_parser().parse_args(["train", "--mixed-precision", flag, "--out", str(tmp_path)])
    assert config_from_args(args).mixed_precision == expected
