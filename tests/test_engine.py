"""One engine: presets, and a live run equal to a replay of the same completions.

The live path here is the real one: ``linc serve-recorded`` over HTTP, linc's
``openai``-based client, the semantic parser with its re-asks, the runner.
Its per-sample verdicts must equal a replay's, sample for sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from recorded_server import serving

from linc.cli import main
from linc.errors import ConfigError
from linc.evals.recorded import RecordedProblem, RecordedRun, load_linc_run
from linc.evals.records import RECORDS, read_records
from linc.evals.report import ProblemRecord
from linc.reasoner import Reasoner
from linc.results import Verdict
from linc.settings import Procedure, Settings, settings_for

LINC_DIR = "recorded/linc"
FOLIO8 = "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"
PW4 = "gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json"


# ------------------------------------------------------------------ presets


def test_best_is_the_default_preset_and_linc_is_parity() -> None:
    best, linc = Settings(), Settings.preset_of("linc")
    assert best == Settings.preset_of("best") == settings_for()
    assert best.voting == "best" and best.repair and best.rename_arity and best.inconsistency
    assert best.backends == ("z3", "prover9", "eprover")
    assert linc.voting == "linc" and linc.strict and linc.extraction == "published"
    assert linc.backends == ("prover9",) and linc.procedure is Procedure.LINC
    assert not (linc.repair or linc.rename_arity or linc.inconsistency or linc.dedup)


def test_overrides_and_bad_settings() -> None:
    s = Settings.preset_of("linc", prover_timeout=3, backends=["z3"])
    assert s.prover_timeout == 3 and s.backends == ("z3",) and s.preset == "linc"
    assert settings_for("majority").voting == "majority"
    assert settings_for("majority").repair  # majority is best's settings with a plain vote
    with pytest.raises(ConfigError, match="preset"):
        Settings.preset_of("fastest")
    with pytest.raises(ConfigError, match="uncertain_weight"):
        Settings.preset_of("best", uncertain_weight=0)
    with pytest.raises(ConfigError, match="voting"):
        settings_for("loudest")


# ------------------------------------------------------------- live = replay


def _replay(generations: Path, voting: str, out: Path, cache: Path, limit: int) -> dict:
    code = main(
        ["eval", "replay", "--generations", str(generations), "--voting", voting,
         "--limit", str(limit), "--workers", "2", "--cache-dir", str(cache), "--out", str(out),
         "--json"]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "report.json").read_text())


def _live(problems: Path, url: str, voting: str, out: Path, cache: Path, k: int) -> dict:
    code = main(
        ["eval", "run", "--dataset", "jsonl", "--path", str(problems), "--base-url", url,
         "--model", "recorded", "--k", str(k), "--voting", voting, "--workers", "2",
         "--cache-dir", str(cache), "--out", str(out), "--json", "--no-progress"]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "report.json").read_text())


def _verdicts(folder: Path) -> dict[str, list[tuple[Verdict, str | None]]]:
    records: list[ProblemRecord] = read_records(folder / RECORDS)
    return {
        r.id: [(s.verdict, s.error.value if s.error else None) for s in r.samples] for r in records
    }


def _live_equals_replay(run_path: Path, tmp_path: Path, voting: str, limit: int) -> dict:
    run = load_linc_run(run_path, limit=limit)
    problems = tmp_path / "problems.jsonl"
    replayed = _replay(run_path, voting, tmp_path / "replay", tmp_path / "cache-r", limit)
    k = max(len(p.completions) for p in run.problems)
    with serving(run, problems_out=problems) as server:
        live = _live(problems, server.url, voting, tmp_path / "live", tmp_path / "cache-l", k)
    assert live["n"] == replayed["n"] == limit
    assert live["accuracy"] == replayed["accuracy"]
    assert _verdicts(tmp_path / "live") == _verdicts(tmp_path / "replay")
    return live


@pytest.mark.slow
@pytest.mark.parametrize("voting", ["best", "linc"])
def test_live_run_through_serve_recorded_equals_replay(shared_data, tmp_path, voting) -> None:
    live = _live_equals_replay(shared_data / LINC_DIR / FOLIO8, tmp_path, voting, limit=25)
    assert live["config"]["preset"] == voting
    assert live["config"]["requests"] >= 250  # ten samples, each its own request


def test_any_linc_format_recording_replays_live(tmp_path) -> None:
    """A recording made here (not from ../shared): ids, sentences and samples line up."""
    cats = "TEXT:\tAll cats are pets.\nFOL:\tall x. (Cat(x) -> Pet(x))\nTEXT:\tTom is a cat.\n"
    completions = [
        cats + "FOL:\tCat(Tom)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        cats + "FOL:\tCat(Tim)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        cats + "FOL:\tCat(Tom)\nTEXT:\tTom is a pet.\nFOL:\t-Pet(Tom)",
        "TEXT:\tTom is a pet.\nthe answer is True",
    ]
    dogs = (
        "TEXT:\tNo dog is a cat.\nFOL:\tall x. (Dog(x) -> -Cat(x))\n"
        "TEXT:\tRex is a dog.\nFOL:\tDog(Rex)\nTEXT:\tRex is a cat.\nFOL:\tCat(Rex)"
    )
    raw = tmp_path / "handmade_folio-neurosymbolic-2shot_generations_raw.json"
    raw.write_text(json.dumps([completions, [dogs] * 4]))
    (tmp_path / "handmade_folio-neurosymbolic-2shot_references.json").write_text(
        json.dumps(["True", "False"])
    )
    live = _live_equals_replay(raw, tmp_path, "best", limit=2)
    # two problems, four samples: the vote and the samples are the recording's
    assert live["correct"] == 2


def test_reasoner_abstains_from_inconsistent_premises(tmp_path, monkeypatch) -> None:
    """Under the default preset a sample whose premises contradict each other does not vote."""
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    contradiction = (
        "TEXT:\tAll dogs are animals.\nFOL:\tall x. (Dog(x) -> -HasFur(x))\n"
        "TEXT:\tRex is a dog.\nFOL:\tall x. (Dog(x) & HasFur(x))\n"
        "TEXT:\tRex is an animal.\nFOL:\tAnimal(Rex)"
    )
    honest = (
        "TEXT:\tAll dogs are animals.\nFOL:\tall x. (Dog(x) -> Animal(x))\n"
        "TEXT:\tRex is a dog.\nFOL:\tDog(Rex)\nTEXT:\tRex is an animal.\nFOL:\tCat(Rex)"
    )
    run = RecordedRun(
        name="dogs",
        problems=[RecordedProblem(index=0, id="dogs/0", completions=[contradiction, honest])],
    )
    with serving(run, problems_out=tmp_path / "problems.jsonl") as server:
        premises = ["All dogs are animals.", "Rex is a dog."]
        best = Reasoner(model="recorded", base_url=server.url, k=2).ask(
            premises, "Rex is an animal."
        )
        linc = Reasoner(model="recorded", base_url=server.url, k=2, voting="linc").ask(
            premises, "Rex is an animal."
        )
    assert best.preset == "best" and best.records[0].inconsistent
    assert best.abstained == [0] and best.label is Verdict.UNCERTAIN
    # LINC's rule reads the contradiction as a proof of the conclusion
    assert linc.preset == "linc" and linc.records[0].verdict is Verdict.TRUE
    assert linc.label is Verdict.TRUE


# ------------------------------------------------------------- run folders


def test_resume_into_another_runs_folder_is_refused(shared_data, tmp_path) -> None:
    gen = shared_data / LINC_DIR / PW4
    out, cache = tmp_path / "out", tmp_path / "cache"
    _replay(gen, "linc", out, cache, limit=5)
    code = main(
        ["eval", "replay", "--generations", str(gen), "--voting", "best", "--limit", "5",
         "--cache-dir", str(cache), "--out", str(out), "--resume", "--json"]
    )  # fmt: skip
    assert code == 1  # a ConfigError naming the settings that differ
    assert len(read_records(out / RECORDS)) == 5  # the first run's records are untouched


def test_a_second_run_on_a_locked_folder_is_refused(tmp_path) -> None:
    from linc.evals.folder import RunFolder

    first = RunFolder(tmp_path / "out", identity={"run": 1})
    first.open(resume=False, ids={})
    try:
        with pytest.raises(ConfigError, match="another run is writing"):
            RunFolder(tmp_path / "out", identity={"run": 1}).open(resume=True, ids={})
    finally:
        first.close()
    again = RunFolder(tmp_path / "out", identity={"run": 1})
    assert again.open(resume=True, ids={}) == {}
    again.close()


def test_old_spellings_warn_and_still_work(shared_data, tmp_path, capsys) -> None:
    gen = shared_data / LINC_DIR / PW4
    code = main(
        ["eval", "replay", "--generations", str(gen), "--mode", "linc", "--timeout", "5",
         "--limit", "2", "--cache-dir", str(tmp_path / "cache"), "--json"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert "--mode is deprecated; use --voting" in captured.err
    assert "--timeout is deprecated; use --prover-timeout" in captured.err
    config = json.loads(captured.out)["config"]
    assert config["preset"] == "linc" and config["prover_timeout"] == 5


def test_records_of_schema_1_still_load_and_revote(tmp_path) -> None:
    """A records.jsonl line written before the one per-sample record (schema 1) loads."""
    from linc.voting import vote

    line = {
        "id": "p0", "index": 0, "gold": "True", "predicted": "True", "correct": True,
        "depth": None, "answer": None, "seconds": 0.1, "executed": None, "tokens": None,
        "extra": {},
        "samples": [
            {"index": 0, "verdict": "True", "error": None, "detail": "prover9: proved",
             "inconsistent": False, "timed_out": False, "repairs": ["unquote"],
             "decision": "abc", "recorded": "True"},
            {"index": 1, "verdict": "Error", "error": "parse", "detail": "bad",
             "inconsistent": False, "timed_out": False, "repairs": [], "decision": None,
             "recorded": "Error"},
        ],
    }  # fmt: skip
    (tmp_path / RECORDS).write_text(json.dumps(line) + "\n")
    (record,) = read_records(tmp_path / RECORDS)
    assert record.samples[0].repairs == ("unquote",) and record.samples[1].error is not None
    assert vote(record.samples, policy="best").label is Verdict.TRUE


def test_resume_accepts_a_folder_written_before_a_setting_existed(tmp_path) -> None:
    """A setting a newer linc added is taken at its default for an older run.json."""
    import json

    from linc.evals.folder import IDENTITY, RunFolder

    identity = {"kind": "replay", "settings": Settings.preset_of("best").model_dump(mode="json")}
    first = RunFolder(tmp_path / "out", identity=identity)
    first.open(resume=False, ids={})
    first.close()
    path = tmp_path / "out" / IDENTITY
    older = json.loads(path.read_text())
    del older["settings"]["paradox"]  # as written before the setting existed
    path.write_text(json.dumps(older))
    again = RunFolder(tmp_path / "out", identity=identity)
    assert again.open(resume=True, ids={}) == {}
    again.close()
    changed = {**identity, "settings": {**identity["settings"], "paradox": True}}
    with pytest.raises(ConfigError, match="paradox"):
        RunFolder(tmp_path / "out", identity=changed).open(resume=True, ids={})
