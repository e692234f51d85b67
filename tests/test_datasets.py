import json

import pytest

from linc import DataError, Verdict
from linc.evals.datasets import load_dataset, split_sentences


def test_folio_v0_validation(shared_data):
    problems = load_dataset("folio", shared_data / "folio-v0" / "folio-validation.jsonl")
    assert len(problems) == 204
    first = problems[0]
    assert first.label is Verdict.UNCERTAIN
    assert len(first.premises) == len(first.premises_fol) == 6
    assert first.conclusion_fol == "Engaged(bonnie)"
    assert {p.label for p in problems} == {Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN}


def test_folio_v0_train_has_no_conclusion_fol(shared_data):
    problems = load_dataset("folio", shared_data / "folio-v0" / "folio-train.jsonl", limit=5)
    assert len(problems) == 5
    assert all(p.premises_fol and p.conclusion_fol is None for p in problems)


@pytest.mark.parametrize(
    ("name", "folder", "size", "labels"),
    [
        ("proofwriter", "ProofWriter", 600, 3),
        ("prontoqa", "ProntoQA", 500, 2),
        ("folio", "FOLIO", 204, 3),
    ],
)
def test_logiclm_dev(shared_data, name, folder, size, labels):
    problems = load_dataset(name, shared_data / "logiclm" / folder / "dev.json")
    assert len(problems) == size
    assert len({p.label for p in problems}) == labels
    assert all(p.premises and p.conclusion and not p.conclusion.endswith("?") for p in problems)


def test_proofwriter_first_problem(shared_data):
    first = load_dataset("proofwriter", shared_data / "logiclm" / "ProofWriter" / "dev.json")[0]
    assert first.conclusion == "Charlie is kind."
    assert first.premises[:2] == ["Bob is cold.", "Bob is quiet."]
    assert first.label is Verdict.TRUE


def test_bad_inputs_name_the_problem(tmp_path):
    with pytest.raises(DataError, match="unknown dataset"):
        load_dataset("clutrr", tmp_path / "x.json")
    with pytest.raises(DataError, match="no such file"):
        load_dataset("folio", tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            [
                {
                    "id": "1",
                    "context": "A.",
                    "question": "Q? B.",
                    "options": ["A) True"],
                    "answer": "D",
                }
            ]
        )
    )
    with pytest.raises(DataError, match="problem 1"):
        load_dataset("proofwriter", bad)


def test_split_sentences():
    assert split_sentences("Bob is big. If x then y.  Max is a cat.") == [
        "Bob is big.",
        "If x then y.",
        "Max is a cat.",
    ]


def test_own_problems_as_json_lines(tmp_path):
    own = tmp_path / "mine.jsonl"
    rows = [
        {
            "id": "q1",
            "premises": ["All dogs are animals.", "Rex is a dog."],
            "conclusion": "Rex is an animal.",
            "label": "True",
        },
        {"premises": "Cats purr. Tom is a cat.", "conclusion": "Tom purrs.", "depth": 1},
        {
            "premises": ["P holds."],
            "conclusion": "Q holds.",
            "label": "unknown",
            "premises_fol": ["P"],
            "conclusion_fol": "Q",
        },
    ]
    own.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    first, second, third = load_dataset("jsonl", own)
    assert (first.id, first.label, first.dataset) == ("q1", Verdict.TRUE, "jsonl")
    assert second.id == "1" and second.label is None and second.depth == 1
    assert second.premises == ["Cats purr.", "Tom is a cat."]
    assert third.label is Verdict.UNCERTAIN
    assert (third.premises_fol, third.conclusion_fol) == (["P"], "Q")
    as_list = tmp_path / "mine.json"
    as_list.write_text(json.dumps(rows))
    assert load_dataset("jsonl", as_list) == [first, second, third]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"premises": ["A."]}, r"line 1: conclusion: Field required"),
        ({"premises": ["A."], "conclusion": "B.", "label": "maybe"}, r"line 1: unknown label"),
        (["A.", "B."], r"line 1: expected a JSON object, got list"),
        ({"premises": [1], "conclusion": "B."}, r"line 1: premises\.0: Input should be"),
    ],
)
def test_own_problems_bad_rows_name_line_and_field(tmp_path, row, message):
    own = tmp_path / "mine.jsonl"
    own.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match=message):
        load_dataset("jsonl", own)


def test_skip_invalid_leaves_bad_rows_out_and_says_which(tmp_path, caplog):
    own = tmp_path / "mine.jsonl"
    good = {"premises": ["A."], "conclusion": "B.", "label": "True"}
    own.write_text(
        "\n".join(
            [json.dumps(good), "{not json", json.dumps({"premises": ["A."]}), json.dumps(good)]
        )
    )
    with pytest.raises(DataError, match="line 2: not JSON"):
        load_dataset("jsonl", own)
    with caplog.at_level("WARNING", logger="linc.evals.datasets"):
        problems = load_dataset("jsonl", own, skip_invalid=True)
    assert [p.id for p in problems] == ["0", "3"]
    (message,) = [r.getMessage() for r in caplog.records]
    assert "skipped 2 malformed problem(s)" in message
    assert "line 2: not JSON" in message and "line 3: conclusion: Field required" in message
