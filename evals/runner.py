"""The one runner: many problems through the pipeline, from any source of completions.

A source (``linc.evals.sources``) gives each problem's completions, either
at once (a recording) or later (an LLM). From there every problem goes the
same way (``linc.pipeline``):

1. its completions are read into tasks (in worker processes; readings are
   cached in sqlite, keyed by the text, the reading settings and the code);
2. samples of any problems that give the same task (exactly, or up to
   renaming with semantic de-duplication) are decided once;
3. each prover call's outcome is looked up first in the proof cache; only
   misses go to the executor (``linc.evals.executor``: a process pool here,
   or Ray tasks on a cluster), one task per job so long timeouts spread over
   the cores, and what they prove comes back to the driver's cache;
4. a problem is voted and its record streamed to ``records.jsonl`` as soon
   as its last task is decided, so an interrupt loses nothing finished and
   ``resume`` skips it.

An output folder holds one run: ``run.json`` names its settings and source,
``--resume`` into a folder of another run is refused, and a lock keeps two
runs from writing one folder at once. Only the driver (this process) writes
records and caches, whichever executor runs the work; a unit of work that
fails for good (``TaskFailed``: its worker process died while it ran alone,
or its Ray worker or node died past the retries) makes its problems error
records that name the cause.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from linc.cache import Cache, digest_after
from linc.pipeline import PROOF_NAMESPACE, Prepared
from linc.procedure import all_keys, backend_versions, usable
from linc.settings import Settings

from .executor import Executor, check_executor, make_executor
from .folder import RunFolder
from .pool import Progress
from .report import ProblemRecord
from .schedule import _Schedule
from .sources import Source

log = logging.getLogger(__name__)

SAMPLE_NAMESPACE = "samples"
FLUSH_AT = 512
"""Cache writes held in memory before one transaction writes them."""


YOUNG_COLLECTION = 20_000
"""Allocations between two collections of young objects while a run is scheduled (Python's
default: 700). A run makes many short-lived objects (requests, formulas, records), and
collecting them that often took about a tenth of the driver's CPU in a live run."""


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect young objects every ``YOUNG_COLLECTION`` allocations inside the block (the
    interpreter's thresholds are restored after it)."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_COLLECTION), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Buffered:
    """A cache whose writes wait in memory (readable meanwhile) until ``flush``:
    one transaction for many entries instead of one each."""

    def __init__(self, cache: Cache | None) -> None:
        self.cache = cache
        self.pending: dict[str, Any] = {}

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        if self.cache is None:
            return {}
        found = {key: self.pending[key] for key in keys if key in self.pending}
        missing = [key for key in keys if key not in found]
        if missing:
            found.update(self.cache.get_many(missing))
        return found

    def put_many(self, items: dict[str, Any]) -> None:
        if self.cache is None or not items:
            return
        self.pending.update(items)
        if len(self.pending) >= FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        if self.cache is not None and self.pending:
            items, self.pending = self.pending, {}
            self.cache.put_many(items)


@dataclass
class RunStats:
    """Prover work of a run."""

    distinct: int = 0
    cached: int = 0
    calls: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"distinct": self.distinct, "from_cache": self.cached, "prover_calls": self.calls}


class Runner:
    """Schedules reading and deciding over an executor, streams records (see the module doc).

    ``executor``: ``"local"`` (``workers`` processes of this machine; 1 runs
    everything in this process), ``"ray"`` (Ray tasks on the cluster at
    ``ray_address``, else ``$RAY_ADDRESS``, else a Ray started here), or an
    ``Executor`` object. ``executor_stats`` holds what a Ray run moved.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 1,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        progress: bool | None = None,
        executor: str | Executor = "local",
        ray_address: str | None = None,
    ) -> None:
        self.settings = usable(settings)
        self.workers = max(1, workers)
        if isinstance(executor, str):
            check_executor(executor)
        self.executor, self.ray_address = executor, ray_address
        self.executor_stats: dict[str, Any] | None = None
        self.progress_enabled = progress
        self.stats = RunStats()
        self.versions = backend_versions(settings)
        self.cache = Cache(PROOF_NAMESPACE, directory=cache_dir) if cache else None
        self.samples = Cache(SAMPLE_NAMESPACE, directory=cache_dir) if cache else None
        self._proofs, self._samples = _Buffered(self.cache), _Buffered(self.samples)
        from .fingerprint import reader_fingerprint

        self._reading = [reader_fingerprint(), settings.reading()]
        self._sample_digest = digest_after(self._reading)  # digest(self.sample_key(text))
        self._handed: dict[tuple[str, ...], list[list[Prepared]]] = {}
        self._handed_lock = threading.Lock()

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
        pool = make_executor(self.executor, workers=self.workers, address=self.ray_address)
        schedule = _Schedule(self, source, pool, records, folder, progress)
        finished = False
        try:
            with fewer_collections():
                schedule.run([p for p in problems if p.index not in records])
            finished = True
        finally:
            self.flush()
            if pool is not None:
                pool.shutdown(interrupted=not finished)
                stats = getattr(pool, "stats", None)
                if stats is not None:
                    self.executor_stats = {"executor": "ray", **stats.as_dict()}
            progress.close()
            if folder is not None:
                folder.close()
        return [records[i] for i in sorted(records)], time.perf_counter() - start

    def executor_config(self) -> dict[str, Any]:
        """``{"executor": {...}}`` for a report after a Ray run (tasks, bytes), else nothing."""
        return {"executor": self.executor_stats} if self.executor_stats else {}

    # -- caches (used from the driver only; workers never touch sqlite)

    def sample_key(self, text: str) -> list[Any]:
        return [*self._reading, text]

    def hand_over(self, texts: list[str], readings: list[Prepared]) -> None:
        """Readings of one problem's ``texts`` that the source made already (a live run
        reads each completion to decide whether to ask again): the runner takes them
        instead of reading the texts a second time. Safe to call from another thread."""
        if len(texts) != len(readings):
            return
        with self._handed_lock:
            self._handed.setdefault(tuple(texts), []).append(readings)

    def _take_handed(self, texts: list[str]) -> list[Prepared] | None:
        key = tuple(texts)
        with self._handed_lock:
            stack = self._handed.get(key)
            if not stack:
                return None
            readings = stack.pop()
            if not stack:
                del self._handed[key]
        return readings

    def cached_samples(self, texts: list[str]) -> list[Prepared] | None:
        """The readings of ``texts``: handed over by the source, else from the sample cache
        (those lack the task itself), else None."""
        handed = self._take_handed(texts)
        if handed is not None:
            self.store_samples(texts, handed)
            return handed
        if self.samples is None:
            return None
        keys = [self._sample_digest(text) for text in texts]
        found = self._samples.get_many(keys)
        if any(key not in found for key in keys):
            return None
        return [Prepared.from_json(found[key]) for key in keys]

    def store_samples(self, texts: list[str], samples: list[Prepared]) -> None:
        if self.samples is None or len(texts) != len(samples):
            return
        self._samples.put_many(
            {self._sample_digest(t): s.to_json() for t, s in zip(texts, samples)}
        )

    def known(self, task_id: str) -> dict[str, dict[str, Any]]:
        return self.known_many([task_id])[task_id]

    def known_many(self, task_ids: list[str]) -> dict[str, dict[str, dict[str, Any]]]:
        """The prover outcomes already cached of each task (one query for all), by task."""
        keys = {tid: all_keys(self.settings, self.versions, tid) for tid in task_ids}
        found = self._proofs.get_many([key for ks in keys.values() for key in ks])
        return {tid: {k: found[k] for k in ks if k in found} for tid, ks in keys.items()}

    def store(self, fresh: dict[str, dict[str, Any]], calls: int) -> None:
        self.stats.calls += calls
        self._proofs.put_many(fresh)

    def flush(self) -> None:
        """Write the cache entries still held in memory."""
        self._proofs.flush()
        self._samples.flush()
