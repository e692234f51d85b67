"""A live run does each per-problem and per-completion step once.

Through ``serve-recorded`` and the real client: the prompt of a problem is
built once for its k samples, and each completion is read once (by the
parser's check, whose reading the runner takes over) instead of once more
by the runner.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from recorded_server import serving

from linc.cli import main
from linc.evals import schedule
from linc.evals.recorded import load_linc_run
from linc.parsers.llm import SemanticParser

CATS = "TEXT:\tAll cats are pets.\nFOL:\tall x. (Cat(x) -> Pet(x))\nTEXT:\tTom is a cat.\n"
DOGS = (
    "TEXT:\tNo dog is a cat.\nFOL:\tall x. (Dog(x) -> -Cat(x))\n"
    "TEXT:\tRex is a dog.\nFOL:\tDog(Rex)\nTEXT:\tRex is a cat.\nFOL:\tCat(Rex)"
)
RUN = [
    [
        CATS + "FOL:\tCat(Tom)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        CATS + "FOL:\tCat(Tim)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        CATS + "FOL:\tCat(Tom)\nTEXT:\tTom is a pet.\nFOL:\t-Pet(Tom)",
        "TEXT:\tTom is a pet.\nthe answer is True",  # re-asked, then an error sample
    ],
    [DOGS] * 4,
]


def test_live_run_builds_each_prompt_once_and_reads_each_completion_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "handmade_folio-neurosymbolic-2shot_generations_raw.json"
    raw.write_text(json.dumps(RUN))
    (tmp_path / "handmade_folio-neurosymbolic-2shot_references.json").write_text(
        json.dumps(["True", "False"])
    )
    calls = {"messages": 0, "runner_reads": 0}
    messages, prepare = SemanticParser.messages, schedule._prepare_job

    def counted_messages(self: SemanticParser, *args: Any) -> Any:
        calls["messages"] += 1
        return messages(self, *args)

    def counted_prepare(*args: Any) -> Any:
        calls["runner_reads"] += 1
        return prepare(*args)

    monkeypatch.setattr(SemanticParser, "messages", counted_messages)
    monkeypatch.setattr(schedule, "_prepare_job", counted_prepare)
    problems, out = tmp_path / "problems.jsonl", tmp_path / "live"
    with serving(load_linc_run(raw), problems_out=problems) as server:
        code = main(
            ["eval", "run", "--dataset", "jsonl", "--path", str(problems), "--base-url",
             server.url, "--model", "recorded", "--k", "4", "--workers", "1", "--cache-dir",
             str(tmp_path / "cache"), "--out", str(out), "--json", "--no-progress"]
        )  # fmt: skip
    assert code == 0
    report = json.loads((out / "report.json").read_text())
    assert report["correct"] == 2 and report["config"]["requests"] == 9  # 8 samples, 1 re-ask
    assert calls == {"messages": 2, "runner_reads": 0}


def test_ask_decides_the_readings_of_its_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Reasoner.ask`` decides what the parser's check read: no completion is read again."""
    from linc import pipeline
    from linc.evals.served_problems import served_problems
    from linc.reasoner import Reasoner

    raw = tmp_path / "handmade_folio-neurosymbolic-2shot_generations_raw.json"
    raw.write_text(json.dumps(RUN))
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    run = load_linc_run(raw)
    problem = served_problems(run)[0]
    reasoner = Reasoner(model="recorded", base_url="http://127.0.0.1:9/v1", k=4)
    _, expected, _ = pipeline.decide_completions(RUN[0], reasoner.settings)

    def read_again(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a completion was read a second time")

    monkeypatch.setattr(pipeline, "prepare_completions", read_again)
    with serving(run) as server:
        reasoner = Reasoner(model="recorded", base_url=server.url, k=4)
        answer = reasoner.ask(list(problem.premises), problem.conclusion)
    assert [(s.verdict, s.error) for s in answer.records] == [
        (s.verdict, s.error) for s in expected
    ]
    assert answer.label.value == "True"


def test_a_reasoner_reads_a_completion_it_has_seen_from_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from linc import reasoner as module
    from linc.reasoner import Reasoner

    reads: list[str] = []
    prepare = module.prepare_completion

    def counted(text: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(text)
        return prepare(text, *args, **kwargs)

    monkeypatch.setattr(module, "prepare_completion", counted)
    monkeypatch.setattr(module, "READINGS_KEPT", 2)
    reasoner = Reasoner(model="recorded", base_url="http://127.0.0.1:9/v1", cache=False)
    first = reasoner.read(DOGS)
    assert reasoner.read(DOGS) is first and reasoner.check(DOGS) is None
    assert reads == [DOGS]
    for text in (RUN[0][0], RUN[0][3], DOGS):  # past the limit the memo starts again
        reasoner.read(text)
    assert reads == [DOGS, RUN[0][0], RUN[0][3], DOGS]
    assert reasoner.read(DOGS) == first
