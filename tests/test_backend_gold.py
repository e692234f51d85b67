"""FOLIO validation decided from its gold FOL: parsers and provers together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc.cli import main
from linc.registry import get_backend
from linc.results import Verdict


@pytest.fixture(scope="module")
def folio(shared_data: Path):
    from linc.evals.datasets import load_dataset

    path = shared_data / "folio-v0" / "folio-validation.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path, load_dataset("folio", path)


@pytest.mark.slow
def test_gold_fol_agrees_and_backends_agree(folio) -> None:
    from linc.evals.gold import check_gold

    _, problems = folio
    names = [n for n in ("prover9", "z3", "eprover") if get_backend(n).available()]
    report = check_gold(problems, backend=names, timeout=10, repair=False)
    assert report.n == 204
    assert report.agree >= 191, [o.id for o in report.disagreements]
    for name in names:
        assert report.per_backend_agree[name] >= 191, name
    assert report.backends_disagree == []
    assert report.inconsistent == []
    # the annotation slips that cannot be read are errors, never a verdict
    for outcome in report.disagreements:
        assert (outcome.got is Verdict.ERROR) == (outcome.error is not None)


@pytest.mark.slow
def test_gold_with_repair_recovers_unreadable_annotations(folio) -> None:
    from linc.evals.gold import check_gold

    _, problems = folio
    # best (the default preset) repairs; plain reading is repair=False since presets landed
    plain = check_gold(problems, backend="prover9", timeout=3, repair=False)
    repaired = check_gold(problems, backend="prover9", timeout=3, repair=True)
    assert repaired.errors < plain.errors
    assert repaired.agree >= max(plain.agree, 195)
    assert any(o.repairs for o in repaired.disagreements) or repaired.agree > plain.agree


def test_eval_gold_cli_json(folio, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = folio
    assert (
        main(
            ["eval", "gold", "--path", str(path), "--backend", "prover9", "--limit", "30", "--json"]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {"n", "agree", "per_label", "disagreements", "seconds"} <= set(data)
    assert data["n"] == 30
    assert sum(c["n"] for c in data["per_label"].values()) == 30
    assert data["agree"] == sum(c["agree"] for c in data["per_label"].values())
    assert len(data["disagreements"]) == 30 - data["agree"]


def test_eval_gold_on_own_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [
        {
            "id": "dogs",
            "premises": "All dogs are animals. Rex is a dog.",
            "premises_fol": ["all x. (Dog(x) -> Animal(x))", "Dog(rex)"],
            "conclusion": "Rex is an animal.",
            "conclusion_fol": "Animal(rex)",
            "label": "True",
        },
        {
            "id": "cats",
            "premises": ["Cats purr.", "Tom is a cat."],
            "premises_fol": ["∀x (Cat(x) → Purr(x))", "Cat(tom)"],
            "conclusion": "Tom does not purr.",
            "conclusion_fol": "¬Purr(tom)",
            "label": "False",
        },
        {
            "id": "wrong",
            "premises": ["Tom is a cat."],
            "premises_fol": ["Cat(tom)"],
            "conclusion": "Tom purrs.",
            "conclusion_fol": "Purr(tom)",
            "label": "True",
        },
    ]
    own = tmp_path / "mine.jsonl"
    own.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    args = ["eval", "gold", "--dataset", "jsonl", "--path", str(own), "--syntax", "auto", "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["n"], report["agree"]) == (3, 2)
    assert [(d["id"], d["got"]) for d in report["disagreements"]] == [("wrong", "Uncertain")]
    assert main([*args[:-2], "fancy"]) == 1
    assert "unknown syntax 'fancy'" in capsys.readouterr().err
