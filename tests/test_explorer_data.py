"""Tests of tools/explorer_data.py (the static explorers' data): quantisation round trips, the file
format, the chapter grids, a tiny real run, and the committed data files' structure. Seconds."""

import dataclasses
import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

TOOLS = Path(__file__).resolve().parents[1] / "tools"
spec = importlib.util.spec_from_file_location("explorer_data", TOOLS / "explorer_data.py")
explorer_data = importlib.util.module_from_spec(spec)
sys.modules["explorer_data"] = explorer_data  # dataclasses look their module up here
spec.loader.exec_module(explorer_data)
E = explorer_data


def test_i16_round_trip_within_half_a_step():
    values = np.array([0.0, 1.0, -1.0, 0.1234567, -1.6, 3.2104, 12.3456])
    decoded = E.decode_i16(E.encode_i16(values))
    assert decoded.shape == values.shape
    assert np.all(np.abs(decoded - values) <= E.COORD_SCALE / 2 + 1e-12)


def test_i16_clips_and_replaces_non_finite_values():
    decoded = E.decode_i16(E.encode_i16([100.0, -100.0, float("nan"), float("inf"), float("-inf")]))
    limit = E.INT16_MAX * E.COORD_SCALE
    assert decoded.tolist() == pytest.approx([limit, -limit, 0.0, limit, -limit])


def test_i16_with_a_custom_scale_keeps_tiny_gradients():
    push = np.array([[1e-6, -3e-6], [2.5e-6, 0.0]])
    scale = np.abs(push).max() / E.INT16_MAX
    decoded = E.decode_i16(E.encode_i16(push, scale), scale).reshape(2, 2)
    assert np.allclose(decoded, push, atol=scale)


def test_i16_is_little_endian_int16():
    assert E.encode_i16([0.001, -0.001]) == "AQD//w=="  # 1, -1 as little-endian int16


def test_u8_round_trip_and_clipping():
    values = np.linspace(0, 1, 101)
    assert np.all(np.abs(E.decode_u8(E.encode_u8(values)) - values) <= 0.5 / 255 + 1e-12)
    assert E.decode_u8(E.encode_u8([-0.5, 1.5, float("nan")])).tolist() == [0.0, 1.0, 0.0]


def test_png_data_uri_round_trip_at_16_levels():
    image = np.linspace(0, 1, 12 * 7).reshape(12, 7)
    uri = E.png_data_uri(image)
    assert uri.startswith("data:image/png;base64,")
    decoded = E.decode_png_data_uri(uri)
    assert decoded.shape == image.shape
    assert np.all(np.abs(decoded - image) <= 0.5 / 15 + 1 / 255)
    assert len(set(np.round(decoded.ravel() * 255).tolist())) <= 16
    assert np.allclose(E.decode_png_data_uri(E.png_data_uri(image, levels=256)), image, atol=0.5 / 255 + 1e-9)
    with pytest.raises(ValueError):
        E.png_data_uri(image, levels=1)


def test_significant_digits_and_non_finite():
    assert E.significant(1.23456789) == 1.235
    assert E.significant(-0.000123456, 3) == -0.000123
    assert E.significant(float("nan")) is None and E.significant(float("inf")) is None and E.significant(None) is None


def test_run_key_and_snapshot_index():
    assert E.run_key(["minimax", "1e-3", "1"]) == "minimax|1e-3|1"
    with pytest.raises(ValueError):
        E.run_key(["a|b"])
    run = {"snapshots": [{}, {}, {}]}
    assert [E.snapshot_index(run, i) for i in (0, 2, 5)] == [0, 2, 2]


def test_data_file_round_trip():
    data = {"format": E.FORMAT, "runs": {"a|b": {"x": [1, 2.5, None]}}, "text": 'quote " and */ inside JSON'}
    text = E.format_data_file("ch9", data, ["line one", "line two"])
    assert text.startswith("/*\n * line one\n * line two\n */\nwindow.GAN_EXPLORER_DATA = window.GAN_EXPLORER_DATA || {};\n")
    assert E.parse_data_file(text) == ("ch9", data)
    with pytest.raises(ValueError):
        E.format_data_file("ch9", data, ["a header that closes the comment */"])
    with pytest.raises(ValueError):
        E.parse_data_file("var x = 1;")
    with pytest.raises(ValueError):  # NaN is not JSON: values go through significant() first
        E.format_data_file("ch9", {"x": float("nan")}, [])


def test_chapter_grids():
    assert set(E.CHAPTERS) == {"ch2", "ch4", "ch8"}
    for chapter in E.CHAPTERS.values():
        assert chapter.steps[0] == 0 and list(chapter.steps) == sorted(set(chapter.steps))
        assert 10 <= len(chapter.steps) <= 20
        for knob in chapter.knobs:
            ids = [option.id for option in knob.options]
            assert len(ids) == len(set(ids)) and knob.default in ids
        assert len(chapter.combinations()) == np.prod([len(knob.options) for knob in chapter.knobs])
    ch2 = E.CHAPTERS["ch2"]
    settings = ch2.settings_for([ch2.knobs[0].option("minimax"), ch2.knobs[1].option("1e-2"), ch2.knobs[2].option("3")])
    assert settings == dict(target="ring", batch_size=128, device="cpu", seed=0, loss="minimax", lr_g=1e-2, lr_d=1e-2,
                            d_steps=3)
    assert E._rate_label(1e-4) == "1e-4" and E._rate_label(5e-4) == "5e-4"


def test_latent_plane_is_the_plane_of_the_first_two_axes():
    z = E.latent_plane(2.0, 3, 4)
    assert z.shape == (9, 4)
    assert z[:, 2:].abs().max() == 0
    assert z[0].tolist()[:2] == [-2.0, -2.0] and z[1].tolist()[:2] == [0.0, -2.0] and z[3].tolist()[:2] == [-2.0, 0.0]


def tiny_chapter():
    ch8 = E.CHAPTERS["ch8"]
    loss = dataclasses.replace(ch8.knobs[1], options=tuple(o for o in ch8.knobs[1].options
                                                            if o.id in ("hinge", "wasserstein")))
    regulariser = dataclasses.replace(ch8.knobs[2], options=ch8.knobs[2].options[:2], default="none")
    return dataclasses.replace(ch8, name="tiny", knobs=(loss, regulariser), steps=(0, 5, 10), base=dict(ch8.base, target="ring"),
                               samples=16, resolution=8, manifold_side=4, real_points=20)


def test_a_tiny_toy_chapter_is_complete_and_deterministic():
    chapter = tiny_chapter()
    data, header = E.build_chapter(chapter, log=lambda line: None)
    again, _ = E.build_chapter(chapter, log=lambda line: None)
    assert E.format_data_file("tiny", data, header) == E.format_data_file("tiny", again, header)
    assert set(data["runs"]) == {"hinge|none", "hinge|sn", "wasserstein|none", "wasserstein|sn"}
    assert data["runs"]["wasserstein|none"]["refused"] and not data["runs"]["wasserstein|none"]["snapshots"]
    assert any("wasserstein|none" in line and "refused" in line for line in header)
    run = data["runs"]["hinge|sn"]
    assert run["settings"]["spectral_norm"] is True and "spectral_norm=True" in run["call"]
    assert [s["step"] for s in run["snapshots"]] == [0, 5, 10]
    snap = run["snapshots"][-1]
    assert E.decode_i16(snap["fake"]).shape == (2 * 16,)
    assert E.decode_i16(snap["push"], snap["push_scale"]).shape == (2 * 16,)
    assert E.decode_u8(snap["heat"]).shape == (8 * 8,)
    assert E.decode_i16(snap["manifold"]).shape == (2 * 4 * 4,)
    assert snap["metrics"]["d_loss"] is not None and 0 <= snap["metrics"]["modes"] <= 8
    assert run["snapshots"][0]["metrics"]["d_loss"] is None  # nothing trained at step 0
    assert run["curve"]["step"][-1] == 10 and len(run["curve"]["d_loss"]) == len(run["curve"]["step"])
    assert data["targets"]["ring"]["modes"][0] == [1.0, 0.0]


COMMITTED = sorted((Path(__file__).resolve().parents[1] / "book" / "_static" / "explorer").glob("ch*.js"))


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: path.name)
def test_committed_data_files_are_complete(path):
    assert path.stat().st_size <= E.SIZE_BUDGET
    name, data = E.parse_data_file(path.read_text())
    chapter = E.CHAPTERS[name]
    assert path.stem == name and data["format"] == E.FORMAT and data["steps"] == list(chapter.steps)
    assert [k["name"] for k in data["knobs"]] == [k.name for k in chapter.knobs]
    keys = {E.run_key([o.id for o in combo]) for combo in chapter.combinations()}
    assert set(data["runs"]) == keys
    for key, run in data["runs"].items():
        if run["refused"]:
            continue
        assert 1 <= len(run["snapshots"]) <= len(chapter.steps), key
        assert [s["step"] for s in run["snapshots"]] == list(chapter.steps[:len(run["snapshots"])]), key
        assert run["diverged"] or len(run["snapshots"]) == len(chapter.steps), key


def test_committed_data_cover_all_chapters():
    assert [path.stem for path in COMMITTED] == ["ch2", "ch4", "ch8"]


def test_refresh_metadata_rewords_without_retraining_but_refuses_another_grid():
    chapter = tiny_chapter()
    data = {"knobs": E.knob_metadata(chapter), "steps": list(chapter.steps), "seed": chapter.seed,
            "title": "old", "intro": "old", "runs": {"hinge|none": {}}}
    new = E.refresh_metadata(dataclasses.replace(chapter, title="new"), data)
    assert new["title"] == "new" and new["intro"] == chapter.intro and new["runs"] == data["runs"]
    for changed in (dict(steps=(0, 5)), dict(seed=1), dict(knobs=chapter.knobs[:1])):
        with pytest.raises(ValueError, match="regenerate"):
            E.refresh_metadata(dataclasses.replace(chapter, **changed), data)


def test_latent_walk_passes_through_its_four_corners_near_the_shell():
    import torch

    z = E.latent_walk(64, side=5, seed=3)
    corners = torch.randn(4, 64, generator=torch.Generator().manual_seed(3))
    assert z.shape == (25, 64)
    for index, corner in zip((0, 4, 20, 24), corners):
        assert torch.allclose(z[index], corner, atol=1e-5)
    norms = z.norm(dim=1)
    assert norms.min() > 0.8 * corners.norm(dim=1).min()  # a straight line between corners would dip to ~0.7
    assert torch.equal(z, E.latent_walk(64, side=5, seed=3))


def test_the_browser_check_compares_readouts_with_the_data_file(monkeypatch):
    monkeypatch.syspath_prepend(str(TOOLS))  # explorer_browser_check imports browser_check and explorer_data
    check = importlib.import_module("explorer_browser_check")
    data = {"kind": "toy", "steps": [0, 10, 20],
            "knobs": [{"name": "loss", "label": "Loss", "default": "a", "options": [{"id": "a", "label": "A (3.3)"}]}],
            "targets": {"ring": {"modes": [[1.0, 0.0]] * 8}},
            "runs": {"a": {"refused": None, "diverged": "diverged after step 10", "settings": {"target": "ring"},
                           "snapshots": [{"step": 0, "metrics": {"d_loss": None, "g_loss": None, "push": 0.5}},
                                         {"step": 10, "metrics": {"d_loss": 1.25, "g_loss": -0.5, "push": 2.5e-05,
                                                                  "modes": 3, "hq": 12.5}}]}}}
    readouts = {"step": "10", "settings": "Loss: A (3.3)", "d_loss": "1.25", "g_loss": "-0.5", "push": "0.000025",
                "modes": "3 of 8", "hq": "12.5%"}
    state = {"run": "a", "index": 2, "stepText": "step 20 of 20", "note": "", "readouts": readouts}
    assert check.expected_problems(data, "a", 2, state) == []  # position 2 shows the last good snapshot (step 10)
    wrong = {**state, "readouts": {**readouts, "d_loss": "1.3", "modes": "2 of 8", "settings": "Loss: B"}}
    assert len(check.expected_problems(data, "a", 2, wrong)) == 3
    start = {"run": "a", "index": 0, "stepText": "step 0 of 20", "note": "",
             "readouts": {"step": "0", "settings": "Loss: A (3.3)", "d_loss": "\u2014", "g_loss": "\u2014",
                          "push": "0.5", "modes": "\u2014", "hq": "\u2014"}}
    assert check.expected_problems(data, "a", 0, start) == []
    assert check.expected_problems(data, "a", 1, start)  # the explorer shows another position
