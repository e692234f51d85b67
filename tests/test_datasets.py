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
