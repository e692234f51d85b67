"""The shot pool of the embedded path: disjoint from every measured set, and correct."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linc.evals.datasets import load_dataset
from linc.parsers.shots import choose_shots, forms, shot_pool, textbook_shots
from linc.parsers.vocabulary import vocabulary

REPO = Path(__file__).resolve().parent.parent
TEXTBOOK = REPO / "benchmarks" / "data" / "textbook.jsonl"
MEASURED = {  # what benchmarks/embedded.py measures (whole files, not only the first 50)
    "prontoqa": "logiclm/ProntoQA/dev.json",
    "proofwriter": "logiclm/ProofWriter/dev.json",
    "folio": "folio-v0/folio-validation.jsonl",
}


def _key(sentence: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", sentence.lower()).strip()


def _shot_sentences() -> set[str]:
    return {_key(s) for shot in shot_pool() for s in [*shot["premises"], shot["conclusion"]]}


def _overlap(problems: list) -> set[str]:
    measured = {_key(s) for p in problems for s in [*p.premises, p.conclusion]}
    return _shot_sentences() & measured


def test_no_shot_sentence_is_in_the_textbook_set() -> None:
    assert _overlap(load_dataset("jsonl", TEXTBOOK)) == set()


@pytest.mark.parametrize("name", sorted(MEASURED))
def test_no_shot_sentence_is_in_a_measured_set(name: str, shared_data: Path) -> None:
    kind = "folio" if name == "folio" else name
    assert _overlap(load_dataset(kind, shared_data / MEASURED[name])) == set()


def test_textbook_shots_decide_to_their_label_and_use_their_own_words() -> None:
    import linc

    for shot in textbook_shots():
        *premises, goal = shot["fol"]
        assert linc.decide(premises, goal, backend="z3").verdict.value == shot["label"], shot["id"]
        sentences = [*shot["premises"], shot["conclusion"]]
        vocab = vocabulary(sentences)
        for i, formula in enumerate(shot["fol"]):
            for name, args in re.findall(r"([A-Z]\w*)\(([^()]*)\)", formula):
                assert name in vocab.predicates[i], (shot["id"], name)
                for arg in args.split(", "):
                    assert arg in "xyz" or arg in vocab.line_constants[i], (shot["id"], arg)


def test_shots_are_chosen_by_sentence_form() -> None:
    assert forms("No fish are mammals.") >= {"no"}
    assert forms("Carla is a teacher or a doctor.") >= {"fact", "or"}
    assert forms("If something is big then it is red.") >= {"if", "something"}
    chosen = choose_shots(
        2, ["Dan is a singer or a dancer.", "Dan is not a singer."], "Dan dances."
    )
    assert any("or" in forms(s) for shot in chosen for s in shot["premises"])
    first = textbook_shots()[0]
    assert first not in choose_shots(40, first["premises"], first["conclusion"])
