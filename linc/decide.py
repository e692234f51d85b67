"""``decide``: do the premises make the conclusion True, False or Uncertain?

LINC's rule, per backend: the conclusion is proved → ``TRUE``; else its
negation is proved → ``FALSE``; else ``UNCERTAIN``. Both directions are
always tried (in parallel threads by default), so that:

- premises that prove both the conclusion and its negation are flagged
  ``inconsistent``. The verdict stays ``TRUE``, as LINC's rule gives it, but
  never silently: callers (the ``best`` vote) see the flag and can abstain;
- a direction that hit a limit (``ProofStatus.UNKNOWN``) is kept on the
  Decision and sets ``timed_out``; when nothing was proved the verdict is
  then ``UNCERTAIN`` (a timeout is never read as a disproof).

With several backends the ensemble runs all of them. A direction counts as
proved when any backend proved it (proofs are sound); ``agreement`` says
whether every backend reached the same verdict, and ``contradiction`` flags
one backend proving a direction that another refuted (search finished or a
countermodel) — a sign of a bug in some backend or translation.

Bad input raises ``ParseError`` / ``ArityError``; a prover fatal error
raises ``BackendError``; a backend that cannot run raises
``BackendUnavailable``. With a ``Cache`` the prover outcomes persist, keyed
by backend name, version, limits and the exact prover input.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from linc.cache import Cache
from linc.errors import BackendError, BackendUnavailable, ConfigError
from linc.ir import Formula, Not, check_arities
from linc.registry import Backend, get_backend
from linc.results import Limits, ProofResult, ProofStatus, Verdict

log = logging.getLogger(__name__)

FormulaLike = str | Formula
BackendLike = str | Backend


class Decision(BaseModel):
    """The verdict for one set of premises and one conclusion, with evidence."""

    model_config = ConfigDict(frozen=True)

    verdict: Verdict
    inconsistent: bool = Field(
        default=False, description="both the conclusion and its negation were proved"
    )
    timed_out: bool = Field(default=False, description="some prover call reached a limit (UNKNOWN)")
    agreement: bool = Field(default=True, description="every backend reached the same verdict")
    contradiction: bool = Field(
        default=False, description="one backend proved a direction another refuted"
    )
    seconds: float = 0.0
    backends: tuple[str, ...] = ()
    conclusion: dict[str, ProofResult] = Field(
        default_factory=dict, description="per backend: proving the conclusion"
    )
    negation: dict[str, ProofResult] = Field(
        default_factory=dict, description="per backend: proving the conclusion's negation"
    )
    per_backend: dict[str, Verdict] = Field(default_factory=dict)
    repairs: tuple[str, ...] = Field(
        default=(), description="repairs the parser applied to the text"
    )

    def evidence(self) -> str:
        """One line: which backend decided, premises used or a countermodel."""
        direction = self.negation if self.verdict is Verdict.FALSE else self.conclusion
        if self.verdict in (Verdict.TRUE, Verdict.FALSE):
            for name, result in direction.items():
                if result.status is ProofStatus.PROVED:
                    used = (
                        ""
                        if result.used_premises is None
                        else f" using premises {list(result.used_premises)}"
                    )
                    return f"{name} proved the {'negation' if self.verdict is Verdict.FALSE else 'conclusion'}{used}"
        for name, result in self.conclusion.items():
            if result.countermodel:
                return f"{name} countermodel: {result.countermodel.splitlines()[0]} …"
        reasons = {
            f"{n}: {r.reason}" for d in (self.conclusion, self.negation) for n, r in d.items()
        }
        return "; ".join(sorted(reasons))


def verdict_of(conclusion: ProofResult, negation: ProofResult) -> Verdict:
    """LINC's rule for one backend's two results."""
    if conclusion.status is ProofStatus.PROVED:
        return Verdict.TRUE
    if negation.status is ProofStatus.PROVED:
        return Verdict.FALSE
    return Verdict.UNCERTAIN


def decide(
    premises: Sequence[FormulaLike],
    conclusion: FormulaLike,
    *,
    backend: BackendLike | Sequence[BackendLike] = "prover9",
    timeout: float = 10.0,
    limits: Limits | None = None,
    syntax: str = "auto",
    repair: bool = False,
    cache: Cache | None = None,
    parallel: bool = True,
) -> Decision:
    """Decide ``premises ⊢ conclusion`` with one backend or an ensemble.

    ``premises`` and ``conclusion`` are formula texts (read with ``syntax``,
    optionally with ``repair``) or IR formulas. ``limits`` overrides
    ``timeout`` (which sets ``Limits.seconds`` per prover call).
    """
    start = time.perf_counter()
    chosen = _backends(backend)
    repairs: list[str] = []
    parsed = [_formula(p, syntax=syntax, repair=repair, repairs=repairs) for p in premises]
    goal = _formula(conclusion, syntax=syntax, repair=repair, repairs=repairs)
    check_arities([*parsed, goal])
    limits = limits if limits is not None else Limits(seconds=timeout)

    jobs: list[tuple[str, Backend, Formula]] = []
    for b in chosen:
        jobs.append(("conclusion", b, goal))
        jobs.append(("negation", b, Not(goal)))
    outcomes = _run_all(jobs, parsed, limits=limits, cache=cache, parallel=parallel)

    by_conclusion = {b.name: outcomes[2 * i] for i, b in enumerate(chosen)}
    by_negation = {b.name: outcomes[2 * i + 1] for i, b in enumerate(chosen)}
    per_backend = {n: verdict_of(by_conclusion[n], by_negation[n]) for n in by_conclusion}
    proved_goal = any(r.status is ProofStatus.PROVED for r in by_conclusion.values())
    proved_neg = any(r.status is ProofStatus.PROVED for r in by_negation.values())
    if proved_goal:
        verdict = Verdict.TRUE
    elif proved_neg:
        verdict = Verdict.FALSE
    else:
        verdict = Verdict.UNCERTAIN
    contradiction = _contradicts(by_conclusion) or _contradicts(by_negation)
    if contradiction:
        log.warning("backends contradict each other: %s", per_backend)
    return Decision(
        verdict=verdict,
        inconsistent=proved_goal and proved_neg,
        timed_out=any(r.status is ProofStatus.UNKNOWN for r in outcomes),
        agreement=len(set(per_backend.values())) <= 1,
        contradiction=contradiction,
        seconds=time.perf_counter() - start,
        backends=tuple(by_conclusion),
        conclusion=by_conclusion,
        negation=by_negation,
        per_backend=per_backend,
        repairs=tuple(repairs),
    )


def _contradicts(results: dict[str, ProofResult]) -> bool:
    statuses = {r.status for r in results.values()}
    return ProofStatus.PROVED in statuses and ProofStatus.NOT_PROVED in statuses


def _formula(item: FormulaLike, *, syntax: str, repair: bool, repairs: list[str]) -> Formula:
    if not isinstance(item, str):
        return item
    from linc.parsers import read

    parsed = read(item, syntax=syntax, repair=repair)
    repairs.extend(f"{r.kind}: {r.detail}" for r in parsed.repairs)
    return parsed.formula


def _backends(spec: BackendLike | Sequence[BackendLike]) -> list[Backend]:
    items = [spec] if isinstance(spec, str) or not isinstance(spec, Sequence) else list(spec)
    if not items:
        raise ConfigError("decide needs at least one backend")
    out: list[Backend] = []
    for item in items:
        b = get_backend(item) if isinstance(item, str) else item
        if any(o.name == b.name for o in out):
            continue
        availability = b.available()
        if not availability:
            raise BackendUnavailable(b.name, availability.reason, availability.hint)
        out.append(b)
    return out


def _run_all(
    jobs: list[tuple[str, Backend, Formula]],
    premises: list[Formula],
    *,
    limits: Limits,
    cache: Cache | None,
    parallel: bool,
) -> list[ProofResult]:
    results: list[ProofResult | BaseException | None] = [None] * len(jobs)

    def work(index: int) -> None:
        _, b, goal = jobs[index]
        try:
            results[index] = prove(b, premises, goal, limits=limits, cache=cache)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            results[index] = exc

    if parallel and len(jobs) > 1:
        threads = [
            threading.Thread(target=work, args=(i,), daemon=True) for i in range(1, len(jobs))
        ]
        for t in threads:
            t.start()
        try:
            work(0)
            if isinstance(results[0], KeyboardInterrupt):
                raise results[0]
            for t in threads:
                t.join()
        except BaseException:
            _cancel_provers()  # the other threads' calls stop now, not at their limit
            for t in threads:
                t.join()
            raise
    else:
        for i in range(len(jobs)):
            work(i)
    for item in results:
        if isinstance(item, BaseException):
            raise item
    return [r for r in results if isinstance(r, ProofResult)]


def _cancel_provers() -> None:
    """Stop every prover call of this process (on an interrupt)."""
    from linc.backends import process

    process.cancel_all()


def prove(
    backend: Backend,
    premises: Sequence[Formula],
    goal: Formula,
    *,
    limits: Limits,
    cache: Cache | None = None,
) -> ProofResult:
    """One ``entails`` call, through the proof cache when one is given.

    Fatal prover errors are cached too (and raised again from the cache),
    except those that decided nothing (``BackendError.cacheable`` False).
    """
    if cache is None:
        return backend.entails(premises, goal, limits=limits)
    key = _cache_key(backend, premises, goal, limits)
    hit = cache.get(key)
    if hit is not None:
        if "error" in hit:
            raise BackendError(hit["error"])
        return ProofResult.model_validate(hit["result"])
    try:
        result = backend.entails(premises, goal, limits=limits)
    except BackendUnavailable:
        raise
    except BackendError as exc:
        if exc.cacheable:
            cache.put(key, {"error": str(exc)})
        raise
    cache.put(key, {"result": result.model_dump(mode="json")})
    return result


def _cache_key(backend: Backend, premises: Sequence[Formula], goal: Formula, limits: Limits) -> str:
    """The one proof-cache key (``linc.task.proof_key``) of proving ``goal``."""
    from linc.task import Task, proof_key, task_key

    return proof_key(
        backend=backend.name,
        version=backend.available().version,
        limits=limits,
        task_id=task_key(Task.of(premises, goal)),
        direction="goal",
    )


__all__ = ["Decision", "decide", "prove", "verdict_of"]
