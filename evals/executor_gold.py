"""``eval gold`` on an executor (Ray): each problem's gold FOL decided by a worker.

A worker decides through a proof cache that reads nothing and keeps what it
writes (``_Recorder``); the driver stores those entries in its own cache, so
prover results flow back to it as in a run. A problem whose task failed for
good is an ``Error`` outcome naming the cause.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from linc.cache import Cache
from linc.problems import Problem
from linc.results import Verdict

from .executor import Executor, TaskFailed, make_executor, map_ordered
from .gold import GoldOutcome, _decide_one


class _Recorder:
    """A worker's proof cache: no hits, every write kept for the driver."""

    def __init__(self) -> None:
        self.fresh: dict[str, Any] = {}

    def get(self, key: str) -> Any:
        return None

    def put(self, key: str, value: Any) -> None:
        self.fresh[key] = value


def decide_gold(
    problem: Problem, options: dict[str, Any]
) -> tuple[GoldOutcome, list[float], dict[str, Any]]:
    """Worker side: one problem decided; its prover calls' seconds and cache entries."""
    recorder = _Recorder()
    seconds: list[float] = []
    outcome = _decide_one(problem, cache=cast(Cache, recorder), call_seconds=seconds, **options)
    return outcome, seconds, recorder.fresh


def decide_on(
    executor: str | Executor,
    problems: Sequence[Problem],
    *,
    options: dict[str, Any],
    cache: Cache | None,
    call_seconds: list[float],
    address: str | None = None,
) -> list[GoldOutcome]:
    """Every problem decided on ``executor`` (``"ray"`` or an ``Executor``), in order."""
    pool = make_executor(executor, workers=2, address=address)
    if pool is None:  # pragma: no cover - "local" stays with gold's threads
        raise ValueError("decide_on needs a pool")
    finished = False
    try:
        futures = map_ordered(pool, decide_gold, problems, options)
        outcomes = [_collect(p, f.result, cache, call_seconds) for p, f in zip(problems, futures)]
        finished = True
    finally:
        if isinstance(executor, str):
            pool.shutdown(interrupted=not finished)
    return outcomes


def _collect(
    problem: Problem, result: Any, cache: Cache | None, call_seconds: list[float]
) -> GoldOutcome:
    try:
        outcome, seconds, fresh = result()
    except TaskFailed as exc:
        return GoldOutcome(
            id=problem.id,
            gold=problem.label,
            got=Verdict.ERROR,
            error=f"worker: {exc.cause}",
            premises_fol=list(problem.premises_fol or []),
            conclusion_fol=problem.conclusion_fol or "",
        )
    call_seconds.extend(seconds)
    if cache is not None and fresh:
        cache.put_many(fresh)
    return cast(GoldOutcome, outcome)
