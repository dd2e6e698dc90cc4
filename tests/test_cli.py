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


@pytest.mark.parametrize("steps,saved", [(4, [2, 4]), (3, [2, 3])])
def test_train_writes_the_final_checkpoint_once(tmp_path, monkeypatch, steps, saved):
    import gan_lib.checkpoint

    writes, original = [], gan_lib.checkpoint.save_checkpoint

    def logged_save(trainer, path):
        writes.append(trainer.step)
        return original(trainer, path)

    monkeypatch.setattr(gan_lib.checkpoint, "save_checkpoint", logged_save)
    assert main(["train", "--dataset", "ring", "--steps", str(steps), "--checkpoint-every", "2", "--batch-size", "16",
                 "--width", "8", "--device", "cpu", "--out", str(tmp_path), "--no-progress"]) == 0
    assert writes == saved  # every 2 steps, then the end unless the last periodic save was at it


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


@pytest.mark.parametrize("content", [b"not a checkpoint", b"PK\x03\x04 truncated zip", "pickled object"])
def test_a_corrupt_checkpoint_gives_one_line_with_the_file_and_the_fix(tmp_path, capsys, content):
    path = tmp_path / "broken.pt"
    if content == "pickled object":  # torch's weights_only refusal would advise weights_only=False
        import argparse

        import torch

        torch.save(argparse.Namespace(weights=1), path)
    else:
        path.write_bytes(content)
    assert main(["sample", "--checkpoint", str(path), "--out", str(tmp_path / "x.npy")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and captured.out == ""
    assert lines[0].startswith(f"error: {path} is not a readable gan_lib checkpoint")
    assert "fix: use a checkpoint.pt written by 'python -m gan_lib train --out DIR'" in lines[0]
    for advice in ("weights_only", "issue", "PyTorch", "Unpickl"):
        assert advice not in lines[0]
    assert not (tmp_path / "x.npy").exists()


def test_a_data_root_that_does_not_exist_is_an_error(tmp_path, capsys):
    missing = tmp_path / "nonexistent"
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--dataset", "fashion-mnist", "--data-root", str(missing), "--out", str(tmp_path / "run")])
    assert exit_info.value.code == 2
    assert f"--data-root {missing}: the directory does not exist" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # refused before any training


def test_a_data_root_that_does_not_exist_is_accepted_with_download(tmp_path, monkeypatch):
    from gan_lib.cli import build_parser, check_train_args

    parser = build_parser()
    refusals = []
    monkeypatch.setattr(parser, "error", refusals.append)  # argparse's error() would exit
    new = tmp_path / "new"
    for options in (["--data-root", str(new), "--download"], ["--data-root", str(tmp_path)]):
        check_train_args(parser.parse_args(["train", *options, "--out", str(tmp_path)]), parser)
    assert refusals == []  # torchvision creates the directory it downloads into; an existing one is fine
    check_train_args(parser.parse_args(["train", "--data-root", str(new), "--out", str(tmp_path)]), parser)
    assert len(refusals) == 1 and refusals[0].startswith(f"--data-root {new}: the directory does not exist")


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


def test_train_has_one_option_per_config_field_with_its_comment_as_help(capsys):
    from dataclasses import fields

    from gan_lib import TrainConfig
    from gan_lib.cli import build_parser
    from gan_lib.field_comments import field_comments

    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    destinations = {action.dest for action in train._actions}
    assert {f.name for f in fields(TrainConfig)} <= destinations
    comments = field_comments(TrainConfig)
    assert comments["lr_d"] == "discriminator learning rate (TTUR: may differ from lr_g)"
    assert len(comments) == len(fields(TrainConfig))  # every field is documented
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert "--lr-d LR_D discriminator learning rate (TTUR: may differ from lr_g) (default: 0.0002)" in text
    assert "--no-progress" in text and "--betas B1 B2" in text


def test_a_recipe_gives_its_config_and_explicit_options_override_it(tmp_path):
    import gan_lib
    from gan_lib.cli import build_parser, config_from_args

    parser = build_parser()
    args = parser.parse_args(["train", "--recipe", "fashion-mnist", "--out", str(tmp_path)])
    assert config_from_args(args) == gan_lib.recipe("fashion-mnist")  # what chapter 4 trains
    args = parser.parse_args(["train", "--recipe", "fashion-mnist", "--steps", "7", "--lr-g", "1e-3", "--batch-size",
                              "16", "--no-progress", "--out", str(tmp_path)])
    assert config_from_args(args) == gan_lib.recipe("fashion-mnist", steps=7, lr_g=1e-3, batch_size=16, progress=False)
    # Without a recipe: TrainConfig's defaults, and batch 64 for images unless --batch-size says otherwise.
    plain = config_from_args(parser.parse_args(["train", "--out", str(tmp_path)]))
    assert plain == gan_lib.TrainConfig()
    assert config_from_args(parser.parse_args(["train", "--dataset", "digits", "--out", str(tmp_path)])).batch_size == 64
    with pytest.raises(SystemExit):
        main(["train", "--recipe", "fashion-mnist", "--resume", "--out", str(tmp_path)])


def test_training_from_a_recipe_writes_its_settings(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "--recipe", "fashion-mnist", "--steps", "1", "--width", "8", "--device", "cpu",
                 "--out", str(out), "--no-progress"]) == 0
    from gan_lib import load_checkpoint

    saved = load_checkpoint(out / "checkpoint.pt")["config"]
    assert (saved["dataset"], saved["lr_g"], saved["ema_decay"], saved["batch_size"], saved["width"]) == \
        ("fashion-mnist", 1e-3, 0.99, 32, 8)
    assert tuple(saved["betas"]) == (0.0, 0.99) and saved["steps"] == 1  # --steps overrides the recipe's 4,500


TINY_RUN = ["--dataset", "ring", "--steps", "3", "--batch-size", "16", "--width", "8", "--device", "cpu",
            "--no-progress"]


def test_an_error_that_is_no_gan_lib_error_keeps_its_traceback(tmp_path, monkeypatch):
    import torch

    def broken_norm(*args, **kwargs):  # stands in for a ValueError deep inside torch, or a bug
        raise ValueError("an internal torch error")

    monkeypatch.setattr(torch.nn.utils, "get_total_norm", broken_norm)
    with pytest.raises(ValueError, match="an internal torch error"):
        main(["train", *TINY_RUN, "--out", str(tmp_path)])


def test_a_diverged_run_is_one_line_and_exit_status_2(tmp_path, capsys):
    # Learning rates of 1e6 blow the weights up: the gradient norms overflow while BCE's saturated losses stay
    # finite (this run used to finish, then fail writing history.json with "Out of range float values").
    assert main(["train", *TINY_RUN, "--steps", "50", "--log-every", "1", "--lr-g", "1e6", "--lr-d", "1e6",
                 "--out", str(tmp_path)]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: training diverged at step ")
    assert "grad_norm=inf" in lines[0] and lines[0].endswith("Try smaller learning rates, a gradient penalty or "
                                                             "spectral norm, or grad_clip.")
    assert not (tmp_path / "history.json").exists()


@pytest.mark.parametrize("command", ["train", "sample"])
def test_an_output_folder_that_cannot_be_written_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys,
                                                                                command):
    import gan_lib.checkpoint
    import gan_lib.train

    def must_not_run(*args, **kwargs):
        raise AssertionError("built a trainer or read a checkpoint before checking --out")

    monkeypatch.setattr(gan_lib.train.Trainer, "from_config", must_not_run)
    monkeypatch.setattr(gan_lib.checkpoint, "load_checkpoint", must_not_run)
    (tmp_path / "file.txt").write_text("a file, not a folder")
    folder = tmp_path / "file.txt" / "out"  # under a regular file: no one can create it, root included
    if command == "train":
        argv = ["train", *TINY_RUN, "--out", str(folder)]
    else:
        argv = ["sample", "--checkpoint", str(tmp_path / "checkpoint.pt"), "--out", str(folder / "samples.npy")]
    assert main(argv) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: cannot write to the folder {folder}: Not a directory; choose a folder you can write to, or fix "
        "this one's permissions"]


def test_a_broken_data_file_is_one_line_and_exit_status_2(tmp_path, capsys):
    from .conftest import write_idx

    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 9]))
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((3, 28, 28)))
    images = tmp_path / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:-28])  # an interrupted copy
    assert main(["train", *TINY_RUN, "--dataset", "fashion-mnist", "--data-root", str(tmp_path),
                 "--out", str(tmp_path / "run")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {images} is truncated: expected 2352 values, found 2324; fix: delete it and run make data "
        "(tools/install_data.sh), or put a complete copy there"]


def test_the_output_folder_is_created_and_its_write_test_leaves_nothing(tmp_path):
    from gan_lib.atomic import ensure_writable_folder

    assert ensure_writable_folder(tmp_path / "new" / "run") == tmp_path / "new" / "run"
    assert list((tmp_path / "new" / "run").iterdir()) == []
