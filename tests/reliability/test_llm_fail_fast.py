"""Issue 12, item 10: an endpoint that answers no request stops the run at once (exit 3).

Before, ``eval run`` against a closed port spent 51 s on 3 problems retrying
every sample with backoff and ended with exit 0 and accuracy 0; an endpoint
answering only 400, 401 or 429 did the same. Now the run stops as soon as
the endpoint is known to be unusable, with ``NoLLMResponse`` (exit 3), and
records no problem that met the dead endpoint, so ``--resume`` asks them
later. A run in which some requests are answered keeps its per-sample errors.

Real processes (``python -m linc``), a real closed port and the real fault
server of ``tests/llm/conftest.py``.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from linc_process import NO_LLM, assert_clean, run_linc

from linc.config import LLMConfig
from linc.errors import NoLLMResponse
from linc.evals.datasets import load_dataset
from linc.evals.live import run_live
from linc.parsers.llm_client import LLMClient
from linc.reasoner import Reasoner

CLOSED = "http://127.0.0.1:1/v1"
"""Nothing listens on port 1: every connection is refused."""


def write_problems(path: Path, n: int) -> Path:
    """``n`` distinct problems as ``--dataset jsonl`` rows (each prompt differs)."""
    rows = [
        {
            "id": f"q{i}",
            "premises": [f"Every thing of kind {i} is red.", f"Item{i} is of kind {i}."],
            "conclusion": f"Item{i} is red.",
            "label": "True",
        }
        for i in range(n)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def eval_run(tmp_path: Path, url: str, *extra: str, n: int = 3, out: Path | None = None):  # type: ignore[no-untyped-def]
    problems = write_problems(tmp_path / f"problems{n}.jsonl", n)
    folder = out or tmp_path / "out"
    return run_linc(
        "eval", "run", "--dataset", "jsonl", "--path", problems, "--base-url", url,
        "--model", "m", "--k", "2", "--shots", "1", "--workers", "1", "--no-progress",
        "--llm-timeout", "5", "--out", folder, "--json", *extra,
        cwd=tmp_path, cache=tmp_path / "cache", timeout=180,
    )  # fmt: skip


def records(folder: Path) -> list[dict]:
    path = folder / "records.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_eval_run_against_a_closed_port_stops_at_once_with_exit_3(tmp_path: Path) -> None:
    start = time.monotonic()
    done = eval_run(tmp_path, CLOSED)  # default --max-retries (5)
    seconds = time.monotonic() - start
    assert_clean(done, [NO_LLM])
    assert f"no request reached the model at {CLOSED}" in done.stderr, str(done)
    assert "cannot connect" in done.stderr and "is the server running" in done.stderr
    assert "--resume" in done.stderr
    assert done.stdout == "", "no report for a run that never reached the model"
    assert records(tmp_path / "out") == [], "no problem may be recorded as an error"
    # before: 51 s for 3 problems (every sample retried 5 times with backoff)
    assert seconds < 20, f"took {seconds:.1f} s"


def test_ask_against_a_closed_port_stops_at_once_with_exit_3(tmp_path: Path) -> None:
    start = time.monotonic()
    done = run_linc(
        "ask", "-p", "All dogs bark.", "-p", "Rex is a dog.", "-c", "Rex barks.",
        "--base-url", CLOSED, "--model", "m", "--k", "3",
        cwd=tmp_path, timeout=120,
    )  # fmt: skip
    seconds = time.monotonic() - start
    assert_clean(done, [NO_LLM])
    assert f"no request reached the model at {CLOSED}" in done.stderr, str(done)
    assert "Answer:" not in done.stdout
    assert seconds < 20, f"took {seconds:.1f} s"


def test_run_live_raises_no_llm_response_within_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (no start-up time): how fast a closed port ends a run."""
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    problems = load_dataset("jsonl", write_problems(tmp_path / "p.jsonl", 10))
    reasoner = Reasoner(model="m", base_url=CLOSED, k=3, shots=1)
    start = time.monotonic()
    with pytest.raises(NoLLMResponse, match="cannot connect"):
        run_live(problems, reasoner=reasoner, dataset="jsonl", out=tmp_path / "out")
    seconds = time.monotonic() - start
    assert seconds < 3, f"took {seconds:.2f} s"
    assert records(tmp_path / "out") == []
    assert reasoner.stats["requests"] <= 2 * 3 * (
        1 + 2
    )  # problems at once x k x (1 + 2 quick retries)


@pytest.mark.parametrize(
    ("status", "extra", "most"),
    [
        ("400", [], 3 * 2 + 2 * 2),  # three prompts rejected (and those in flight with them)
        ("401", [], 2 * 2),  # the first rejection is enough
        ("404", [], 2 * 2),
        ("429", ["--max-retries", "1"], 2 * 2 * 2),  # 429 past the retries
    ],
)
def test_an_endpoint_refusing_every_request_stops_the_run(
    fault_server, tmp_path: Path, status: str, extra: list[str], most: int
) -> None:
    fault_server.set_script([status])
    done = eval_run(tmp_path, fault_server.url, *extra, n=20)
    assert_clean(done, [NO_LLM])
    assert f"HTTP {status}" in done.stderr, str(done)
    assert "no request reached the model" in done.stderr
    assert records(tmp_path / "out") == []
    assert len(fault_server.log.requests) <= most, "the run went on after the endpoint refused"


def test_a_lone_problem_rejected_with_400_exits_3_unrecorded(fault_server, tmp_path: Path) -> None:
    fault_server.set_script(["400"])
    done = eval_run(tmp_path, fault_server.url, n=1)
    assert_clean(done, [NO_LLM])
    assert "HTTP 400" in done.stderr and records(tmp_path / "out") == []


def test_a_run_with_some_answers_records_the_failed_samples_as_errors(
    fault_server, tmp_path: Path
) -> None:
    """The first problem's requests are all rejected, a later one's get through: the run goes
    on, and the first problem is recorded with its errors (today's behaviour)."""
    fault_server.set_script(["400", "400", "ok"])
    done = eval_run(tmp_path, fault_server.url, "--problems-at-once", "1", n=3)
    assert_clean(done, [0])
    report = json.loads(done.stdout)
    assert report["n"] == 3 and report["samples"] == 6
    assert report["errors"].get("other", 0) >= 2
    first = next(r for r in records(tmp_path / "out") if r["index"] == 0)
    assert all(s["verdict"] == "Error" for s in first["samples"])
    assert "HTTP 400" in first["samples"][0]["detail"]


def test_resume_after_a_dead_endpoint_asks_only_the_problems_it_stopped(
    fault_server, tmp_path: Path
) -> None:
    fault_server.set_script(["ok"])
    # problem 0's completions go to the request cache
    first = eval_run(tmp_path, fault_server.url, n=1, out=tmp_path / "warm")
    assert_clean(first, [0])
    assert len(fault_server.log.requests) == 2
    # the endpoint is gone: problem 0 comes from the cache, the rest stop the run
    stopped = eval_run(tmp_path, CLOSED, n=3)
    assert_clean(stopped, [NO_LLM])
    assert [r["index"] for r in records(tmp_path / "out")] == [0]
    # it is back: --resume asks problems 1 and 2 only, and none is an error
    fault_server.set_script(["ok"])
    resumed = eval_run(tmp_path, fault_server.url, "--resume", n=3)
    assert_clean(resumed, [0])
    report = json.loads(resumed.stdout)
    assert report["n"] == 3 and report["errors"] == {} and report["accuracy"] == 1.0
    assert len(fault_server.log.requests) == 2 * 2
    assert report["config"]["resumed_problems"] == 1


def test_the_client_stops_calls_in_flight_once_the_endpoint_is_dead(fault_server) -> None:
    """Samples waiting for a slot or a retry stop at once when another sample learns that the
    endpoint refuses everything; a later call tries again (a server may come back)."""
    fault_server.set_script(["401"])
    config = LLMConfig(model="m", base_url=fault_server.url, concurrency=1, max_retries=3)
    client = LLMClient(config, cache=False)
    messages = [{"role": "user", "content": "PREMISES:\nA.\nCONCLUSION:\nA.\n"}]

    async def many() -> list[BaseException | object]:
        calls = [client.complete(messages, index=i) for i in range(5)]
        return list(await asyncio.gather(*calls, return_exceptions=True))

    results = asyncio.run(many())
    assert all(isinstance(r, NoLLMResponse) for r in results), results
    assert len(fault_server.log.requests) == 1
    fault_server.set_script(["ok"])
    again = asyncio.run(client.complete(messages, index=0))
    assert "FOL:" in again.text and client.unusable() is None


@pytest.mark.parametrize("url", ["not a url", "http://[::1", "ftp://h/v1", "http://h:port/v1"])
def test_a_base_url_that_is_no_http_url_is_refused_before_any_request(
    tmp_path: Path, url: str
) -> None:
    """Before, ``ask`` tried (and failed) to send every sample, then answered Error with exit 0."""
    done = run_linc(
        "ask", "-p", "All dogs bark.", "-c", "Rex barks.", "--base-url", url, "--model", "m",
        cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert_clean(done, [1])
    assert "base_url" in done.stderr and "URL" in done.stderr, str(done)


def test_eval_run_with_no_problem_to_answer_is_an_error(tmp_path: Path) -> None:
    """Before: 0 problems scored, accuracy 0, exit 0."""
    (tmp_path / "bad.jsonl").write_text('{"no": "problem"}\n[1, 2]\n', encoding="utf-8")
    done = run_linc(
        "eval", "run", "--dataset", "jsonl", "--path", tmp_path / "bad.jsonl",
        "--base-url", CLOSED, "--model", "m", cwd=tmp_path, timeout=120,
    )  # fmt: skip
    assert_clean(done, [1])
    assert "no problem to answer" in done.stderr, str(done)
