"""``linc serve-recorded``: an OpenAI-compatible server over a recorded LINC run.

Real recordings (``../shared/data/recorded/linc``) are served on a free port
in a thread and asked through the real ``openai`` client and through linc's
own live client, with the prompts the live parser builds.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import openai
import pytest
from recorded_server import serving

from linc.config import LLMConfig, Target
from linc.evals.datasets import load_dataset
from linc.evals.recorded import RecordedRun, load_linc_run
from linc.evals.serve_recorded import (
    ProblemIndex,
    RecordedHTTPServer,
    derive_sentences,
    make_server,
    served_problems,
)
from linc.parsers.llm_client import LLMClient
from linc.parsers.llm_prompts import build_messages, problem_text, repair_message

REPO = Path(__file__).resolve().parent.parent
LINC_DIR = "recorded/linc"
PW4 = "gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json"
FOLIO8 = "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"


@pytest.fixture(scope="module")
def pw_run(shared_data: Path) -> RecordedRun:
    return load_linc_run(shared_data / LINC_DIR / PW4)


@pytest.fixture(scope="module")
def folio_run(shared_data: Path) -> RecordedRun:
    return load_linc_run(shared_data / LINC_DIR / FOLIO8)


@pytest.fixture(scope="module")
def pw_server(pw_run: RecordedRun) -> Iterator[RecordedHTTPServer]:
    with serving(pw_run) as server:
        yield server


@pytest.fixture(scope="module")
def folio_server(folio_run: RecordedRun) -> Iterator[RecordedHTTPServer]:
    with serving(folio_run) as server:
        yield server


def _client(server: RecordedHTTPServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=30)


def _post(server: RecordedHTTPServer, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        server.url + path, data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _statement(run: RecordedRun, index: int) -> tuple[list[str], str]:
    problem = served_problems(run)[index]
    return list(problem.premises), problem.conclusion


# ------------------------------------------------------------------ chat


@pytest.mark.parametrize(
    ("which", "cases"),
    [
        ("pw", [(0, 0), (0, 4), (1, 1), (57, 7), (200, 3), (359, 2)]),
        ("folio", [(0, 0), (0, 9), (5, 3), (100, 13), (181, 6)]),
    ],
)
def test_chat_answers_the_recorded_completion_of_the_seeded_sample(
    request: pytest.FixtureRequest, which: str, cases: list[tuple[int, int]]
) -> None:
    run: RecordedRun = request.getfixturevalue(f"{which}_run")
    server: RecordedHTTPServer = request.getfixturevalue(f"{which}_server")
    client = _client(server)
    for index, seed in cases:
        premises, conclusion = _statement(run, index)
        messages = build_messages(premises, conclusion, target=Target.FOL, shots=8)
        response = client.chat.completions.create(
            model="any-model", messages=cast(Any, messages), seed=seed, temperature=0.8
        )
        completions = run.problems[index].completions
        choice = response.choices[0]
        assert choice.message.content == completions[seed % len(completions)], (index, seed)
        assert choice.finish_reason == "stop"
        assert response.object == "chat.completion" and response.id.startswith("chatcmpl-")
        assert response.model == "any-model"
        assert response.usage is not None
        assert response.usage.completion_tokens == len(completions[seed % len(completions)].split())
        assert response.usage.total_tokens == (
            response.usage.prompt_tokens + response.usage.completion_tokens
        )


def test_no_seed_is_sample_zero(folio_run: RecordedRun, folio_server: RecordedHTTPServer) -> None:
    premises, conclusion = _statement(folio_run, 42)
    response = _client(folio_server).chat.completions.create(
        model="m",
        messages=cast(Any, build_messages(premises, conclusion, shots=8)),
    )
    assert response.choices[0].message.content == folio_run.problems[42].completions[0]


def test_live_client_sample_i_gets_recorded_completion_i(
    pw_run: RecordedRun, pw_server: RecordedHTTPServer
) -> None:
    """linc's own client (seed = config.seed + index, config.seed 0) against the server."""
    premises, conclusion = _statement(pw_run, 12)
    messages = build_messages(premises, conclusion, shots=8)
    config = LLMConfig(model="recorded", base_url=pw_server.url, max_retries=0)
    assert config.seed == 0

    async def sample_all() -> list[str]:
        client = LLMClient(config, cache=False)
        try:
            done = [await client.complete(messages, index=i) for i in range(5)]
        finally:
            await client.aclose()
        return [c.text for c in done]

    assert asyncio.run(sample_all()) == pw_run.problems[12].completions


def test_a_reask_still_matches(folio_run: RecordedRun, folio_server: RecordedHTTPServer) -> None:
    premises, conclusion = _statement(folio_run, 77)
    completions = folio_run.problems[77].completions
    messages = [
        *build_messages(premises, conclusion, shots=8),
        {"role": "assistant", "content": completions[0]},
        repair_message("predicate 'Dog' is used with arity 1 and with arity 2"),
    ]
    response = _client(folio_server).chat.completions.create(
        model="m",
        messages=cast(Any, messages),
        seed=1,
    )
    assert response.choices[0].message.content == completions[1]


def test_completions_endpoint(pw_run: RecordedRun, pw_server: RecordedHTTPServer) -> None:
    premises, conclusion = _statement(pw_run, 99)
    response = _client(pw_server).completions.create(
        model="m", prompt=problem_text(premises, conclusion), seed=3
    )
    assert response.object == "text_completion"
    assert response.choices[0].text == pw_run.problems[99].completions[3]
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None and response.usage.prompt_tokens > 0


def test_models_lists_a_model(pw_server: RecordedHTTPServer) -> None:
    models = _client(pw_server).models.list()
    assert [m.id for m in models.data] == ["gpt-4-0613"]


# ------------------------------------------------------------------ errors


def test_unknown_problem_is_404_naming_why(
    folio_run: RecordedRun, folio_server: RecordedHTTPServer
) -> None:
    unknown = build_messages(["All cats purr."], "Tom purrs.", shots=8)
    with pytest.raises(openai.NotFoundError):
        _client(folio_server).chat.completions.create(
            model="m",
            messages=cast(Any, unknown),
        )
    status, body = _post(
        folio_server, "/chat/completions", json.dumps({"messages": unknown}).encode()
    )
    assert status == 404 and body["error"]["type"] == "not_found"
    assert "no sentence of any recorded problem" in body["error"]["message"]

    premises, conclusion = _statement(folio_run, 3)
    partial = json.dumps({"prompt": problem_text(premises[:-1], conclusion)}).encode()
    status, body = _post(folio_server, "/completions", partial)
    assert status == 404 and body["error"]["type"] == "not_found"
    message = body["error"]["message"]
    assert f"closest, {folio_run.problems[3].id}," in message and repr(premises[-1]) in message


def test_bad_requests_are_400_json(pw_run: RecordedRun, pw_server: RecordedHTTPServer) -> None:
    status, body = _post(pw_server, "/chat/completions", b"{not json")
    assert status == 400 and "not JSON" in body["error"]["message"]
    status, body = _post(pw_server, "/chat/completions", json.dumps({"model": "m"}).encode())
    assert status == 400 and "messages" in body["error"]["message"]
    premises, conclusion = _statement(pw_run, 0)
    streaming = {"messages": build_messages(premises, conclusion), "stream": True}
    status, body = _post(pw_server, "/chat/completions", json.dumps(streaming).encode())
    assert status == 400 and "stream" in body["error"]["message"]
    status, body = _post(pw_server, "/embeddings", b"{}")
    assert status == 404 and body["error"]["type"] == "not_found"


# ------------------------------------------------------------------ problems


def test_problems_out_round_trips(folio_run: RecordedRun, tmp_path: Path) -> None:
    out = tmp_path / "problems" / "folio.jsonl"
    server = make_server(folio_run, port=0, problems_out=out)
    server.server_close()
    problems = load_dataset("jsonl", out)
    assert len(problems) == folio_run.n == 182
    assert [p.id for p in problems] == [p.id for p in folio_run.problems]
    assert problems[0].id == "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot/0"
    assert [p.label for p in problems] == [p.label for p in folio_run.problems]
    assert all(p.label is not None for p in problems)
    served = served_problems(folio_run)
    assert [(p.premises, p.conclusion) for p in problems] == [
        (list(s.premises), s.conclusion) for s in served
    ]


def _shared_runs(shared_data: Path) -> list[Path]:
    return sorted((shared_data / LINC_DIR).glob("*_generations_raw.json"))


def test_shared_runs_have_text_and_no_duplicate_problems(shared_data: Path) -> None:
    """Measured: every problem of every shared LINC run has TEXT lines, and no two
    problems of a run share their sentences, so nothing is synthetic or suffixed."""
    runs = _shared_runs(shared_data)
    assert len(runs) == 5
    for path in runs:
        origins = {p.origin for p in served_problems(load_linc_run(path))}
        assert origins == {"text"}, path.name


def test_every_problem_matches_itself(shared_data: Path) -> None:
    """The live prompt (8 shots) and the bare statement of each problem of every
    shared run resolve to that problem (the two named runs and the 1/2/4-shot ones)."""
    for path in _shared_runs(shared_data):
        problems = served_problems(load_linc_run(path))
        index = ProblemIndex(problems)
        assert index.ambiguous() == [], path.name
        for problem in problems:
            messages = build_messages(problem.premises, problem.conclusion, shots=8)
            text = "\n".join(m["content"] for m in messages if m["role"] == "user")
            found = index.match(text)
            assert found.problem is not None and found.problem.id == problem.id, found.reason


# ------------------------------------------------------------------ without shared data


def _text(*sentences: str) -> str:
    return "\n".join(f"TEXT:\t{s}\nFOL:\tP{i}(a)" for i, s in enumerate(sentences))


def test_derive_sentences_majority_and_ties() -> None:
    a, b = _text("A  dog barks.", "Rex barks."), _text("A dog barks.", "Rex  is loud.")
    assert derive_sentences([b, a, a]) == ["A dog barks.", "Rex barks."]
    assert derive_sentences([b, a]) == ["A dog barks.", "Rex is loud."]  # tie: first
    assert derive_sentences(["FOL:\tP(a)", b]) == ["A dog barks.", "Rex is loud."]
    assert derive_sentences(["no text", ""]) == []


def test_synthetic_and_duplicate_problems_are_distinct(tmp_path: Path) -> None:
    same = _text("Tom is a cat.", "Tom purrs.")
    raw = [[same, same], ["nothing here"], [same], [_text("Tom is a cat.")], []]
    path = tmp_path / "m_folio-neurosymbolic-1shot_generations_raw.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    run = load_linc_run(path)
    problems = served_problems(run)
    assert [p.origin for p in problems] == ["text", "synthetic", "duplicate", "text", "synthetic"]
    assert problems[1].premises == (
        "Recorded problem m_folio-neurosymbolic-1shot/1 has no TEXT lines.",
    )
    assert problems[2].conclusion == "Tom purrs. [m_folio-neurosymbolic-1shot/2]"
    assert problems[3].premises == () and problems[3].conclusion == "Tom is a cat."
    index = ProblemIndex(problems)
    assert index.ambiguous() == []
    assert problems[4].completion(3) == (0, "")
    assert problems[0].completion(-1) == (1, same)


# ------------------------------------------------------------------ CLI


def test_cli_serves_until_sigterm(shared_data: Path, tmp_path: Path) -> None:
    from linc.cli import build_parser

    generations = shared_data / LINC_DIR / PW4
    out = tmp_path / "pw.jsonl"
    argv = ["serve-recorded", "--format", "linc", "--generations", str(generations),
            "--port", "0", "--problems-out", str(out)]  # fmt: skip
    assert build_parser().parse_args(argv).host == "127.0.0.1"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "linc", *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r"at (http://127\.0\.0\.1:\d+/v1); problems in (.+)$", line)
        assert found is not None, line + (process.stderr.read() if process.stderr else "")
        assert found.group(2) == str(out)
        with urllib.request.urlopen(found.group(1) + "/models", timeout=30) as response:
            assert json.loads(response.read())["data"][0]["id"] == "gpt-4-0613"
        assert len(load_dataset("jsonl", out)) == 360
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
