"""Decide every problem from its gold FOL and compare with the gold label.

This checks the parsers and the provers together against FOLIO's own
annotations: no model is involved. Problems whose gold FOL does not parse,
clashes in arity, or makes a prover fail count as ``Error`` (a disagreement
with the gold label, with the reason recorded).
"""

from __future__ import annotations

import functools
import logging
import os
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypedDict

from pydantic import BaseModel, Field

from linc.backends import process
from linc.cache import Cache, CacheError
from linc.decide import Decision, decide
from linc.errors import ConfigError, LincError
from linc.parsers.reader import SYNTAXES
from linc.problems import Problem
from linc.procedure import usable
from linc.registry import get_backend
from linc.results import Limits, Verdict
from linc.settings import Settings

if TYPE_CHECKING:
    from .executor import Executor

log = logging.getLogger(__name__)


class GoldOutcome(BaseModel):
    """One problem decided from its gold FOL."""

    id: str
    gold: Verdict | None
    got: Verdict
    per_backend: dict[str, Verdict] = Field(default_factory=dict)
    inconsistent: bool = False
    timed_out: bool = False
    error: str | None = None
    repairs: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    premises_fol: list[str] = Field(default_factory=list)
    conclusion_fol: str = ""


class _Given(TypedDict):
    """The fields of a ``GoldOutcome`` that come from the problem itself."""

    id: str
    gold: Verdict | None
    premises_fol: list[str]
    conclusion_fol: str


class LabelCount(BaseModel):
    n: int = 0
    agree: int = 0


class GoldReport(BaseModel):
    """What ``linc eval gold`` prints."""

    n: int
    agree: int
    per_label: dict[str, LabelCount]
    disagreements: list[GoldOutcome]
    seconds: float
    backends: list[str]
    versions: dict[str, str]
    limits: Limits
    repair: bool
    errors: int = Field(description="problems that raised (parse, arity or prover errors)")
    inconsistent: list[str] = Field(
        default_factory=list, description="ids with inconsistent gold premises"
    )
    timed_out: list[str] = Field(
        default_factory=list, description="ids where some prover call hit a limit"
    )
    per_backend_agree: dict[str, int] = Field(default_factory=dict)
    backends_disagree: list[str] = Field(
        default_factory=list, description="ids where the backends reached different verdicts"
    )
    prover_calls: int = 0
    median_call_seconds: float | None = None
    outcomes: list[GoldOutcome] | None = Field(
        default=None, description="every problem (when asked)"
    )


def _names(backend: str | Sequence[str]) -> list[str]:
    return [backend] if isinstance(backend, str) else list(backend)


def check_gold(
    problems: Sequence[Problem],
    *,
    settings: Settings | None = None,
    backend: str | Sequence[str] | None = None,
    timeout: float | None = None,
    limits: Limits | None = None,
    repair: bool | None = None,
    syntax: str = "unicode",
    cache: Cache | None = None,
    workers: int | None = None,
    keep_outcomes: bool = False,
    executor: str | Executor = "local",
    ray_address: str | None = None,
) -> GoldReport:
    """Decide each problem's gold FOL (written in ``syntax``) and score it.

    ``settings`` (default: the ``best`` preset) give the backends, the prover
    limit and whether slips are repaired; ``backend``, ``timeout``,
    ``limits`` and ``repair`` override them. Every backend decides every
    problem (an ensemble), so backends are compared with each other too.
    ``executor="ray"`` decides the problems as Ray tasks on the cluster at
    ``ray_address`` (``linc.evals.executor_gold``) instead of ``workers`` threads.
    """
    if syntax not in SYNTAXES:
        raise ConfigError(f"unknown syntax {syntax!r}; choose one of {', '.join(SYNTAXES)}")
    names, limits, repair = _resolve(settings, backend, timeout, limits, repair)
    versions = {name: get_backend(name).available().version for name in names}
    start = time.perf_counter()
    call_seconds: list[float] = []
    one = functools.partial(
        _decide_one,
        names=names,
        limits=limits,
        syntax=syntax,
        repair=repair,
        cache=cache,
        call_seconds=call_seconds,
    )
    if executor == "local":
        outcomes = _decide_all(one, problems, workers)
    else:
        from .executor_gold import decide_on

        options = {"names": names, "limits": limits, "syntax": syntax, "repair": repair}
        outcomes = decide_on(
            executor,
            problems,
            options=options,
            cache=cache,
            call_seconds=call_seconds,
            address=ray_address,
        )
    return _report(
        outcomes,
        start=start,
        names=names,
        versions=versions,
        limits=limits,
        repair=repair,
        call_seconds=call_seconds,
        keep_outcomes=keep_outcomes,
    )


def _resolve(
    settings: Settings | None,
    backend: str | Sequence[str] | None,
    timeout: float | None,
    limits: Limits | None,
    repair: bool | None,
) -> tuple[list[str], Limits, bool]:
    """The backends, limits and repair flag: ``settings`` (default ``best``) with overrides."""
    settings = usable(settings or Settings())
    names = list(settings.backends) if backend is None else _names(backend)
    if limits is None:
        seconds = timeout if timeout is not None else settings.prover_timeout
        limits = Limits(seconds=seconds, memory_mb=settings.memory_mb or 2048)
    repair = settings.repair if repair is None else repair
    return names, limits, repair


def _decide_one(
    problem: Problem,
    *,
    names: list[str],
    limits: Limits,
    syntax: str,
    repair: bool,
    cache: Cache | None,
    call_seconds: list[float],
) -> GoldOutcome:
    """Decide one problem's gold FOL; each prover call's time goes to ``call_seconds``."""
    t0 = time.perf_counter()
    premises = list(problem.premises_fol or [])
    conclusion = problem.conclusion_fol or ""
    base: _Given = {
        "id": problem.id,
        "gold": problem.label,
        "premises_fol": premises,
        "conclusion_fol": conclusion,
    }
    if problem.premises_fol is None or problem.conclusion_fol is None:
        return GoldOutcome(**base, got=Verdict.ERROR, error="no gold FOL")
    try:
        decision: Decision = decide(
            premises,
            conclusion,
            backend=names,
            limits=limits,
            syntax=syntax,
            repair=repair,
            cache=cache,
        )
    except CacheError:
        raise  # the cache, not this problem: the run cannot go on
    except LincError as exc:
        return GoldOutcome(
            **base,
            got=Verdict.ERROR,
            error=f"{type(exc).__name__}: {str(exc).splitlines()[0]}",
            seconds=time.perf_counter() - t0,
        )
    for direction in (decision.conclusion, decision.negation):
        call_seconds.extend(r.seconds for r in direction.values())
    return GoldOutcome(
        **base,
        got=decision.verdict,
        per_backend=decision.per_backend,
        inconsistent=decision.inconsistent,
        timed_out=decision.timed_out,
        repairs=list(decision.repairs),
        seconds=time.perf_counter() - t0,
    )


def _decide_all(
    one: Callable[[Problem], GoldOutcome], problems: Sequence[Problem], workers: int | None
) -> list[GoldOutcome]:
    """``one`` over the problems, in order, on ``workers`` threads (default: one per CPU)."""
    workers = workers if workers is not None else max(1, os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            try:
                return list(pool.map(one, problems))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                process.cancel_all()  # the running calls stop now, not at their limit
                raise
    return [one(p) for p in problems]


def _per_label(outcomes: Sequence[GoldOutcome]) -> dict[str, LabelCount]:
    """Problems and agreements per gold label (``none`` for no label), sorted by label."""
    per_label: dict[str, LabelCount] = {}
    for o in outcomes:
        key = o.gold.value if o.gold is not None else "none"
        count = per_label.setdefault(key, LabelCount())
        count.n += 1
        count.agree += o.got is o.gold
    return dict(sorted(per_label.items()))


def _report(
    outcomes: list[GoldOutcome],
    *,
    start: float,
    names: list[str],
    versions: dict[str, str],
    limits: Limits,
    repair: bool,
    call_seconds: list[float],
    keep_outcomes: bool,
) -> GoldReport:
    """Score the outcomes against the gold labels, overall and per backend."""
    per_label = _per_label(outcomes)
    per_backend_agree = {
        name: sum(1 for o in outcomes if o.per_backend.get(name) is o.gold and o.gold is not None)
        for name in names
    }
    return GoldReport(
        n=len(outcomes),
        agree=sum(1 for o in outcomes if o.got is o.gold),
        per_label=per_label,
        disagreements=[o for o in outcomes if o.got is not o.gold],
        seconds=time.perf_counter() - start,
        backends=names,
        versions=versions,
        limits=limits,
        repair=repair,
        errors=sum(1 for o in outcomes if o.error is not None),
        inconsistent=[o.id for o in outcomes if o.inconsistent],
        timed_out=[o.id for o in outcomes if o.timed_out],
        per_backend_agree=per_backend_agree,
        backends_disagree=[o.id for o in outcomes if len(set(o.per_backend.values())) > 1],
        prover_calls=len(call_seconds),
        median_call_seconds=statistics.median(call_seconds) if call_seconds else None,
        outcomes=outcomes if keep_outcomes else None,
    )
