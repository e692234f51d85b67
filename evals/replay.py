"""Replay recorded model outputs through the engine: parity and best modes.

``replay_linc(run, options)`` and ``replay_logiclm(programs, options)`` decide
every sample of every problem, vote, and return a ``Report``; with ``out`` set
they stream one JSONL line per finished problem and can resume.

How the work is scheduled (for speed):

1. each problem's samples are read into prover tasks (in worker processes);
2. samples of a problem that give the same task (exactly, or up to renaming
   with semantic de-duplication) are decided once;
3. each prover call's outcome is looked up first in the persistent proof
   cache (keyed by backend, version, limits and the exact IR); only misses
   go to the process pool, one task per job so long Prover9 timeouts spread
   over the cores;
4. a problem is voted and written as soon as its last task is decided.

Modes (``ReplayOptions.create``):

- ``linc``: parity with LINC's evaluation (see ``replay_tasks`` for the
  reading). Its FOL lines are extracted the way LINC's recorded answers
  were (``published``: only ``FOL:`` followed by a tab; LINC's released
  code also reads ``FOL: `` with a space, ``extraction="released"``).
  Prover9 alone, 10 s per call, no memory limit of ours; the conclusion is
  tried first and its negation only when it was not proved; a limit
  (timeout) on a call that is reached is ``Error``, as NLTK raises it. Vote
  policy ``linc``.
- ``best``: repairs, arity-clash renaming, a backend portfolio (the fastest
  first, the next only when one hits a limit or fails), both directions
  always tried so inconsistent premises are seen and abstain, semantic
  de-duplication. Each can be switched off for an ablation.
"""

from __future__ import annotations

import logging
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from linc.cache import Cache, digest
from linc.errors import BackendError, BackendUnavailable, ConfigError, validation_message
from linc.results import Limits, ProofResult, ProofStatus, Verdict
from linc.voting import UNCERTAIN_WEIGHT, ErrorCause, Sample, vote

from .recorded import LogicLMProgram, RecordedRun
from .replay_tasks import Prepared, ReadOptions, Task, prepare_completions, prepare_texts
from .report import (
    RECORDS,
    JsonlWriter,
    ProblemRecord,
    Report,
    SampleRecord,
    build_report,
    read_records,
)

log = logging.getLogger(__name__)

CACHE_NAMESPACE = "proofs"
SAMPLE_NAMESPACE = "replay-samples"
_CACHE_FORMAT = "replay-entails-1"
_SAMPLE_FORMAT = "replay-sample-1"
_READER_MODULES = (
    "linc.parsers",
    "linc.ir",
    "linc.evals.replay_tasks",
    "linc.evals.linc_rewrite",
    "linc.evals.recorded",
)


def reader_fingerprint() -> str:
    """A digest of the code that turns a sample into a task.

    Cached sample readings are keyed on it, so editing a grammar, a repair
    or the IR invalidates them.
    """
    import hashlib
    from importlib.util import find_spec

    h = hashlib.sha256()
    for name in _READER_MODULES:
        spec = find_spec(name)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            files = sorted(
                f
                for loc in spec.submodule_search_locations
                for f in Path(loc).rglob("*")
                if f.suffix in (".py", ".lark")
            )
        else:
            files = [Path(spec.origin)] if spec.origin else []
        for path in files:
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:32]


BEST_BACKENDS = ("z3", "prover9", "eprover")


class ReplayOptions(BaseModel):
    """Everything that changes a replay's outcome or speed."""

    model_config = ConfigDict(frozen=True)

    mode: str = Field(default="linc", description="linc (parity) | best")
    extraction: str = Field(default="released", description="LINC extraction: released | published")
    backends: tuple[str, ...] = ("prover9",)
    seconds: float = 10.0
    first_seconds: float | None = Field(
        default=None, description="limit of a portfolio's first backend"
    )
    memory_mb: int | None = None
    repair: bool = False
    rename_arity: bool = False
    inconsistency: bool = False
    dedup: bool = False
    policy: str = "linc"
    uncertain_weight: float = Field(
        default=UNCERTAIN_WEIGHT, gt=0, le=1, description="an Uncertain vote's weight (policy best)"
    )
    workers: int = 1
    cache: bool = True
    cache_dir: str | None = None

    @classmethod
    def create(cls, mode: str = "linc", **overrides: Any) -> ReplayOptions:
        """Defaults for a mode, then ``overrides`` (None values are ignored)."""
        if mode == "linc":
            # the extraction behind LINC's recorded answers and published numbers
            base: dict[str, Any] = {
                "mode": "linc",
                "backends": ("prover9",),
                "policy": "linc",
                "extraction": "published",
            }
        elif mode == "best":
            base = {
                "mode": "best",
                "extraction": "released",
                "backends": BEST_BACKENDS,
                "repair": True,
                "rename_arity": True,
                "inconsistency": True,
                "dedup": True,
                "policy": "best",
                "seconds": 10.0,
            }
        else:
            raise ConfigError(f"unknown replay mode {mode!r}; choose linc or best")
        base.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(base.get("backends"), list):
            base["backends"] = tuple(base["backends"])
        try:
            return cls(**base)
        except ValidationError as exc:
            raise ConfigError(f"replay option {validation_message(exc)}") from None

    def read_options(self, *, syntax: str) -> ReadOptions:
        return ReadOptions(
            mode=self.mode,
            syntax=syntax,
            extraction=self.extraction,
            repair=self.repair,
            rename_arity=self.rename_arity,
            dedup=self.dedup,
        )

    @property
    def limits(self) -> Limits:
        # a replay needs verdicts, not readable countermodels (z3 spends half its time on them)
        return Limits(
            seconds=self.seconds, memory_mb=self.memory_mb, options={"countermodel": False}
        )

    def limits_for(self, backend: str) -> Limits:
        """The limits of one backend's calls: a portfolio's first backend gets
        ``first_seconds`` (when set) so that a hard problem moves on quickly
        to the next backend instead of holding the full limit."""
        if (
            self.first_seconds is not None
            and len(self.backends) > 1
            and backend == self.backends[0]
        ):
            return self.limits.model_copy(update={"seconds": min(self.first_seconds, self.seconds)})
        return self.limits


# ------------------------------------------------------------- deciding


class Outcome(BaseModel):
    """How one task was decided."""

    verdict: Verdict
    error: ErrorCause | None = None
    detail: str = ""
    inconsistent: bool = False
    timed_out: bool = False
    evidence: str = ""


class _Missing(Exception):
    """A prover outcome that is not known yet (raised by a lookup-only oracle)."""


Oracle = Callable[[str, str], ProofResult]
"""``oracle(backend, direction)`` for direction ``goal`` or ``negation``."""


def decide_task(options: ReplayOptions, prove: Oracle) -> Outcome:
    """The decision procedure of the mode, over an oracle for prover calls."""
    if options.mode == "linc":
        return _decide_linc(prove)
    return _decide_best(options, prove)


def _decide_linc(prove: Oracle) -> Outcome:
    try:
        first = prove("prover9", "goal")
        if first.status is ProofStatus.PROVED:
            return Outcome(verdict=Verdict.TRUE, evidence=_evidence("prover9", first))
        if first.status is ProofStatus.UNKNOWN:
            return Outcome(
                verdict=Verdict.ERROR, error=ErrorCause.TIMEOUT, detail=first.reason, timed_out=True
            )
        second = prove("prover9", "negation")
    except BackendUnavailable:
        raise
    except BackendError as exc:
        return Outcome(verdict=Verdict.ERROR, error=ErrorCause.BACKEND, detail=str(exc)[:300])
    if second.status is ProofStatus.PROVED:
        return Outcome(verdict=Verdict.FALSE, evidence=_evidence("prover9", second))
    if second.status is ProofStatus.UNKNOWN:
        return Outcome(
            verdict=Verdict.ERROR, error=ErrorCause.TIMEOUT, detail=second.reason, timed_out=True
        )
    return Outcome(verdict=Verdict.UNCERTAIN)


def _portfolio(
    options: ReplayOptions, prove: Oracle, direction: str
) -> tuple[ProofResult | None, str]:
    """The first definitive answer over the backends in order; else the last limit hit."""
    last: ProofResult | None = None
    errors: list[str] = []
    for name in options.backends:
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


def _decide_best(options: ReplayOptions, prove: Oracle) -> Outcome:
    try:
        goal, goal_by = _portfolio(options, prove, "goal")
        assert goal is not None
        if goal.status is ProofStatus.PROVED and not options.inconsistency:
            return Outcome(verdict=Verdict.TRUE, evidence=_evidence(goal_by, goal))
        neg, neg_by = _portfolio(options, prove, "negation")
        assert neg is not None
    except BackendUnavailable:
        raise
    except BackendError as exc:
        return Outcome(verdict=Verdict.ERROR, error=ErrorCause.BACKEND, detail=str(exc)[:300])
    proved_goal = goal.status is ProofStatus.PROVED
    proved_neg = neg.status is ProofStatus.PROVED
    timed_out = ProofStatus.UNKNOWN in (goal.status, neg.status)
    if proved_goal and proved_neg:
        return Outcome(
            verdict=Verdict.TRUE,
            inconsistent=True,
            evidence="premises are inconsistent",
            timed_out=timed_out,
        )
    if proved_goal:
        return Outcome(verdict=Verdict.TRUE, evidence=_evidence(goal_by, goal), timed_out=timed_out)
    if proved_neg:
        return Outcome(verdict=Verdict.FALSE, evidence=_evidence(neg_by, neg), timed_out=timed_out)
    if timed_out:
        return Outcome(
            verdict=Verdict.ERROR,
            error=ErrorCause.TIMEOUT,
            detail="every backend hit a limit",
            timed_out=True,
        )
    return Outcome(verdict=Verdict.UNCERTAIN, evidence=f"{goal_by}: {goal.reason}")


def _evidence(name: str, result: ProofResult) -> str:
    used = "" if result.used_premises is None else f" using premises {list(result.used_premises)}"
    return f"{name}: {result.reason or result.status.value}{used}"


# --------------------------------------------------------- prover calls


def _backend_version(name: str) -> str:
    from linc.registry import get_backend

    backend = get_backend(name)
    availability = backend.available()
    if not availability:
        raise BackendUnavailable(name, availability.reason, availability.hint)
    return availability.version


def query_key(
    options: ReplayOptions, versions: dict[str, str], backend: str, task_id: str, direction: str
) -> str:
    """The proof-cache key of one prover call.

    ``task_id`` is the digest of the exact task (premises, goal and negation
    as IR, see ``replay_tasks.task_key``); with the backend, its version, the
    limits and the direction it fixes the prover input.
    """
    return digest(
        {
            "format": _CACHE_FORMAT,
            "backend": backend,
            "version": versions.get(backend, ""),
            "limits": options.limits_for(backend).model_dump(mode="json"),
            "task": task_id,
            "direction": direction,
        }
    )


def _encode(result: ProofResult | BackendError) -> dict[str, Any]:
    if isinstance(result, BackendError):
        return {"error": str(result)}
    return {"result": result.model_dump(mode="json")}


def _decode(value: dict[str, Any]) -> ProofResult:
    if "error" in value:
        raise BackendError(value["error"])
    return ProofResult.model_validate(value["result"])


def run_task(
    task: Task,
    task_id: str,
    options: ReplayOptions,
    known: dict[str, dict[str, Any]],
    versions: dict[str, str],
) -> tuple[Outcome, dict[str, dict[str, Any]], int]:
    """Decide one task (in a worker): uses ``known`` outcomes, computes the rest.

    Returns the outcome, the newly computed prover outcomes by cache key, and
    the number of prover calls made.
    """
    from linc.registry import get_backend

    fresh: dict[str, dict[str, Any]] = {}
    calls = 0

    def prove(name: str, direction: str) -> ProofResult:
        nonlocal calls
        key = query_key(options, versions, name, task_id, direction)
        if key in known:
            return _decode(known[key])
        if key in fresh:
            return _decode(fresh[key])
        goal = task.goal if direction == "goal" else task.negation
        calls += 1
        try:
            result: ProofResult | BackendError = get_backend(name).entails(
                task.premises, goal, limits=options.limits_for(name)
            )
        except BackendUnavailable:
            raise
        except BackendError as exc:
            result = exc
        fresh[key] = _encode(result)
        return _decode(fresh[key])

    return decide_task(options, prove), fresh, calls


def _known_outcome(
    task_id: str, options: ReplayOptions, known: dict[str, dict[str, Any]], versions: dict[str, str]
) -> Outcome | None:
    """The outcome when every prover call it needs is already known."""

    def prove(name: str, direction: str) -> ProofResult:
        key = query_key(options, versions, name, task_id, direction)
        if key not in known:
            raise _Missing(key)
        return _decode(known[key])

    try:
        return decide_task(options, prove)
    except _Missing:
        return None


def _all_keys(task_id: str, options: ReplayOptions, versions: dict[str, str]) -> list[str]:
    return [
        query_key(options, versions, name, task_id, direction)
        for name in options.backends
        for direction in ("goal", "negation")
    ]


# --------------------------------------------------------------- running


@dataclass(eq=False)
class _Problem:
    """Bookkeeping of one problem while it is being decided."""

    index: int
    id: str
    gold: Verdict | None
    depth: int | None
    recorded: list[Verdict] | None
    prepared: list[Prepared] = field(default_factory=list)
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    start: float = 0.0
    texts: list[str] | None = None  # the raw sample texts (sample-cache keys)


@dataclass
class _Stats:
    distinct: int = 0
    cached: int = 0
    calls: int = 0
    samples: int = 0


class _Progress:
    """A progress bar on stderr (rich), silent when stderr is not a terminal."""

    def __init__(self, total: int, label: str, *, enabled: bool | None = None) -> None:
        self._progress = None
        if enabled is None:
            enabled = sys.stderr.isatty()
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()


def _prepare_linc(args: tuple[list[str], ReadOptions]) -> list[Prepared]:
    completions, read_options = args
    return prepare_completions(completions, read_options)


def _prepare_program(args: tuple[LogicLMProgram, ReadOptions]) -> list[Prepared]:
    program, read_options = args
    if program.problem:
        return [Prepared(error=ErrorCause.NO_FORMULAS, detail=program.problem)]
    return [
        prepare_texts(
            [line.formula for line in program.premises],
            program.conclusions[0].formula,
            read_options,
        )
    ]


def _run_task_job(
    args: tuple[Task, str, ReplayOptions, dict[str, dict[str, Any]], dict[str, str]],
) -> Any:
    task, task_id, options, known, versions = args
    return run_task(task, task_id, options, known, versions)


_PRELOAD = [
    "linc.evals.replay",
    "linc.parsers",
    "linc.backends.prover9",
    "linc.backends.z3",
    "linc.backends.eprover",
]


class _LazyPool:
    """A process pool that starts on the first job (a warm rerun needs none).

    Workers come from a fork server that has the replay modules preloaded:
    forking the caller directly is unsafe when it runs threads (a prover
    watchdog, another pool's manager), and spawning re-imports everything.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        if self._executor is None:
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(_PRELOAD)
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._executor.submit(fn, *args)

    def shutdown(self, *, interrupted: bool) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=not interrupted, cancel_futures=interrupted)


class _Runner:
    """Schedules preparation and decisions over a pool, streams results."""

    def __init__(
        self,
        options: ReplayOptions,
        *,
        out: Path | None,
        resume: bool,
        progress: bool | None,
    ) -> None:
        self.options = options
        self.out = out
        self.resume = resume
        self.progress_enabled = progress
        self.stats = _Stats()
        self.versions = {name: _backend_version(name) for name in options.backends}
        self.cache = Cache(CACHE_NAMESPACE, directory=options.cache_dir) if options.cache else None
        self.samples = (
            Cache(SAMPLE_NAMESPACE, directory=options.cache_dir) if options.cache else None
        )
        self.fingerprint = reader_fingerprint()
        self.read_json: dict[str, Any] = {}

    def set_reading(self, read_options: ReadOptions) -> None:
        """What the sample cache keys on besides the text: how it is read."""
        self.read_json = {
            k: getattr(read_options, k)
            for k in ("mode", "syntax", "extraction", "repair", "rename_arity", "dedup")
        }

    def run(
        self,
        problems: list[_Problem],
        prepare_args: Callable[[_Problem], Any],
        prepare: Callable[[Any], list[Prepared]],
        *,
        executed: bool = False,
    ) -> tuple[list[ProblemRecord], float]:
        start = time.perf_counter()
        records: dict[int, ProblemRecord] = {}
        writer: JsonlWriter | None = None
        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
            path = self.out / RECORDS
            if self.resume:
                for record in read_records(path):
                    records[record.index] = record
            elif path.exists():
                path.unlink()
            writer = JsonlWriter(path)
        todo = [p for p in problems if p.index not in records]
        if records:
            log.info("resuming: %d problems already done, %d to go", len(records), len(todo))
        progress = _Progress(len(problems), "replay", enabled=self.progress_enabled)
        progress.advance(len(records))
        pool = _LazyPool(self.options.workers) if self.options.workers > 1 else None
        finished = False
        try:
            self._loop(todo, prepare_args, prepare, pool, records, writer, progress, executed)
            finished = True
        finally:
            if pool is not None:
                pool.shutdown(interrupted=not finished)
            progress.close()
            if writer is not None:
                writer.close()
        return [records[i] for i in sorted(records)], time.perf_counter() - start

    def _loop(
        self,
        todo: list[_Problem],
        prepare_args: Callable[[_Problem], Any],
        prepare: Callable[[Any], list[Prepared]],
        pool: _LazyPool | None,
        records: dict[int, ProblemRecord],
        writer: JsonlWriter | None,
        progress: _Progress,
        executed: bool,
    ) -> None:
        decided: dict[str, Outcome] = {}
        waiting: dict[str, list[_Problem]] = {}
        running: dict[Future[Any], tuple[str, str]] = {}
        by_index = {p.index: p for p in todo}

        def finish(problem: _Problem) -> None:
            record = self._record(problem, executed=executed)
            records[problem.index] = record
            if writer is not None:
                writer.write(record)
            progress.advance()

        def resolved(key: str, outcome: Outcome) -> None:
            decided[key] = outcome
            for problem in waiting.pop(key, []):
                problem.outcomes[key] = outcome
                problem.pending.discard(key)
                if not problem.pending:
                    finish(problem)

        def prepare_now(problem: _Problem) -> None:
            if pool is None:
                prepared(problem, prepare(prepare_args(problem)))
            else:
                running[pool.submit(prepare, prepare_args(problem))] = (
                    "prepare",
                    str(problem.index),
                )

        def prepared(problem: _Problem, samples: list[Prepared]) -> None:
            problem.prepared = samples
            self._store_samples(problem, samples)
            schedule(problem)

        def schedule(problem: _Problem) -> None:
            first: dict[str, Prepared] = {}
            for p in problem.prepared:
                if p.key is not None and p.task_id is not None:
                    first.setdefault(p.key, p)
            # outcomes known from the proof cache; a task we would have to run
            # but only know from the sample cache means reading it again
            found: dict[str, Outcome] = {}
            for key, p in first.items():
                if key in decided or key in waiting:
                    continue
                assert p.task_id is not None  # ``first`` holds only samples with a task
                outcome = _known_outcome(
                    p.task_id, self.options, self._cached(p.task_id), self.versions
                )
                if outcome is not None:
                    found[key] = outcome
                elif p.task is None:
                    prepare_now(problem)
                    return
            problem.pending = set(first)
            if not problem.pending:
                finish(problem)
                return
            for key, p in first.items():
                if key in decided:
                    problem.outcomes[key] = decided[key]
                    problem.pending.discard(key)
                    continue
                waiting.setdefault(key, []).append(problem)
                if len(waiting[key]) > 1:
                    continue  # already being decided for another problem
                self.stats.distinct += 1
                if key in found:
                    self.stats.cached += 1
                    resolved(key, found[key])
                    continue
                assert p.task is not None and p.task_id is not None
                known = self._cached(p.task_id)
                if pool is None:
                    outcome, fresh, calls = run_task(
                        p.task, p.task_id, self.options, known, self.versions
                    )
                    self._store(fresh, calls)
                    resolved(key, outcome)
                else:
                    job = (p.task, p.task_id, self.options, known, self.versions)
                    running[pool.submit(_run_task_job, job)] = ("task", key)
            if not problem.pending and problem.index not in records:
                finish(problem)

        def collect(future: Future[Any]) -> None:
            kind, payload = running.pop(future)
            if kind == "prepare":
                prepared(by_index[int(payload)], future.result())
            else:
                outcome, fresh, calls = future.result()
                self._store(fresh, calls)
                resolved(payload, outcome)

        for problem in todo:
            problem.start = time.perf_counter()
            cached = self._cached_samples(problem)
            if cached is not None:
                problem.prepared = cached
                schedule(problem)
            else:
                prepare_now(problem)
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                collect(future)

    # -- caches (used from this process only; workers never touch sqlite)

    def _sample_key(self, text: str) -> str:
        return digest([_SAMPLE_FORMAT, self.fingerprint, self.read_json, text])

    def _cached_samples(self, problem: _Problem) -> list[Prepared] | None:
        if self.samples is None or problem.texts is None:
            return None
        out = []
        for text in problem.texts:
            value = self.samples.get(self._sample_key(text))
            if value is None:
                return None
            out.append(Prepared.from_json(value))
        return out

    def _store_samples(self, problem: _Problem, samples: list[Prepared]) -> None:
        if self.samples is None or problem.texts is None or len(problem.texts) != len(samples):
            return
        for text, sample in zip(problem.texts, samples):
            self.samples.put(self._sample_key(text), sample.to_json())

    def _cached(self, task_id: str) -> dict[str, dict[str, Any]]:
        if self.cache is None:
            return {}
        known = {}
        for key in _all_keys(task_id, self.options, self.versions):
            value = self.cache.get(key)
            if value is not None:
                known[key] = value
        return known

    def _store(self, fresh: dict[str, dict[str, Any]], calls: int) -> None:
        self.stats.calls += calls
        if self.cache is not None:
            for key, value in fresh.items():
                self.cache.put(key, value)

    def _record(self, problem: _Problem, *, executed: bool) -> ProblemRecord:
        samples: list[Sample] = []
        sample_records: list[SampleRecord] = []
        for i, prep in enumerate(problem.prepared):
            if prep.key is not None:
                o = problem.outcomes[prep.key]
                sample = Sample(
                    verdict=o.verdict,
                    error=o.error,
                    detail=o.detail,
                    inconsistent=o.inconsistent,
                    timed_out=o.timed_out,
                    repairs=len(prep.repairs),
                    evidence=o.evidence,
                )
            else:
                sample = Sample(
                    verdict=Verdict.ERROR,
                    error=prep.error,
                    detail=prep.detail,
                    repairs=len(prep.repairs),
                )
            samples.append(sample)
            sample_records.append(
                SampleRecord(
                    index=i,
                    verdict=sample.verdict,
                    error=sample.error,
                    detail=sample.detail or sample.evidence,
                    inconsistent=sample.inconsistent,
                    timed_out=sample.timed_out,
                    repairs=list(prep.repairs),
                    decision=prep.key[:16] if prep.key else None,
                    recorded=problem.recorded[i]
                    if problem.recorded and i < len(problem.recorded)
                    else None,
                )
            )
        self.stats.samples += len(samples)
        answer = vote(
            samples, policy=self.options.policy, uncertain_weight=self.options.uncertain_weight
        )
        return ProblemRecord(
            id=problem.id,
            index=problem.index,
            gold=problem.gold,
            predicted=answer.label,
            correct=problem.gold is not None and answer.label is problem.gold,
            depth=problem.depth,
            answer=answer,
            samples=sample_records,
            seconds=round(time.perf_counter() - problem.start, 4),
            executed=(answer.label is not Verdict.ERROR) if executed else None,
        )


def _config(options: ReplayOptions, **extra: Any) -> dict[str, Any]:
    data = options.model_dump(mode="json")
    data.update(extra)
    return data


def _finish(
    runner: _Runner,
    records: list[ProblemRecord],
    seconds: float,
    *,
    name: str,
    config: dict[str, Any],
    published: float | None,
    out: Path | None,
) -> Report:
    from .report import write_json, write_markdown

    report = build_report(
        records,
        kind="replay",
        name=name,
        seconds=seconds,
        config=config,
        decisions={
            "distinct": runner.stats.distinct,
            "from_cache": runner.stats.cached,
            "prover_calls": runner.stats.calls,
        },
        published_accuracy=published,
        versions=dict(runner.versions),
    )
    if out is not None:
        write_json(report, out / "report.json")
        write_markdown(report, out / "report.md")
    return report


def replay_linc(
    run: RecordedRun,
    options: ReplayOptions,
    *,
    out: Path | str | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> Report:
    """Replay a LINC-format recorded run (see the module docstring)."""
    out_path = Path(out) if out is not None else None
    runner = _Runner(options, out=out_path, resume=resume, progress=progress)
    read_options = options.read_options(syntax="nltk")
    problems = [
        _Problem(
            index=p.index,
            id=p.id,
            gold=p.label,
            depth=p.depth,
            recorded=p.recorded,
            texts=p.completions,
        )
        for p in run.problems
    ]
    runner.set_reading(read_options)
    completions = {p.index: p.completions for p in run.problems}
    records, seconds = runner.run(
        problems, lambda p: (completions[p.index], read_options), _prepare_linc
    )
    config = _config(
        options, format="linc", source=run.source, model=run.model, task=run.task, shots=run.shots
    )
    return _finish(
        runner,
        records,
        seconds,
        name=run.name,
        config=config,
        published=run.published_accuracy,
        out=out_path,
    )


def replay_logiclm(
    programs: Sequence[LogicLMProgram],
    options: ReplayOptions,
    *,
    name: str = "logiclm",
    out: Path | str | None = None,
    resume: bool = False,
    progress: bool | None = None,
) -> Report:
    """Replay Logic-LM programs: one sample per problem, read as Unicode FOL.

    ``exe_rate`` is the share of programs that give a verdict; accuracy is
    over all programs, a program that does not execute being wrong (never a
    random guess, unlike Logic-LM's own scoring).

    How ambiguous programs are read (the Unicode grammar's conventions plus
    best mode's repairs): ``¬`` binds tightest, then ``∧``, ``∨``, ``⊕``,
    ``→`` (right-associative), ``↔``; so ``A → B ∧ C`` is ``A → (B ∧ C)``,
    the usual FOL convention and the only reading under which such premises
    say something (an implication with a conjunctive consequent). A free
    variable (``Perform(x) → Attend(x)``) is universally closed over its own
    formula, which is what the sentence says ("people who perform attend")
    and how Prover9, Logic-LM's own solver, reads it. An unparenthesised
    quantifier whose variable recurs after it (``∀x P(x) → Q(x)``) covers
    the rest (``∀x (P(x) → Q(x))``) in best mode. The first ``Conclusion:``
    line is the conclusion; a program without premises or conclusion does
    not execute.
    """
    out_path = Path(out) if out is not None else None
    runner = _Runner(options, out=out_path, resume=resume, progress=progress)
    read_options = options.read_options(syntax="unicode")
    problems = [
        _Problem(index=p.index, id=p.id, gold=p.label, depth=None, recorded=None, texts=[p.text])
        for p in programs
    ]
    runner.set_reading(read_options)
    by_index = {p.index: p for p in programs}
    records, seconds = runner.run(
        problems, lambda p: (by_index[p.index], read_options), _prepare_program, executed=True
    )
    config = _config(options, format="logiclm", source=name)
    return _finish(runner, records, seconds, name=name, config=config, published=None, out=out_path)


def iter_runs(paths: Iterable[Path | str]) -> Iterable[Path]:
    """Expand directories into their ``*_generations_raw.json`` files."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            yield from sorted(path.glob("*_generations_raw.json"))
        else:
            yield path


__all__ = [
    "Outcome",
    "ReplayOptions",
    "decide_task",
    "iter_runs",
    "replay_linc",
    "replay_logiclm",
    "run_task",
]
