"""Replaying recorded runs: parity with LINC, best mode, resume, the report schema.

Real recorded data and real provers throughout; the proof cache lives in a
temporary directory so every test decides from scratch.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from linc.errors import ConfigError
from linc.evals.recorded import RecordedProblem, RecordedRun, load_linc_run, load_logiclm_programs
from linc.evals.records import RECORDS, read_records
from linc.evals.replay import replay_linc, replay_logiclm
from linc.evals.report import Report
from linc.results import Verdict
from linc.settings import Settings
from linc.voting import ErrorCause

LINC = "recorded/linc"
FOLIO8 = "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot"
PW = "gpt-4-0613_proofwriter-neurosymbolic-8shot"
REPO = Path(__file__).resolve().parent.parent


def options(preset: str, tmp_path: Path, **extra) -> dict:
    settings = Settings.preset_of(preset, **extra)
    return {"settings": settings, "workers": 2, "cache_dir": str(tmp_path / "cache")}


def one_problem(*completions: str, label: Verdict = Verdict.TRUE) -> RecordedRun:
    problem = RecordedProblem(index=0, id="p0", label=label, completions=list(completions))
    return RecordedRun(name="handmade", problems=[problem])


# ------------------------------------------------------------ parity rules


def test_inconsistent_premises_are_true_in_parity_and_abstain_in_best(tmp_path):
    run = one_problem(
        "FOL:\tSmart(Ann)\nFOL:\t-Smart(Ann)\nFOL:\tHappy(Bob)",
        "FOL:\tall x. (Cat(x) -> Pet(x))\nFOL:\tCat(Tom)\nFOL:\t-Pet(Tom)",
        label=Verdict.FALSE,
    )
    parity_record = _only_record(tmp_path, run, "linc")
    assert [s.verdict for s in parity_record.samples] == [Verdict.TRUE, Verdict.FALSE]
    assert parity_record.predicted is Verdict.TRUE  # tie, first seen
    record = _only_record(tmp_path, run, "best")
    assert record.samples[0].inconsistent and not record.samples[1].inconsistent
    assert record.answer is not None and record.answer.abstained == [0]
    assert record.predicted is Verdict.FALSE


def test_best_uncertain_weight_is_an_option(tmp_path):
    proof = "FOL:\tall x. (Cat(x) -> Pet(x))\nFOL:\tCat(Tom)\nFOL:\tPet(Tom)"
    no_proof = "FOL:\tall x. (Cat(x) -> Pet(x))\nFOL:\tCat(Tim)\nFOL:\tPet(Tom)"
    run = one_problem(no_proof, no_proof, proof, label=Verdict.UNCERTAIN)
    # one proof against two Uncertain votes: 0.1 each by default, 1 each with weight 1
    default = replay_linc(run, **options("best", tmp_path))
    assert default.confusion == {"Uncertain": {"True": 1}}
    full = replay_linc(run, **options("best", tmp_path, uncertain_weight=1.0))
    assert full.accuracy == 1.0 and full.config["uncertain_weight"] == 1.0
    with pytest.raises(ConfigError, match="uncertain_weight"):
        options("best", tmp_path, uncertain_weight=1.5)


def _only_record(tmp_path: Path, run: RecordedRun, mode: str):
    out = tmp_path / f"out-{mode}"
    replay_linc(run, **options(mode, tmp_path), out=out)
    (record,) = read_records(out / RECORDS)
    return record


def test_arity_clash_is_error_in_parity_and_renamed_in_best(tmp_path):
    run = one_problem(
        "FOL:\tOwns(Ann, Car)\nFOL:\tall x. (Owns(x, Car, Red) -> Rich(x))\nFOL:\tOwns(Ann, Car)"
    )
    parity = _only_record(tmp_path, run, "linc")
    assert parity.samples[0].error is ErrorCause.ARITY
    assert parity.predicted is Verdict.ERROR and not parity.correct
    best = _only_record(tmp_path, run, "best")
    assert best.samples[0].verdict is Verdict.TRUE
    assert "arity_rename" in best.samples[0].repairs


def test_constant_named_like_a_unary_predicate_keeps_its_kind_in_best(tmp_path):
    # "Koala" is a predicate and a constant: parity refuses the sample, best
    # renames the constant apart and states Koala(Koala_c), so the premises
    # refute "the koala is a quokka" (as they would for any koala).
    run = one_problem(
        "FOL:\tall x. (Koala(x) & Fluffy(x) -> -Quokka(x))\nFOL:\tall x. (Quokka(x) -> Fluffy(x))\n"
        "FOL:\tQuokka(Koala)",
        label=Verdict.FALSE,
    )
    parity = _only_record(tmp_path, run, "linc")
    assert parity.samples[0].error is ErrorCause.ARITY
    best = _only_record(tmp_path, run, "best")
    assert best.samples[0].verdict is Verdict.FALSE
    assert {"arity_rename", "kind_axiom"} <= set(best.samples[0].repairs)


def test_kind_axioms_only_for_unary_predicates():
    from linc.ir import Const, Pred
    from linc.parsers import parse
    from linc.rename import kind_axioms, rename_clashes

    texts = (
        "all x. (Koala(x) -> Cute(x))",
        "Likes(Koala, Rent)",
        "Rent(Ann, Bob)",
        "Koala_c = Koala_c",
    )
    formulas = [parse(t) for t in texts]
    renamed, changed = rename_clashes(formulas)
    assert changed
    # the constant Koala is renamed past the existing Koala_c; Rent names a relation: no axiom
    assert kind_axioms(formulas) == [Pred("Koala", (Const("Koala_c_2"),))]
    assert renamed[1] == Pred("Likes", (Const("Koala_c_2"), Const("Rent_c")))
    assert kind_axioms([parse("Koala(Ann)"), parse("Koala(Bob)")]) == []


def test_free_u_to_z_names_are_variables_in_parity(tmp_path):
    # Prover9 reads a free x as a variable: "Tall(x)" claims everything is tall,
    # so the conclusion Tall(Ann) is proved in parity; best reads x the same way,
    # but a constant "yale" stays a constant there.
    run = one_problem("FOL:\tTall(x)\nFOL:\tTall(Ann)", "FOL:\tStudies(yale)\nFOL:\tStudies(Ann)")
    parity = _only_record(tmp_path, run, "linc")
    assert [s.verdict for s in parity.samples] == [Verdict.TRUE, Verdict.TRUE]
    best = _only_record(tmp_path, run, "best")
    assert [s.verdict for s in best.samples] == [Verdict.TRUE, Verdict.UNCERTAIN]


def test_prover9_timeout_is_an_error_in_parity(shared_data, tmp_path):
    # sample 4 of problem 33 takes Prover9 past LINC's 10 s; with a 1 s limit it is
    # cut short the same way, and LINC scores a limit as Error
    full = load_linc_run(shared_data / LINC / f"{FOLIO8}_generations_raw.json")
    problem = full.problems[33]
    run = one_problem(problem.completions[4], label=problem.label or Verdict.TRUE)
    out = tmp_path / "out"
    replay_linc(run, **options("linc", tmp_path, prover_timeout=1.0), out=out)
    (record,) = read_records(out / RECORDS)
    assert record.samples[0].error is ErrorCause.TIMEOUT
    assert record.samples[0].timed_out


# ------------------------------------------------------- real recorded runs


@pytest.mark.slow
def test_parity_reproduces_gpt4_proofwriter(shared_data, tmp_path):
    run = load_linc_run(shared_data / LINC / f"{PW}_generations_raw.json")
    report = replay_linc(run, **options("linc", tmp_path))
    assert report.n == 360
    assert abs(report.correct - 354) <= 1  # LINC published 0.9833 = 354/360
    assert report.agreement is not None and report.agreement.rate >= 0.99
    assert report.agreement.votes_agree == 360
    assert report.per_depth is not None and set(report.per_depth) == {str(d) for d in range(6)}
    assert sum(d.n for d in report.per_depth.values()) == 360
    # warm: everything comes from the caches
    again = replay_linc(run, **options("linc", tmp_path))
    assert again.correct == report.correct
    assert again.decisions["prover_calls"] == 0


def test_parity_agrees_with_linc_samples_on_folio_subset(shared_data, tmp_path):
    run = load_linc_run(shared_data / LINC / f"{FOLIO8}_generations_raw.json", limit=30)
    parity = replay_linc(run, **options("linc", tmp_path, extraction="published"))
    assert parity.agreement is not None
    assert parity.agreement.compared == 300
    assert parity.agreement.rate >= 0.99
    best = replay_linc(run, **options("best", tmp_path))
    assert best.correct >= parity.correct
    assert best.sample_parse_rate >= parity.sample_parse_rate


@pytest.mark.slow
def test_logiclm_programs_execute_and_beat_logiclm(shared_data, tmp_path):
    programs = load_logiclm_programs(shared_data / "recorded/logiclm/FOLIO_dev_gpt-3.5-turbo.json")
    report = replay_logiclm(programs, **options("best", tmp_path), name="gpt-3.5")
    assert report.n == 204
    assert report.exe_rate is not None and report.exe_rate >= 0.95
    assert report.accuracy > 0.5539  # Logic-LM's own score with its random back-up
    # accuracy is over all programs: a program that does not execute is wrong
    assert report.correct <= round(report.exe_rate * report.n)


# ------------------------------------------------------------- CLI, resume


def _cli(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "linc", "eval", "replay", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "LINC_CACHE_DIR": str(tmp_path / "cache")}


def test_cli_json_has_the_report_schema(shared_data, tmp_path):
    out = tmp_path / "out"
    proc = _cli(
        "--format", "linc", "--generations", str(shared_data / LINC / f"{PW}_generations_raw.json"),
        "--voting", "linc", "--limit", "12", "--workers", "2", "--out", str(out), "--json",
        env=_env(tmp_path),
    )  # fmt: skip
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    data = json.loads(stdout)
    for key in (
        "accuracy",
        "n",
        "correct",
        "seconds",
        "sample_parse_rate",
        "errors",
        "confusion",
        "per_depth",
    ):
        assert key in data
    assert data["n"] == 12 and 0 <= data["accuracy"] <= 1
    report = Report.model_validate(data)
    assert sum(sum(row.values()) for row in report.confusion.values()) == 12
    assert Report.model_validate_json((out / "report.json").read_text()).n == 12
    assert "accuracy" in (out / "report.md").read_text()
    assert len(read_records(out / RECORDS)) == 12


def test_cli_logiclm_reports_exe_rate(shared_data, tmp_path):
    proc = _cli(
        "--format", "logiclm", "--programs", str(shared_data / "recorded/logiclm/FOLIO_dev_text-davinci-003.json"),
        "--voting", "best", "--limit", "30", "--workers", "2", "--json",
        env=_env(tmp_path),
    )  # fmt: skip
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    data = json.loads(stdout)
    assert data["n"] == 30 and data["exe_rate"] is not None
    assert data["correct"] <= round(data["exe_rate"] * 30)


def test_resume_after_kill_loses_nothing(shared_data, tmp_path):
    gen = str(shared_data / LINC / f"{PW}_generations_raw.json")
    out = tmp_path / "out"
    args = ("--format", "linc", "--generations", gen, "--voting", "linc", "--limit", "90",
            "--workers", "1", "--no-cache", "--out", str(out), "--json")  # fmt: skip
    proc = _cli(*args, env=_env(tmp_path))
    jsonl = out / RECORDS
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if jsonl.exists() and jsonl.read_text().count("\n") >= 10:
            break
        time.sleep(0.05)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    before = read_records(jsonl)
    assert before, "nothing was written before the kill"
    if killed:
        assert len(before) < 90
    assert len({r.index for r in before}) == len(before)

    resumed = _cli(*args, "--resume", env=_env(tmp_path))
    stdout, stderr = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, stderr
    after = read_records(jsonl)
    assert sorted(r.index for r in after) == list(range(90))
    kept = {r.index: r for r in after}
    assert all(kept[r.index] == r for r in before)  # finished work was not redone
    fresh = replay_linc(
        load_linc_run(gen, limit=90), Settings.preset_of("linc"), workers=2, cache=False
    )
    assert json.loads(stdout)["correct"] == fresh.correct
