"""The one runner: many problems through the pipeline, from any source of completions.

A source (``linc.evals.sources``) gives each problem's completions, either
at once (a recording) or later (an LLM). From there every problem goes the
same way (``linc.pipeline``):

1. its completions are read into tasks (in worker processes; readings are
   cached in sqlite, keyed by the text, the reading settings and the code);
2. samples of any problems that give the same task (exactly, or up to
   renaming with semantic de-duplication) are decided once;
3. each prover call's outcome is looked up first in the proof cache; only
   misses go to the process pool, one task per job so long timeouts spread
   over the cores;
4. a problem is voted and its record streamed to ``records.jsonl`` as soon
   as its last task is decided, so an interrupt loses nothing finished and
   ``resume`` skips it.

An output folder holds one run: ``run.json`` names its settings and source,
``--resume`` into a folder of another run is refused, and a lock keeps two
runs from writing one folder at once.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linc.cache import Cache, CacheError
from linc.pipeline import (
    PROOF_NAMESPACE,
    Prepared,
    cached_outcomes,
    prepare_completions,
    request_failed,
    sample_of,
    store_outcomes,
    vote_samples,
)
from linc.procedure import backend_versions, known_outcome, run_task, usable
from linc.results import Verdict
from linc.settings import Settings
from linc.voting import ErrorCause, Sample

from .folder import RunFolder
from .pool import LazyPool, Progress
from .report import ProblemRecord
from .sources import Fetched, RunProblem, Source

log = logging.getLogger(__name__)

SAMPLE_NAMESPACE = "samples"


@dataclass(eq=False)
class _Job:
    """Bookkeeping of one problem while it is being decided."""

    problem: RunProblem
    texts: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    prepared: list[Prepared] = field(default_factory=list)
    outcomes: dict[str, Sample] = field(default_factory=dict)
    pending: set[str] = field(default_factory=set)
    start: float = 0.0


@dataclass
class RunStats:
    """Prover work of a run."""

    distinct: int = 0
    cached: int = 0
    calls: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"distinct": self.distinct, "from_cache": self.cached, "prover_calls": self.calls}


class Runner:
    """Schedules reading and deciding over a pool, streams records (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 1,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        progress: bool | None = None,
    ) -> None:
        self.settings = usable(settings)
        self.workers = max(1, workers)
        self.progress_enabled = progress
        self.stats = RunStats()
        self.versions = backend_versions(settings)
        self.cache = Cache(PROOF_NAMESPACE, directory=cache_dir) if cache else None
        self.samples = Cache(SAMPLE_NAMESPACE, directory=cache_dir) if cache else None
        from .fingerprint import reader_fingerprint

        self._reading = [reader_fingerprint(), settings.reading()]

    def run(
        self, source: Source, *, out: Path | None = None, resume: bool = False
    ) -> tuple[list[ProblemRecord], float]:
        """Every problem of ``source``, in index order, and the seconds it took."""
        start = time.perf_counter()
        problems = source.problems()
        identity = {
            "kind": source.kind,
            "settings": self.settings.model_dump(mode="json"),
            "source": source.identity(),
        }
        folder = RunFolder(out, identity=identity) if out else None
        records: dict[int, ProblemRecord] = {}
        if folder is not None:
            records = folder.open(resume=resume, ids={p.index: p.id for p in problems})
        progress = Progress(len(problems), source.kind, enabled=self.progress_enabled)
        progress.advance(len(records))
        pool = LazyPool(self.workers) if self.workers > 1 else None
        schedule = _Schedule(self, source, pool, records, folder, progress)
        finished = False
        try:
            schedule.run([p for p in problems if p.index not in records])
            finished = True
        finally:
            if pool is not None:
                pool.shutdown(interrupted=not finished)
            progress.close()
            if folder is not None:
                folder.close()
        return [records[i] for i in sorted(records)], time.perf_counter() - start

    # -- caches (used from the driver only; workers never touch sqlite)

    def sample_key(self, text: str) -> list[Any]:
        return [*self._reading, text]

    def cached_samples(self, texts: list[str]) -> list[Prepared] | None:
        if self.samples is None:
            return None
        out = []
        for text in texts:
            value = self.samples.get(_digest(self.sample_key(text)))
            if value is None:
                return None
            out.append(Prepared.from_json(value))
        return out

    def store_samples(self, texts: list[str], samples: list[Prepared]) -> None:
        if self.samples is None or len(texts) != len(samples):
            return
        self.samples.put_many(
            {_digest(self.sample_key(t)): s.to_json() for t, s in zip(texts, samples)}
        )

    def known(self, task_id: str) -> dict[str, dict[str, Any]]:
        return cached_outcomes(self.cache, self.settings, self.versions, task_id)

    def store(self, fresh: dict[str, dict[str, Any]], calls: int) -> None:
        self.stats.calls += calls
        store_outcomes(self.cache, fresh)


def _digest(value: Any) -> str:
    from linc.cache import digest

    return digest(value)


def _prepare_job(texts: list[str], settings: Settings) -> list[Prepared]:
    return prepare_completions(texts, settings)


def _run_task_job(args: tuple[Any, ...]) -> Any:
    return run_task(*args)


class _Schedule:
    """One run's event loop: fetches, readings and decisions in flight."""

    def __init__(
        self,
        runner: Runner,
        source: Source,
        pool: LazyPool | None,
        records: dict[int, ProblemRecord],
        folder: RunFolder | None,
        progress: Progress,
    ) -> None:
        self.runner, self.source, self.pool = runner, source, pool
        self.records, self.folder, self.progress = records, folder, progress
        self.decided: dict[str, Sample] = {}
        self.waiting: dict[str, list[_Job]] = {}
        self.running: dict[Future[Any], tuple[str, Any]] = {}

    def run(self, problems: list[RunProblem]) -> None:
        for problem in problems:
            job = _Job(problem, start=time.perf_counter())
            if problem.completions is not None:
                self.fetched(job, Fetched(completions=list(problem.completions)))
            else:
                self.running[self.source.fetch(problem)] = ("fetch", job)
        while self.running:
            done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
            for future in done:
                self.collect(future)

    def collect(self, future: Future[Any]) -> None:
        kind, payload = self.running.pop(future)
        if kind == "fetch":
            try:
                result: Fetched = future.result()
            except CacheError:
                raise  # a damaged cache stops the run: every problem would meet it
            except Exception as exc:  # noqa: BLE001 - recorded on its problem, the run goes on
                log.error("problem %s failed: %s", payload.problem.id, exc)
                self.failed(payload, f"{type(exc).__name__}: {exc}")
                return
            self.fetched(payload, result)
        elif kind == "prepare":
            self.prepared(payload, future.result())
        else:
            outcome, fresh, calls = future.result()
            self.runner.store(fresh, calls)
            self.resolved(payload, outcome)

    def fetched(self, job: _Job, result: Fetched) -> None:
        job.texts, job.extra = result.completions, result.extra
        cached = self.runner.cached_samples(job.texts)
        if cached is not None:
            job.prepared = cached
            self.schedule(job)
        else:
            self.prepare_now(job)

    def prepare_now(self, job: _Job) -> None:
        if self.pool is None:
            self.prepared(job, _prepare_job(job.texts, self.runner.settings))
        else:
            future = self.pool.submit(_prepare_job, job.texts, self.runner.settings)
            self.running[future] = ("prepare", job)

    def prepared(self, job: _Job, samples: list[Prepared]) -> None:
        job.prepared = samples
        self.runner.store_samples(job.texts, samples)
        self.schedule(job)

    def schedule(self, job: _Job) -> None:
        first: dict[str, Prepared] = {}
        for p in job.prepared:
            if p.key is not None and p.task_id is not None:
                first.setdefault(p.key, p)
        found = self._known(first)
        if found is None:  # a reading from the sample cache lacks a task we must run
            self.prepare_now(job)
            return
        job.pending = set(first)
        for key, p in first.items():
            if key in self.decided:
                job.outcomes[key] = self.decided[key]
                job.pending.discard(key)
                continue
            self.waiting.setdefault(key, []).append(job)
            if len(self.waiting[key]) == 1:  # not yet being decided for another problem
                self._decide(key, p, found.get(key))
        if not job.pending and job.problem.index not in self.records:
            self.finish(job)

    def _known(self, first: dict[str, Prepared]) -> dict[str, Sample] | None:
        """Outcomes known from the proof cache; None when a needed task is not in hand."""
        found: dict[str, Sample] = {}
        runner = self.runner
        for key, p in first.items():
            if key in self.decided or key in self.waiting or p.task_id is None:
                continue
            outcome = known_outcome(
                p.task_id, runner.settings, runner.known(p.task_id), runner.versions
            )
            if outcome is not None:
                found[key] = outcome
            elif p.task is None:
                return None
        return found

    def _decide(self, key: str, p: Prepared, found: Sample | None) -> None:
        runner = self.runner
        runner.stats.distinct += 1
        if found is not None:
            runner.stats.cached += 1
            self.resolved(key, found)
            return
        if p.task is None or p.task_id is None:
            raise RuntimeError("a task to decide has no formulas")  # excluded by _known
        job = (p.task, p.task_id, runner.settings, runner.known(p.task_id), runner.versions)
        if self.pool is None:
            outcome, fresh, calls = _run_task_job(job)
            runner.store(fresh, calls)
            self.resolved(key, outcome)
        else:
            self.running[self.pool.submit(_run_task_job, job)] = ("task", key)

    def resolved(self, key: str, outcome: Sample) -> None:
        self.decided[key] = outcome
        for job in self.waiting.pop(key, []):
            job.outcomes[key] = outcome
            job.pending.discard(key)
            if not job.pending:
                self.finish(job)

    def finish(self, job: _Job) -> None:
        problem = job.problem
        recorded = problem.recorded or []
        samples = [
            sample_of(
                i,
                p,
                job.outcomes.get(p.key) if p.key else None,
                recorded=recorded[i] if i < len(recorded) else None,
            )
            for i, p in enumerate(job.prepared)
        ]
        for index, error in job.extra.get("request_errors", {}).items():
            samples[int(index)] = request_failed(int(index), error)
        self.write(_record(problem, samples, job, self.runner.settings))

    def failed(self, job: _Job, detail: str) -> None:
        """A problem whose completions could not be had at all: all samples are errors."""
        k = self.source.samples_per_problem
        samples = [
            Sample(index=i, verdict=Verdict.ERROR, error=ErrorCause.OTHER, detail=detail)
            for i in range(k)
        ]
        job.extra = {"error": detail, "completions": [""] * k}
        self.write(_record(job.problem, samples, job, self.runner.settings))

    def write(self, record: ProblemRecord) -> None:
        self.records[record.index] = record
        if self.folder is not None:
            self.folder.write(record)
        self.progress.advance()


def _record(
    problem: RunProblem, samples: list[Sample], job: _Job, settings: Settings
) -> ProblemRecord:
    answer = vote_samples(samples, settings)
    return ProblemRecord(
        id=problem.id,
        index=problem.index,
        gold=problem.gold,
        predicted=answer.label,
        correct=problem.gold is not None and answer.label is problem.gold,
        depth=problem.depth,
        answer=answer,
        samples=samples,
        seconds=round(time.perf_counter() - job.start, 4),
        executed=(answer.label is not Verdict.ERROR) if problem.executed else None,
        extra=job.extra,
    )
