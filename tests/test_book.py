"""gan_lib.book: a claim prints one comparable line, raises when it fails, and logs its value on request."""
import json

import pytest
import torch

from gan_lib.book import ClaimFailed, claim, claim_holds, glue


def test_a_claim_that_holds_prints_true(capsys):
    claim("all 8 modes captured", 8, at_least=8)
    claim("JSD below 0.15 nats", torch.tensor(0.03), at_most=0.15)
    claim("resumed run is bit-identical", True)
    assert capsys.readouterr().out.splitlines() == [
        "all 8 modes captured: True", "JSD below 0.15 nats: True", "resumed run is bit-identical: True"]


def test_a_long_claim_is_printed_on_lines_that_fit_the_book_s_code_boxes(capsys):
    text = "generated images are no closer to the training set than real test images are (median distance ratio)"
    claim(text, 1.02, at_least=0.9)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(len(line) <= 88 for line in lines) and lines[1].startswith("    ")
    assert " ".join(line.strip() for line in lines) == f"{text}: True"


def test_a_failed_claim_raises_with_the_measured_value_and_the_bound(monkeypatch):
    monkeypatch.delenv("GAN_BOOK_CLAIMS", raising=False)
    with pytest.raises(ClaimFailed, match=r"'all 8 modes captured'.*measured 6 .*at least 8"):
        claim("all 8 modes captured", 6, at_least=8)
    with pytest.raises(ClaimFailed, match="at most 0.15"):
        claim("JSD below 0.15 nats", 0.2, at_most=0.15)
    with pytest.raises(ClaimFailed):
        claim("resumed run is bit-identical", False)
    with pytest.raises(ClaimFailed, match="measured nan"):
        claim("finite loss", float("nan"), at_most=10)


def test_record_mode_logs_every_claim_and_prints_false(tmp_path, monkeypatch, capsys):
    log = tmp_path / "claims.jsonl"
    monkeypatch.setenv("GAN_BOOK_CLAIMS_LOG", str(log))
    monkeypatch.setenv("GAN_BOOK_CLAIMS", "record")
    claim("at least 7 modes", 6, at_least=7)  # recorded, not raised
    claim("between 0.4 and 0.6", 0.5, at_least=0.4, at_most=0.6)
    assert capsys.readouterr().out.splitlines() == ["at least 7 modes: False", "between 0.4 and 0.6: True"]
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert records == [
        {"claim": "at least 7 modes", "value": 6.0, "at_least": 7, "at_most": None, "holds": False},
        {"claim": "between 0.4 and 0.6", "value": 0.5, "at_least": 0.4, "at_most": 0.6, "holds": True}]


def test_bad_claims_are_refused():
    with pytest.raises(ValueError, match="needs a bound"):
        claim("some number", 3.0)
    with pytest.raises(ValueError, match="says what is claimed"):
        claim("", True)
    with pytest.raises(ValueError, match="above at_most"):
        claim("empty range", 1.0, at_least=2, at_most=1)
    with pytest.raises(TypeError, match="number or a bool"):
        claim("a string", "8", at_least=8)
    assert claim_holds(1.0, at_least=1.0, at_most=1.0) and not claim_holds(0.999, at_least=1.0)


def test_glue_stores_plain_numbers_for_the_text(capsys):
    glue("answer", torch.tensor(0.25))  # no error with or without myst-nb; nothing printed to stdout
    assert capsys.readouterr().out == ""


def test_table_renders_markdown_for_the_book_and_aligned_text_for_nbval():
    from gan_lib.book import Table

    rows = [{"loss": "hinge", "modes": 7.5, "runs": 3}, {"loss": "a|b", "modes": float("nan"), "runs": 2}]
    table = Table(rows, headers={"modes": "modes (of 8)"}, digits=1, caption="Table 1")
    assert table._repr_markdown_().splitlines() == [
        "Table 1", "",
        "| loss | modes (of 8) | runs |",
        "|:---|---:|---:|",
        "| hinge | 7.5 | 3 |",
        "| a\\|b | - | 2 |",
    ]
    assert repr(table).splitlines() == [
        "Table 1",
        "loss   modes (of 8)  runs",
        "-----  ------------  ----",
        "hinge           7.5     3",
        "a|b               -     2",
    ]


def test_a_table_from_row_lists_right_aligns_numbers_given_as_text_and_refuses_a_short_row():
    from gan_lib.book import Table

    table = Table.from_rows(["images", "FD", "runs"], [["real", "0.52", 3], ["generated", "12.30", 10]],
                            caption="**Table 4.2.** Two sets")
    assert table._repr_markdown_().splitlines() == [
        "**Table 4.2.** Two sets", "",
        "| images | FD | runs |",
        "|:---|---:|---:|",
        "| real | 0.52 | 3 |",
        "| generated | 12.30 | 10 |",
    ]
    assert repr(table).splitlines()[1:] == [
        "images        FD  runs",
        "---------  -----  ----",
        "real        0.52     3",
        "generated  12.30    10",
    ]
    mixed = Table.from_rows(["seeds", "accuracy"], [["1, 2, 3", "74.3%"], ["4", "-"]])
    assert mixed.markdown.splitlines()[1] == "|:---|---:|"  # a list of numbers is text; a percentage a number
    with pytest.raises(ValueError, match="row 2 has 1 cells for 2 columns"):
        Table.from_rows(["a", "b"], [[1, 2], [3]])
