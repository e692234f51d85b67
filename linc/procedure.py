"""The decision procedure of a ``Settings``: one task's two directions to one sample.

``decide_task(settings, prove)`` runs the procedure over an *oracle*
``prove(backend, direction)`` for ``direction`` ``goal`` or ``negation``, so
the same procedure serves every scheduler: a worker process that calls the
provers, the driver that only looks outcomes up in the proof cache
(``known_outcome``), and ``Reasoner.ask``'s threads.

``Procedure.LINC``: Prover9 on the goal; proved → True; else the negation;
proved → False; else Uncertain. ``Procedure.PORTFOLIO``: per direction, the
backends in order until one answers (a limit or a failure moves on to the
next); both directions are tried unless inconsistency handling is off and
the goal was proved. ``Settings.on_limit`` says what a limit means.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from linc.errors import BackendError, BackendUnavailable
from linc.results import Limits, ProofResult, ProofStatus, Verdict
from linc.settings import OnLimit, Procedure, Settings
from linc.task import DIRECTIONS, Task, proof_key_frame
from linc.voting import ErrorCause, Sample

log = logging.getLogger(__name__)

Oracle = Callable[[str, str], ProofResult]
"""``oracle(backend, direction)``: one prover call's result (raises ``BackendError``)."""


class Missing(Exception):
    """A prover outcome that is not known yet (raised by a lookup-only oracle)."""


def decide_task(settings: Settings, prove: Oracle) -> Sample:
    """The sample's verdict under ``settings``' procedure (its index and repairs unset)."""
    try:
        if settings.procedure is Procedure.LINC:
            return _decide_linc(settings, prove)
        return _decide_portfolio(settings, prove)
    except BackendUnavailable:
        raise
    except BackendError as exc:
        return Sample(verdict=Verdict.ERROR, error=ErrorCause.BACKEND, detail=str(exc)[:300])


def _limit_error(detail: str) -> Sample:
    return Sample(verdict=Verdict.ERROR, error=ErrorCause.TIMEOUT, detail=detail, timed_out=True)


def _decide_linc(settings: Settings, prove: Oracle) -> Sample:
    name = settings.backends[0]
    first = prove(name, "goal")
    if first.status is ProofStatus.PROVED:
        return Sample(verdict=Verdict.TRUE, evidence=evidence(name, first))
    if first.status is ProofStatus.UNKNOWN and settings.on_limit is OnLimit.ERROR:
        return _limit_error(first.reason)
    second = prove(name, "negation")
    if second.status is ProofStatus.PROVED:
        return Sample(verdict=Verdict.FALSE, evidence=evidence(name, second))
    if ProofStatus.UNKNOWN in (first.status, second.status):
        return _limit_error(second.reason or first.reason)
    return Sample(verdict=Verdict.UNCERTAIN)


def _portfolio(settings: Settings, prove: Oracle, direction: str) -> tuple[ProofResult, str]:
    """The first definitive answer over the backends in order; else the last limit hit."""
    last: ProofResult | None = None
    errors: list[str] = []
    for name in settings.backends:
        try:
            result = prove(name, direction)
        except BackendUnavailable:
            raise
        except BackendError as exc:
            errors.append(f"{name}: {exc}"[:200])
            continue
        if result.status is not ProofStatus.UNKNOWN:
            return result, name
        last = result
    if last is None:
        raise BackendError("; ".join(errors) or "no backend answered")
    return last, last.backend


def _decide_portfolio(settings: Settings, prove: Oracle) -> Sample:
    goal, goal_by = _portfolio(settings, prove, "goal")
    if goal.status is ProofStatus.PROVED and not settings.inconsistency:
        return Sample(verdict=Verdict.TRUE, evidence=evidence(goal_by, goal))
    if goal.status is ProofStatus.UNKNOWN and settings.on_limit is OnLimit.ERROR:
        return _limit_error(goal.reason)
    neg, neg_by = _portfolio(settings, prove, "negation")
    proved_goal = goal.status is ProofStatus.PROVED
    proved_neg = neg.status is ProofStatus.PROVED
    timed_out = ProofStatus.UNKNOWN in (goal.status, neg.status)
    if timed_out and settings.on_limit is OnLimit.ERROR:
        return _limit_error(neg.reason or goal.reason)
    if proved_goal and proved_neg:
        return Sample(
            verdict=Verdict.TRUE,
            inconsistent=True,
            evidence="premises are inconsistent",
            timed_out=timed_out,
        )
    if proved_goal:
        return Sample(verdict=Verdict.TRUE, evidence=evidence(goal_by, goal), timed_out=timed_out)
    if proved_neg:
        return Sample(verdict=Verdict.FALSE, evidence=evidence(neg_by, neg), timed_out=timed_out)
    if timed_out:
        return _limit_error("every backend hit a limit")
    return Sample(verdict=Verdict.UNCERTAIN, evidence=f"{goal_by}: {goal.reason}")


def evidence(name: str, result: ProofResult) -> str:
    """One line: which backend answered, how, and the premises a proof used."""
    used = "" if result.used_premises is None else f" using premises {list(result.used_premises)}"
    text = f"{name}: {result.reason or result.status.value}{used}"
    if result.countermodel:
        text += f"; countermodel: {result.countermodel.splitlines()[0]}"
    return text


# ----------------------------------------------------------------- calling provers


def usable(settings: Settings) -> Settings:
    """``settings`` with the preset's default backends that cannot run here left out.

    The ``best`` preset names Z3, Prover9 and E; E is an optional extra, so a
    machine without it runs the portfolio on the others (logged). Backends
    named explicitly are kept, and a missing one is an error when it is used.
    """
    from linc.registry import get_backend

    default = Settings.preset_of(settings.preset).backends
    if settings.backends != default:
        return settings
    here = tuple(name for name in default if get_backend(name).available())
    if not here or here == default:
        return settings
    log.warning(
        "backends %s are not installed here; the portfolio runs on %s",
        ", ".join(n for n in default if n not in here),
        ", ".join(here),
    )
    return settings.with_(backends=here)


def backend_versions(settings: Settings) -> dict[str, str]:
    """Each backend's version; ``BackendUnavailable`` (with the install hint) when one cannot run."""
    from linc.registry import get_backend

    out = {}
    for name in settings.backends:
        availability = get_backend(name).available()
        if not availability:
            raise BackendUnavailable(name, availability.reason, availability.hint)
        out[name] = availability.version
    return out


def key_of(
    settings: Settings, versions: dict[str, str], backend: str, task_id: str, direction: str
) -> str:
    """The proof-cache key of one call of this procedure (``linc.task.proof_key``)."""
    return _key_frame(settings, backend, versions.get(backend, ""), direction)(task_id)


@functools.lru_cache(maxsize=256)
def _key_frame(
    settings: Settings, backend: str, version: str, direction: str
) -> Callable[[str], str]:
    """``linc.task.proof_key_frame`` of one backend and direction, built once per settings."""
    return proof_key_frame(
        backend=backend, version=version, limits=settings.limits_for(backend), direction=direction
    )


def all_keys(settings: Settings, versions: dict[str, str], task_id: str) -> list[str]:
    """Every proof-cache key the procedure may look up for one task."""
    return [frame(task_id) for frame in _frames(settings, tuple(versions.items()))]


@functools.lru_cache(maxsize=64)
def _frames(
    settings: Settings, versions: tuple[tuple[str, str], ...]
) -> list[Callable[[str], str]]:
    """The key frames of ``all_keys``, backends in order, each direction in turn."""
    found = dict(versions)
    return [
        _key_frame(settings, name, found.get(name, ""), direction)
        for name in settings.backends
        for direction in DIRECTIONS
    ]


def encode(result: ProofResult | BackendError) -> dict[str, Any]:
    """A prover outcome (a result, or a fatal error) as a cache value."""
    if isinstance(result, BackendError):
        return {"error": str(result)}
    return {"result": result.model_dump(mode="json")}


def decode(value: dict[str, Any]) -> ProofResult:
    """The cached outcome back (a fatal error raises again)."""
    if "error" in value:
        raise BackendError(value["error"])
    return ProofResult.model_validate(value["result"])


def run_task(
    task: Task,
    task_id: str,
    settings: Settings,
    known: dict[str, dict[str, Any]],
    versions: dict[str, str],
) -> tuple[Sample, dict[str, dict[str, Any]], int]:
    """Decide one task: ``known`` outcomes are used, the rest computed.

    Returns the sample, the newly computed outcomes by proof-cache key, and
    the number of prover calls made (safe to run in a worker process).
    """
    from linc.registry import get_backend

    fresh: dict[str, dict[str, Any]] = {}
    calls = 0

    def prove(name: str, direction: str) -> ProofResult:
        nonlocal calls
        key = key_of(settings, versions, name, task_id, direction)
        hit = known.get(key) or fresh.get(key)
        if hit is not None:
            return decode(hit)
        if direction == "goal" and _asks_both(settings, name):
            other = key_of(settings, versions, name, task_id, "negation")
            if other not in known and other not in fresh:
                both = _prove_both(get_backend(name), task, settings.limits_for(name))
                if both is not None:
                    calls += 2
                    fresh[key], fresh[other] = encode(both[0]), encode(both[1])
                    return decode(fresh[key])
        calls += 1
        try:
            result: ProofResult | BackendError = get_backend(name).entails(
                task.premises, task.target(direction), limits=settings.limits_for(name)
            )
        except BackendUnavailable:
            raise
        except BackendError as exc:
            if not exc.cacheable:
                raise  # an error sample, computed again next time
            result = exc
        fresh[key] = encode(result)
        return decode(fresh[key])

    return decide_task(settings, prove), fresh, calls


def _asks_both(settings: Settings, backend: str) -> bool:
    """True when the procedure will ask ``backend`` both directions of every task: the
    portfolio's first backend, with inconsistency handling on."""
    return (
        settings.procedure is Procedure.PORTFOLIO
        and settings.inconsistency
        and bool(settings.backends)
        and settings.backends[0] == backend
    )


def _prove_both(backend: Any, task: Task, limits: Limits) -> list[ProofResult] | None:
    """Both directions in one backend call, when the backend can (``entails_each``);
    None when it cannot or fails, so each direction gets a call of its own as usual."""
    entails_each = getattr(backend, "entails_each", None)
    if entails_each is None:
        return None
    try:
        results = list(entails_each(task.premises, [task.goal, task.negation], limits=limits))
    except BackendUnavailable:
        raise
    except BackendError:
        return None
    return results if len(results) == 2 else None


def known_outcome(
    task_id: str, settings: Settings, known: dict[str, dict[str, Any]], versions: dict[str, str]
) -> Sample | None:
    """The sample when every prover call it needs is already in ``known``."""

    def prove(name: str, direction: str) -> ProofResult:
        key = key_of(settings, versions, name, task_id, direction)
        if key not in known:
            raise Missing(key)
        return decode(known[key])

    try:
        return decide_task(settings, prove)
    except Missing:
        return None
