"""LogicNLI's labels, the Paradox answer, and the data every report records (issue 16)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from recorded_server import serving

from linc.cli import main
from linc.errors import DataError
from linc.evals.catalogue import catalogue
from linc.evals.catalogue_open import open_dataset
from linc.evals.recorded import RecordedProblem, RecordedRun
from linc.pipeline import vote_samples
from linc.results import Verdict
from linc.settings import Settings
from linc.voting import Sample, vote

BOTH = Sample(verdict=Verdict.TRUE, inconsistent=True, evidence="premises are inconsistent")
TRUE = Sample(verdict=Verdict.TRUE)
UNCERTAIN = Sample(verdict=Verdict.UNCERTAIN)
ERROR = Sample.from_exception(TimeoutError("limit"))


# ------------------------------------------------------------------ loading LogicNLI


def test_logicnli_letters_are_true_false_uncertain_paradox(shared_data: Path) -> None:
    opened = open_dataset("logicnli", shared_data / "logicnli/dev.json")
    counts = {v: sum(p.label is v for p in opened.problems) for v in Verdict}
    assert counts[Verdict.TRUE] == 85 and counts[Verdict.FALSE] == 24
    assert counts[Verdict.UNCERTAIN] == 28 and counts[Verdict.PARADOX] == 163
    first = json.loads((shared_data / "logicnli/dev.json").read_text())[0]
    assert opened.problems[0].premises == first["facts"] + first["rules"]
    assert opened.problems[0].conclusion == first["conjecture"]
    assert opened.paradox
    assert opened.info.labels["D"].startswith("Paradox:")
    assert set(opened.info.labels) == {"A", "B", "C", "D"}


def test_a_label_that_cannot_be_placed_is_reported_and_left_out(tmp_path: Path) -> None:
    rows = [
        {"id": "ok", "facts": ["A is red."], "rules": [], "conjecture": "A is red.", "answer": "A"},
        {"id": "odd", "facts": ["A is red."], "rules": [], "conjecture": "A is.", "answer": "E"},
    ]
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(rows))
    opened = open_dataset("logicnli", path, skip_invalid=True)
    assert [p.id for p in opened.problems] == ["ok"]
    assert len(opened.skipped) == 1 and "'E' cannot be placed" in opened.skipped[0].reason
    with pytest.raises(DataError, match="cannot be placed"):
        open_dataset("logicnli", path)
    # FOLIO's loader has no Paradox: a row labelled so is not placed either
    folio = tmp_path / "f.jsonl"
    folio.write_text(json.dumps({"premises": ["P."], "conclusion": "Q.", "label": "Paradox"}))
    assert open_dataset("jsonl", folio, skip_invalid=True).problems == []


def test_only_datasets_with_the_label_enable_paradox(shared_data: Path) -> None:
    for name, entry in catalogue().items():
        assert entry.paradox == (name == "logicnli")
    folio = open_dataset("folio", shared_data / "folio-v0/folio-validation.jsonl", limit=3)
    assert not folio.paradox and set(folio.info.labels) == {"True", "False", "Uncertain"}


# ------------------------------------------------------------------ the vote


def test_paradox_when_both_directions_outweigh_the_rest() -> None:
    assert vote([BOTH, BOTH, TRUE], policy="best", paradox=True).label is Verdict.PARADOX
    # best: Uncertain counts a tenth, so one sample proving both outweighs nine Uncertain
    assert vote([BOTH, *[UNCERTAIN] * 9], policy="best", paradox=True).label is Verdict.PARADOX
    assert vote([BOTH, *[UNCERTAIN] * 10], policy="best", paradox=True).label is Verdict.UNCERTAIN
    # a tie keeps the ordinary vote; errors do not count
    assert vote([BOTH, TRUE, ERROR, ERROR], policy="linc", paradox=True).label is Verdict.TRUE
    answer = vote([BOTH, BOTH, TRUE, ERROR], policy="majority", paradox=True)
    assert answer.label is Verdict.PARADOX and answer.winners == [0, 1]
    assert answer.votes == {Verdict.PARADOX: 2, Verdict.TRUE: 1}


def test_no_paradox_without_the_label() -> None:
    samples = [BOTH, BOTH, BOTH, TRUE]
    for policy in ("best", "linc", "majority"):
        assert vote(samples, policy=policy).label is Verdict.TRUE
    settings = Settings.preset_of("best")
    assert vote_samples(samples, settings).label is Verdict.TRUE
    assert vote_samples(samples, settings.with_(paradox=True)).label is Verdict.PARADOX


# ------------------------------------------------------------------ a live run over LogicNLI


def _completion(premises: list[tuple[str, str]], conclusion: tuple[str, str]) -> str:
    lines = [f"TEXT:\t{text}\nFOL:\t{fol}" for text, fol in [*premises, conclusion]]
    return "\n".join(lines)


CONTRADICTION = [("Rex is a dog.", "Dog(rex)"), ("Rex is not a dog.", "-Dog(rex)")]
CHAIN = [("All dogs are animals.", "all x. (Dog(x) -> Animal(x))"), ("Rex is a dog.", "Dog(rex)")]
PROBLEMS = [  # id, premises, conclusion, LogicNLI letter
    ("p0", CONTRADICTION, ("Rex is a cat.", "Cat(rex)"), "D"),
    ("p1", CHAIN, ("Rex is an animal.", "Animal(rex)"), "A"),
]


def _live(tmp_path: Path, dataset: str, path: Path, out: Path, url: str) -> dict:
    code = main(
        ["eval", "run", "--dataset", dataset, "--path", str(path), "--base-url", url,
         "--model", "recorded", "--k", "3", "--workers", "1", "--cache-dir",
         str(tmp_path / "cache"), "--out", str(out), "--json", "--no-progress"]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "report.json").read_text())


def test_a_live_logicnli_run_answers_paradox_and_records_its_data(tmp_path: Path) -> None:
    run = RecordedRun(
        name="synthetic",
        problems=[
            RecordedProblem(index=i, id=ident, completions=[_completion(premises, c)] * 3)
            for i, (ident, premises, c, _) in enumerate(PROBLEMS)
        ],
    )
    logicnli = tmp_path / "dev.json"
    rows = [
        {"id": i, "facts": [t for t, _ in ps], "rules": [], "conjecture": c[0], "answer": letter}
        for i, ps, c, letter in PROBLEMS
    ]
    logicnli.write_text(json.dumps(rows))
    plain = tmp_path / "plain.jsonl"  # the same problems, as a dataset without Paradox
    with serving(run, problems_out=plain) as server:
        paradox = _live(tmp_path, "logicnli", logicnli, tmp_path / "a", server.url)
        without = _live(tmp_path, "jsonl", plain, tmp_path / "b", server.url)
    assert paradox["confusion"] == {"Paradox": {"Paradox": 1}, "True": {"True": 1}}
    assert paradox["accuracy"] == 1.0
    assert paradox["config"]["paradox"] is True
    data = paradox["dataset"]
    assert data["name"] == "logicnli" and data["n"] == 2
    assert data["sha256"] == hashlib.sha256(logicnli.read_bytes()).hexdigest()
    assert data["labels"]["D"].startswith("Paradox")
    assert "| D | Paradox:" in (tmp_path / "a" / "report.md").read_text()
    records = [json.loads(line) for line in (tmp_path / "b" / "records.jsonl").open()]
    assert [r["predicted"] for r in records] == ["True", "True"]  # never Paradox without it
    assert without["config"]["paradox"] is False
    assert without["dataset"]["sha256"] == hashlib.sha256(plain.read_bytes()).hexdigest()


# ------------------------------------------------------------------ replays and compare


def test_replay_reports_carry_the_data_and_compare_refuses_other_data(
    folio8_replays: dict[str, Path],
    shared_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    refs = "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_references.json"
    sha = hashlib.sha256((shared_data / refs).read_bytes()).hexdigest()
    for folder in folio8_replays.values():
        report = json.loads((folder / "report.json").read_text())
        assert report["dataset"]["sha256"] == sha and report["dataset"]["n"] == 20
    linc, best = folio8_replays["linc"], folio8_replays["best"]
    assert main(["eval", "compare", str(linc), str(best), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["same_data"] is True
    other = tmp_path / "other"
    shutil.copytree(best, other)
    report = json.loads((other / "report.json").read_text())
    report["dataset"]["sha256"] = "0" * 64
    (other / "report.json").write_text(json.dumps(report))
    assert main(["eval", "compare", str(linc), str(other)]) == 1
    err = capsys.readouterr().err
    assert "different data" in err and "--force" in err
    assert main(["eval", "compare", str(linc), str(other), "--force", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["same_data"] is False
