"""Issue 12, item 6: one bad row of a dataset file never kills a run, and no valid row is lost.

``load_dataset`` reads bytes, not lines of text: invalid UTF-8 loses only its
own row, a byte order mark loses nothing, and only ``\\n`` ends a JSON line.
Every bad row is either a ``DataError`` naming its line and field, or (with
``skip_invalid``) a ``SkippedRow`` the caller receives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from linc.errors import DataError
from linc.evals.datasets import SkippedRow, load_dataset
from linc.results import Verdict


def _row(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"q{n}", "premises": [f"A{n}."], "conclusion": f"B{n}.", **extra}


def _line(n: int, **extra: Any) -> bytes:
    return json.dumps(_row(n, **extra)).encode()


def _write(tmp_path: Path, lines: list[bytes], *, name: str = "mine.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


@pytest.mark.parametrize(
    ("label", "kind"),
    [(True, "a boolean"), (1, "a number"), (["True"], "a list"), ({"v": "True"}, "an object")],
)
def test_a_label_of_the_wrong_type_is_a_data_error_or_a_skipped_row(tmp_path, label, kind):
    path = _write(tmp_path, [_line(1), _line(2, label=label), _line(3, label="False")])
    with pytest.raises(DataError, match=rf"line 2: label: expected a string .*got {kind}"):
        load_dataset("jsonl", path)
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q3"]
    assert problems[1].label is Verdict.FALSE
    (row,) = skipped
    assert (row.line, row.where) == (2, "line 2")
    assert row.reason.startswith("label: expected a string") and kind in row.reason
    assert str(row) == f"line 2: {row.reason}"


@pytest.mark.parametrize("bad", [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc"])
def test_invalid_utf8_loses_only_its_own_row(tmp_path, bad):
    broken = _line(2).replace(b"A2.", b"A2" + bad + b".")
    path = _write(tmp_path, [_line(1), broken, _line(3)])
    with pytest.raises(DataError, match=r"line 2: not UTF-8 \(byte 0x[0-9a-f]{2} at column \d+\)"):
        load_dataset("jsonl", path)
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q3"]
    assert [(s.line, s.reason.split(" (")[0]) for s in skipped] == [(2, "not UTF-8")]


def test_invalid_utf8_in_a_json_list_loses_only_its_own_problem(tmp_path):
    text = json.dumps([_row(1), _row(2), _row(3)], indent=1).encode()
    path = tmp_path / "mine.json"
    path.write_bytes(text.replace(b"A2.", b"A2\xff."))
    with pytest.raises(DataError, match=r"problem 2: premises\.0: invalid UTF-8"):
        load_dataset("jsonl", path)
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q3"]
    assert [(s.line, s.where) for s in skipped] == [(2, "problem 2")]


def test_a_lone_surrogate_escape_is_refused_at_load_time(tmp_path):
    path = _write(tmp_path, [_line(1), _line(2, conclusion="B\udcff."), _line(3)])
    assert b"\\udcff" in path.read_bytes()  # a JSON escape, valid UTF-8 on disk
    with pytest.raises(DataError, match=r"line 2: conclusion: invalid UTF-8 or a lone surrogate"):
        load_dataset("jsonl", path)
    problems = load_dataset("jsonl", path, skip_invalid=True)
    assert [p.id for p in problems] == ["q1", "q3"]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085"])
def test_line_separators_inside_strings_do_not_split_a_row(tmp_path, separator):
    text = "\n".join(
        json.dumps(_row(n, conclusion=f"B{separator}{n}."), ensure_ascii=False) for n in (1, 2)
    )
    path = tmp_path / "mine.jsonl"
    path.write_text(text + "\n", encoding="utf-8")
    problems = load_dataset("jsonl", path)
    assert [p.conclusion for p in problems] == [f"B{separator}1.", f"B{separator}2."]


def test_the_first_row_after_a_byte_order_mark_is_read(tmp_path):
    path = _write(tmp_path, [b"\xef\xbb\xbf" + _line(1), _line(2)])
    assert [p.id for p in load_dataset("jsonl", path)] == ["q1", "q2"]
    as_list = tmp_path / "mine.json"
    as_list.write_bytes(b"\xef\xbb\xbf" + json.dumps([_row(1), _row(2)]).encode())
    assert [p.id for p in load_dataset("jsonl", as_list)] == ["q1", "q2"]


def test_crlf_line_ends_are_read(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_bytes(_line(1) + b"\r\n" + _line(2) + b"\r\n\r\n")
    assert [p.id for p in load_dataset("jsonl", path)] == ["q1", "q2"]


def test_bad_json_is_skipped_with_its_line_number(tmp_path):
    path = _write(tmp_path, [_line(1), b'{"id": "q2", "premises": [', _line(3)])
    with pytest.raises(DataError, match="line 2: not JSON"):
        load_dataset("jsonl", path)
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q3"]
    assert [(s.line, s.reason.split(":")[0]) for s in skipped] == [(2, "not JSON")]


def test_a_repeated_id_is_a_data_error_or_the_later_row_is_skipped(tmp_path):
    path = _write(tmp_path, [_line(1), _line(2), _line(1, conclusion="Other.")])
    with pytest.raises(DataError, match=r"line 3: id 'q1' repeats line 1"):
        load_dataset("jsonl", path)
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [(p.id, p.conclusion) for p in problems] == [("q1", "B1."), ("q2", "B2.")]
    assert [(s.line, s.reason) for s in skipped] == [(3, "id 'q1' repeats line 1")]


def test_a_default_id_may_not_collide_with_a_given_one(tmp_path):
    # the row on line 2 has no id, so it gets "1", which line 1 already took
    path = _write(
        tmp_path, [_line(1, id="1"), json.dumps({"premises": ["A."], "conclusion": "B."}).encode()]
    )
    with pytest.raises(DataError, match=r"line 2: id '1' repeats line 1"):
        load_dataset("jsonl", path)


@pytest.mark.parametrize(
    ("ident", "kind"), [(True, "a boolean"), ([1], "a list"), ({}, "an object")]
)
def test_an_id_of_the_wrong_type_is_a_data_error(tmp_path, ident, kind):
    path = _write(tmp_path, [_line(1, id=ident)])
    with pytest.raises(
        DataError, match=rf"line 1: id: expected a string or an integer, got {kind}"
    ):
        load_dataset("jsonl", path)


def test_every_kind_of_bad_row_at_once_and_the_run_goes_on(tmp_path, caplog):
    lines = [
        _line(1),
        _line(2, label=True),
        b"not json",
        _line(4).replace(b"A4", b"A4\xfe"),
        _line(5, label=["x"]),
        _line(1),
        json.dumps(_row(7, conclusion="B\u20287."), ensure_ascii=False).encode(),
        _line(8, label={"a": 1}),
        _line(9, label=1),
        _line(10, label="Uncertain"),
    ]
    path = _write(tmp_path, [b"\xef\xbb\xbf" + lines[0], *lines[1:]])
    skipped: list[SkippedRow] = []
    with caplog.at_level("WARNING", logger="linc.evals.datasets"):
        problems = load_dataset("jsonl", path, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q7", "q10"]
    assert [s.line for s in skipped] == [2, 3, 4, 5, 6, 8, 9]
    assert all(s.reason for s in skipped)
    assert "skipped 7 malformed problem(s)" in caplog.text


def test_skipped_rows_are_appended_to_the_callers_list_and_pickle(tmp_path):
    import pickle

    path = _write(tmp_path, [_line(1, label=True)])
    skipped: list[SkippedRow] = [SkippedRow(line=0, where="earlier", reason="kept")]
    assert load_dataset("jsonl", path, skip_invalid=True, skipped=skipped) == []
    assert [s.where for s in skipped] == ["earlier", "line 1"]
    assert pickle.loads(pickle.dumps(skipped)) == skipped
    assert skipped[1].model_dump() == {"line": 1, "where": "line 1", "reason": skipped[1].reason}


def test_limit_stops_reading_so_later_rows_are_neither_errors_nor_skipped(tmp_path):
    path = _write(tmp_path, [_line(1), _line(2, label=True), _line(3), b"not json"])
    skipped: list[SkippedRow] = []
    problems = load_dataset("jsonl", path, limit=2, skip_invalid=True, skipped=skipped)
    assert [p.id for p in problems] == ["q1", "q3"]
    assert [s.line for s in skipped] == [2]
    assert [p.id for p in load_dataset("jsonl", path, limit=1)] == ["q1"]
    assert load_dataset("jsonl", path, limit=0) == []
    with pytest.raises(DataError, match="limit must be 0 or more"):
        load_dataset("jsonl", path, limit=-1)


def test_a_logiclm_answer_of_the_wrong_type_is_a_skipped_row(tmp_path):
    rows = [
        {
            "id": f"p{n}",
            "context": "A. B.",
            "question": "Is it? C.",
            "options": ["A) True", "B) False"],
            "answer": answer,
        }
        for n, answer in ((1, "A"), (2, True), (3, "B"))
    ]
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(rows))
    skipped: list[SkippedRow] = []
    problems = load_dataset("proofwriter", path, skip_invalid=True, skipped=skipped)
    assert [(p.id, p.label) for p in problems] == [("p1", Verdict.TRUE), ("p3", Verdict.FALSE)]
    assert [s.where for s in skipped] == ["problem 2"]
