"""The runner's machinery: a lazily started process pool (the ``local`` executor) and a
progress bar."""

from __future__ import annotations

import logging
import multiprocessing
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from linc.errors import LincError

log = logging.getLogger(__name__)

_PRELOAD = [
    "linc.pipeline",
    "linc.parsers",
    "linc.backends.prover9",
    "linc.backends.z3",
    "linc.backends.eprover",
]


class TaskFailed(LincError):
    """A unit of work that failed for good: its worker or node died past the retries,
    or the cluster lost it. ``cause`` says how; the problem is recorded as an error."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


@dataclass(eq=False)
class _Call:
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    future: Future[Any] = field(default_factory=Future)
    pool: ProcessPoolExecutor | None = None  # the pool it last went to


class LazyPool:
    """A process pool that starts on the first job (a warm rerun needs none).

    Workers come from a fork server that has the pipeline modules preloaded:
    forking the caller directly is unsafe when it runs threads (a prover
    watchdog, an LLM client's event loop), and spawning re-imports everything.

    A worker that dies (a native crash, the kernel's OOM killer) breaks a
    ``ProcessPoolExecutor`` for good and fails every call in it. Here the pool
    is started again and the lost calls are run once more, one at a time, so
    the call that kills a worker while it runs alone is the one that fails
    (``TaskFailed``) and every other call gets its result.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.RLock()
        self._lost: deque[_Call] = deque()  # calls a broken pool lost: rerun one at a time
        self._held: deque[_Call] = deque()  # new calls, waiting while the lost ones rerun
        self._alone: _Call | None = None  # the lost call running by itself
        self._closed = False
        self._broken_pools: list[ProcessPoolExecutor] = []

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        call = _Call(fn, args)
        with self._lock:
            if self._lost or self._alone is not None:
                self._held.append(call)
            else:
                self._start(call)
        return call.future

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                context.set_forkserver_preload(_PRELOAD)
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._executor

    def _start(self, call: _Call) -> None:
        call.pool = self._pool()
        try:
            inner = call.pool.submit(call.fn, *call.args)
        except BrokenProcessPool:  # it broke before its callbacks said so
            self._broken(call)
            if call is self._alone:
                self._alone = None
            self._next()
            return
        inner.add_done_callback(lambda done: self._finished(call, done))

    def _finished(self, call: _Call, done: Future[Any]) -> None:
        with self._lock:
            if done.cancelled():
                call.future.cancel()
            elif isinstance(done.exception(), BrokenProcessPool):
                self._broken(call)
            else:
                _settle(call.future, done)
            if call is self._alone:
                self._alone = None
            self._next()

    def _broken(self, call: _Call) -> None:
        """``call`` was lost with its pool: start a new pool; rerun it alone, or fail it
        when it was already running alone."""
        if self._closed:  # the pool was shut down under it
            call.future.cancel()
            return
        if call.pool is self._executor and self._executor is not None:
            log.warning("a worker process died: the pool restarts, and what it lost runs again")
            # shut down later, not from this callback: the broken pool's own thread runs it
            self._broken_pools.append(self._executor)
            self._executor = None
        name = getattr(call.fn, "__qualname__", repr(call.fn))
        if call is self._alone:
            log.error("a worker process died running %s alone: that call fails", name)
            if not call.future.cancelled():
                call.future.set_exception(TaskFailed(f"its worker process died (running {name})"))
            return
        log.debug("%s runs again, alone", name)
        self._lost.append(call)

    def _next(self) -> None:
        if self._alone is not None:
            return
        if self._lost:
            self._alone = self._lost.popleft()
            self._start(self._alone)
            return
        while self._held and not self._lost and self._alone is None:
            self._start(self._held.popleft())

    def flush(self) -> None:
        """Nothing to do: every call went to the pool when it was submitted."""

    def shutdown(self, *, interrupted: bool) -> None:
        """Stop the workers; on an interrupt, cancel what is queued and kill what runs."""
        with self._lock:
            self._closed = True
            if interrupted:
                for call in (*self._lost, *self._held):
                    call.future.cancel()
                self._lost.clear()
                self._held.clear()
            executor = self._executor
            broken, self._broken_pools = self._broken_pools, []
        for pool in broken:
            pool.shutdown(wait=False)
        if executor is None:
            return
        processes = list(getattr(executor, "_processes", {}).values())
        executor.shutdown(wait=not interrupted, cancel_futures=interrupted)
        if interrupted:
            for process in processes:
                if process.is_alive():
                    process.kill()


def _settle(future: Future[Any], done: Future[Any]) -> None:
    if future.cancelled():
        return
    error = done.exception()
    if error is None:
        future.set_result(done.result())
    else:
        future.set_exception(error)


class Progress:
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
