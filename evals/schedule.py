"""The runner's event loop: fetches, readings and decisions in flight, records as they finish.

``Runner`` (``linc.evals.runner``) builds one ``_Schedule`` per run. Work
goes to the executor (``linc.evals.executor``) or, with none, runs here;
results come back to this process, which alone touches caches and records.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import TYPE_CHECKING, Any

from linc.cache import CacheError
from linc.pipeline import Prepared, prepare_completions, request_failed, sample_of, vote_samples
from linc.procedure import known_outcome, run_task
from linc.results import Verdict
from linc.settings import Settings
from linc.voting import ErrorCause, Sample

from .executor import Executor, TaskFailed
from .folder import RunFolder
from .pool import Progress
from .report import ProblemRecord
from .sources import Fetched, RunProblem, Source

if TYPE_CHECKING:
    from .runner import Runner

log = logging.getLogger(__name__)


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
        pool: Executor | None,
        records: dict[int, ProblemRecord],
        folder: RunFolder | None,
        progress: Progress,
    ) -> None:
        self.runner, self.source, self.pool = runner, source, pool
        self.records, self.folder, self.progress = records, folder, progress
        self.decided: dict[str, Sample] = {}
        self.waiting: dict[str, list[_Job]] = {}
        self.running: dict[Future[Any], tuple[str, Any]] = {}
        self.done: SimpleQueue[Future[Any]] = SimpleQueue()  # futures, as they finish
        self.knowns: dict[str, dict[str, Any]] = {}  # proof-cache hits of tasks to decide

    def track(self, future: Future[Any], kind: str, payload: Any) -> None:
        """Wait for ``future``: it is collected once it is done (in the order they finish)."""
        self.running[future] = (kind, payload)
        future.add_done_callback(self.done.put)

    def run(self, problems: list[RunProblem]) -> None:
        for problem in problems:
            job = _Job(problem, start=time.perf_counter())
            if problem.completions is not None:
                texts = list(problem.completions)
                self.fetched(job, Fetched(completions=texts, extra={"completions": texts}))
            else:
                self.track(self.source.fetch(problem), "fetch", job)
        while self.running:
            if self.pool is not None:
                self.pool.flush()
            done = [self.done.get()]
            try:
                while True:
                    done.append(self.done.get_nowait())
            except Empty:
                pass
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
            try:
                samples = future.result()
            except TaskFailed as exc:
                self.unprepared(payload, f"worker: {exc.cause}")
                return
            self.prepared(payload, samples)
        else:
            try:
                outcome, fresh, calls = future.result()
            except TaskFailed as exc:
                outcome = Sample(verdict=Verdict.ERROR, error=ErrorCause.OTHER)
                outcome = outcome.model_copy(update={"detail": f"worker: {exc.cause}"})
                fresh, calls = {}, 0
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
            self.track(future, "prepare", job)

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
        todo = {
            key: p.task_id
            for key, p in first.items()
            if key not in self.decided and key not in self.waiting and p.task_id is not None
        }
        knowns = runner.known_many(list(todo.values()))
        for key, task_id in todo.items():
            p = first[key]
            known = knowns[task_id]
            outcome = known_outcome(task_id, runner.settings, known, runner.versions)
            if outcome is not None:
                found[key] = outcome
            elif p.task is None:
                return None
            else:
                self.knowns[task_id] = known  # handed to the job that decides it
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
        known = self.knowns.pop(p.task_id, None)
        if known is None:
            known = runner.known(p.task_id)
        job = (p.task, p.task_id, runner.settings, known, runner.versions)
        if self.pool is None:
            outcome, fresh, calls = _run_task_job(job)
            runner.store(fresh, calls)
            self.resolved(key, outcome)
        else:
            self.track(self.pool.submit(_run_task_job, job), "task", key)

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

    def unprepared(self, job: _Job, detail: str) -> None:
        """A problem whose completions could not be read (the work failed for good)."""
        samples = [
            Sample(index=i, verdict=Verdict.ERROR, error=ErrorCause.OTHER, detail=detail)
            for i in range(len(job.texts))
        ]
        job.extra = {**job.extra, "error": detail}
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
        extra={**_sentences(problem), **job.extra},
    )


def _sentences(problem: RunProblem) -> dict[str, Any]:
    """The problem's English, when the source has it (the run explorer shows it)."""
    if not problem.premises and not problem.conclusion:
        return {}
    return {"premises": list(problem.premises), "conclusion": problem.conclusion}
