"""The one pipeline: completion text → formulas → task → sample → vote.

Every way in drives these functions; only the source of completions and the
scheduling differ:

- ``prepare_completions(texts, settings)``: each completion read into a task
  (or the reason it is an ``Error`` sample), keyed so that equal tasks are
  decided once;
- ``linc.procedure.run_task``: a task decided by the settings' procedure;
- ``sample_of``: the per-sample record; ``linc.voting.vote`` the answer.

``decide_completions`` runs all of it in this process for one problem
(``decide_readings`` when they were read already: ``Reasoner.ask`` has its
parser's readings); ``linc.evals.runner`` schedules the same steps for many
problems over a process pool.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from linc.cache import Cache
from linc.errors import LincError
from linc.ir import Formula
from linc.parsers.extract import PROGRAM, extract, program_problem, split_program
from linc.parsers.reading import Reader, ReadMemo, make_reader
from linc.procedure import all_keys, backend_versions, known_outcome, run_task
from linc.results import Verdict
from linc.settings import Settings
from linc.task import Task, make_task, task_key
from linc.voting import Answer, ErrorCause, Sample, classify_error, vote

PROOF_NAMESPACE = "proofs"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A sample made ready for deciding: a task, or the reason it is an Error."""

    task: Task | None = None
    key: str | None = None  # shared by samples decided together (exact or semantic)
    task_id: str | None = None  # the exact task's digest (proof-cache keys)
    error: ErrorCause | None = None
    detail: str = ""
    repairs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """Everything but the task itself (enough to find cached outcomes)."""
        return {
            "key": self.key,
            "task_id": self.task_id,
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "repairs": list(self.repairs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prepared:
        error = data.get("error")
        key, task_id = data.get("key"), data.get("task_id")
        return cls(
            key=str(key) if key is not None else None,
            task_id=str(task_id) if task_id is not None else None,
            error=ErrorCause(error) if error else None,
            detail=str(data.get("detail", "")),
            repairs=tuple(str(kind) for kind in data.get("repairs", ())),
        )


def reader_for(settings: Settings) -> Reader:
    """A memoising reader of formula texts under ``settings``."""
    return ReadMemo(
        make_reader(strict=settings.strict, syntax=settings.syntax, repair=settings.repair)
    )


def prepare_completions(
    completions: Sequence[str], settings: Settings, *, read: Reader | None = None
) -> list[Prepared]:
    """Every sample of one problem, read and built into tasks."""
    read = read or reader_for(settings)
    return [prepare_completion(text, settings, read=read) for text in completions]


def prepare_completion(text: str, settings: Settings, *, read: Reader | None = None) -> Prepared:
    """One completion: extract its formulas, read them, build the task."""
    extraction = extract(text, extraction=settings.extraction)
    if extraction is None:
        if settings.extraction == PROGRAM:
            detail = program_problem(split_program(text))
        else:
            detail = "no FOL: line"
        return Prepared(error=ErrorCause.NO_FORMULAS, detail=detail)
    return prepare_texts(extraction.premises, extraction.conclusion, settings, read=read)


def prepare_texts(
    premises: Sequence[str],
    conclusion: str,
    settings: Settings,
    *,
    read: Reader | None = None,
) -> Prepared:
    """Read, close and check one sample's formula texts; a task or an error."""
    read = read or reader_for(settings)
    repairs: list[str] = []
    current = conclusion  # LINC reads the conclusion first
    try:
        goal, fixes = read(conclusion)
        repairs.extend(fixes)
        parsed: list[Formula] = []
        for current in premises:
            formula, fixes = read(current)
            repairs.extend(fixes)
            parsed.append(formula)
        return prepare_formulas(parsed, goal, settings, repairs=repairs)
    except LincError as exc:
        cause = classify_error(exc)
        detail = _one_line(exc)
        if cause is ErrorCause.PARSE:
            detail = f"{current[:200]!r}: {detail}"
        return Prepared(error=cause, detail=detail, repairs=tuple(repairs))


def prepare_formulas(
    premises: Sequence[Formula], goal: Formula, settings: Settings, *, repairs: list[str]
) -> Prepared:
    """A task from formulas (raises ``ArityError``/``BackendError`` when none can be built)."""
    task = make_task(
        premises, goal, strict=settings.strict, rename_arity=settings.rename_arity, repairs=repairs
    )
    task_id = task_key(task)
    key = task_key(task, semantic=True) if settings.dedup else task_id
    return Prepared(task=task, key=key, task_id=task_id, repairs=tuple(repairs))


def sample_of(
    index: int,
    prepared: Prepared,
    outcome: Sample | None,
    *,
    recorded: Verdict | None = None,
) -> Sample:
    """The per-sample record: the decided outcome (or the preparation error) with its repairs."""
    if outcome is None or prepared.key is None:
        return Sample(
            index=index,
            verdict=Verdict.ERROR,
            error=prepared.error or ErrorCause.OTHER,
            detail=prepared.detail,
            repairs=prepared.repairs,
            recorded=recorded,
        )
    return outcome.model_copy(
        update={
            "index": index,
            "repairs": prepared.repairs,
            "decision": prepared.key[:16],
            "recorded": recorded,
            "detail": outcome.detail or outcome.evidence,
        }
    )


def request_failed(index: int, error: str) -> Sample:
    """The record of a sample whose model could not be reached (after all retries)."""
    return Sample(
        index=index, verdict=Verdict.ERROR, error=ErrorCause.OTHER, detail=f"request: {error}"
    )


def vote_samples(samples: Sequence[Sample], settings: Settings) -> Answer:
    """The settings' vote over one problem's samples."""
    return vote(
        samples,
        policy=settings.voting,
        uncertain_weight=settings.uncertain_weight,
        paradox=settings.paradox,
    )


def decide_completions(
    completions: Sequence[str],
    settings: Settings,
    *,
    cache: Cache | None = None,
    threads: int = 2,
) -> tuple[list[Prepared], list[Sample], Answer]:
    """One problem through the whole pipeline in this process (threads for the provers)."""
    prepared = prepare_completions(completions, settings)
    samples, answer = decide_readings(prepared, settings, cache=cache, threads=threads)
    return prepared, samples, answer


def decide_readings(
    prepared: Sequence[Prepared],
    settings: Settings,
    *,
    cache: Cache | None = None,
    threads: int = 2,
) -> tuple[list[Sample], Answer]:
    """``decide_completions`` of completions read already: the samples and the answer."""
    outcomes = decide_prepared(prepared, settings, cache=cache, threads=threads)
    samples = [sample_of(i, p, outcomes.get(p.key or "")) for i, p in enumerate(prepared)]
    return samples, vote_samples(samples, settings)


def decide_prepared(
    prepared: Sequence[Prepared],
    settings: Settings,
    *,
    cache: Cache | None = None,
    threads: int = 2,
) -> dict[str, Sample]:
    """The outcome of each distinct task among ``prepared``, by its key."""
    versions = backend_versions(settings)
    distinct: dict[str, Prepared] = {}
    for p in prepared:
        if p.key is not None and p.task is not None:
            distinct.setdefault(p.key, p)

    def one(p: Prepared) -> Sample:
        assert p.task is not None and p.task_id is not None  # only tasks are collected above
        known = cached_outcomes(cache, settings, versions, p.task_id)
        found = known_outcome(p.task_id, settings, known, versions)
        if found is not None:
            return found
        outcome, fresh, _ = run_task(p.task, p.task_id, settings, known, versions)
        store_outcomes(cache, fresh)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        results = list(pool.map(one, distinct.values()))
    return dict(zip(distinct, results))


def cached_outcomes(
    cache: Cache | None, settings: Settings, versions: dict[str, str], task_id: str
) -> dict[str, dict[str, Any]]:
    """The prover outcomes of one task already in the proof cache, by key."""
    if cache is None:
        return {}
    return cache.get_many(all_keys(settings, versions, task_id))


def store_outcomes(cache: Cache | None, fresh: dict[str, dict[str, Any]]) -> None:
    """Write newly computed prover outcomes to the proof cache."""
    if cache is not None:
        cache.put_many(fresh)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
