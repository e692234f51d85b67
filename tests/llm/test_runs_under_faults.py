"""Whole runs against the fault server: retries, recorded errors, resume, replayable output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc.config import LLMConfig
from linc.evals.datasets import load_dataset
from linc.evals.live import run_live
from linc.evals.records import RECORDS
from linc.parsers.extract import extract_fol
from linc.reasoner import Reasoner
from linc.results import Verdict


def reasoner(url: str, **options: object) -> Reasoner:
    base = {
        "model": "m",
        "base_url": url,
        "k": 2,
        "timeout": 1.0,
        "backoff": 0.01,
        "backoff_max": 0.05,
        "max_retries": 12,
        "shots": 1,
        "concurrency": 2,
    }
    return Reasoner(config=LLMConfig(**{**base, **options}), base_url=url)  # type: ignore[arg-type]


@pytest.fixture
def proofwriter(shared_data: Path) -> list:
    return load_dataset(
        "proofwriter", shared_data / "logiclm" / "ProofWriter" / "dev.json", limit=3
    )


def test_a_run_through_every_fault_loses_nothing(
    fault_server, proofwriter, cache_dir: Path, tmp_path: Path
) -> None:
    fault_server.set_script(["429", "500", "garbage", "slow", "ok"], slow_seconds=1.5)
    r = reasoner(fault_server.url)
    report = run_live(proofwriter, reasoner=r, dataset="proofwriter", out=tmp_path / "run")
    assert report.n == 3 and report.samples == 6
    assert report.errors == {}, "every sample must get through its faults"
    assert set(fault_server.log.answered) == {"429", "500", "garbage", "slow", "ok"}
    assert fault_server.log.answered.count("ok") + fault_server.log.answered.count("slow") >= 6
    assert r.stats["requests"] == len(fault_server.log.requests) and r.stats["retries"] > 0
    records = [json.loads(line) for line in (tmp_path / "run" / RECORDS).read_text().splitlines()]
    assert sorted(rec["index"] for rec in records) == [0, 1, 2]
    # the fault server's translation makes the conclusion repeat premise 1: the prover says True
    assert all(rec["predicted"] == "True" for rec in records)
    assert report.tokens is not None and report.tokens.total == 6 * 120
    assert report.accuracy == sum(p.label is Verdict.TRUE for p in proofwriter) / 3


def test_requests_that_never_succeed_are_errors_on_their_problems(
    fault_server, proofwriter, cache_dir: Path
) -> None:
    fault_server.set_script(["500"])
    r = reasoner(fault_server.url, max_retries=1)
    report = run_live(proofwriter, reasoner=r, dataset="proofwriter")
    assert report.n == 3 and report.samples == 6
    assert report.errors == {"other": 6}
    assert report.all_error_problems == 3 and report.accuracy == 0.0
    assert len(fault_server.log.requests) == 3 * 2 * 2  # problems x samples x (1 try + 1 retry)


def test_resume_skips_finished_problems_and_output_replays(
    fault_server,
    proofwriter,
    cache_dir: Path,
    tmp_path: Path,
    linc_cli,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "sk-canary-run-5e2a"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    fault_server.set_script(["ok"])
    out = tmp_path / "run"
    run_live(proofwriter[:2], reasoner=reasoner(fault_server.url), dataset="proofwriter", out=out)
    assert fault_server.log.requests[0]["authorization"] == f"Bearer {secret}"
    assert len(fault_server.log.requests) == 4
    report = run_live(
        proofwriter,
        reasoner=reasoner(fault_server.url),
        dataset="proofwriter",
        out=out,
        resume=True,
    )
    assert len(fault_server.log.requests) == 6, "only the unfinished problem is asked"
    assert report.n == 3 and report.config["resumed_problems"] == 2

    from linc.evals.recorded import load_linc_run

    raw = next(out.glob("*_generations_raw.json"))
    run = load_linc_run(raw)
    assert run.task == "proofwriter" and run.shots == 1 and len(run.problems) == 3
    assert all(len(p.completions) == 2 and "FOL:" in p.completions[0] for p in run.problems)
    assert [p.label for p in run.problems] == [p.label for p in proofwriter]

    replay = linc_cli("eval", "replay", "--generations", str(raw), "--no-cache", "--json")
    assert replay.returncode == 0, replay.stderr
    replayed = json.loads(replay.stdout)
    assert replayed["n"] == 3 and replayed["accuracy"] == report.accuracy
    assert replayed["agreement"]["rate"] == 1.0, "replaying the run gives the live verdicts back"
    for path in [*out.iterdir(), *cache_dir.iterdir()]:
        assert secret.encode() not in path.read_bytes(), f"the API key leaked into {path.name}"


def test_eval_run_cli_reports_json_through_faults(
    fault_server, shared_data: Path, cache_dir: Path, linc_cli
) -> None:
    fault_server.set_script(["429", "ok", "500", "ok"])
    result = linc_cli(
        "eval",
        "run",
        "--dataset",
        "proofwriter",
        "--path",
        str(shared_data / "logiclm" / "ProofWriter" / "dev.json"),
        "--limit",
        "2",
        "--k",
        "2",
        "--base-url",
        fault_server.url,
        "--model",
        "m",
        "--shots",
        "1",
        "--max-retries",
        "6",
        "--json",
        env={"LINC_CACHE_DIR": str(cache_dir)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "run" and report["n"] == 2 and report["samples"] == 4
    assert report["errors"] == {} and 0.0 <= report["accuracy"] <= 1.0
    assert report["config"]["retries"] >= 2


def test_a_sample_that_does_not_parse_is_asked_again_with_the_error(
    fault_server, cache_dir: Path
) -> None:
    fault_server.set_script(["broken", "ok"])
    r = reasoner(fault_server.url, k=1, repair_rounds=1)
    answer = r.ask(["All dogs bark.", "Rex is a dog."], "Rex barks.")
    t = answer.translations[0]
    assert t.ok and len(t.attempts) == 2
    assert t.attempts[0].failure is not None and "does not parse" in t.attempts[0].error
    second = fault_server.log.requests[1]["body"]["messages"]
    assert second[-2] == {"role": "assistant", "content": t.attempts[0].completion}
    assert "does not parse" in second[-1]["content"] and second[-1]["role"] == "user"
    assert answer.label is Verdict.TRUE and answer.requests == 2


def test_ask_many_answers_in_order_and_reports_progress(
    fault_server, proofwriter, cache_dir: Path
) -> None:
    fault_server.set_script(["ok"])
    seen: list[int] = []
    results = reasoner(fault_server.url, k=1).ask_many(
        proofwriter, concurrency=3, progress=lambda i, _: seen.append(i)
    )
    assert sorted(seen) == [0, 1, 2]
    assert [len(r.samples) for r in results] == [1, 1, 1]  # type: ignore[union-attr]
    for problem, result in zip(proofwriter, results):
        extraction = extract_fol(result.translations[0].completion)  # type: ignore[union-attr]
        assert extraction is not None and extraction.texts[0] == problem.premises[0]
