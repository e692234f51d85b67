"""The ``ray`` executor: the runner's calls run as Ray tasks, batched, retried, accounted.

``submit(fn, *args)`` buffers a call and returns a ``concurrent.futures.Future``;
``flush()`` sends the buffer as Ray tasks of up to ``batch`` calls each (fewer
when few calls wait, so the cluster's CPUs all get work and a slow call holds
up few others). A task carries its calls pickled (so the bytes moved are
counted exactly) and returns their results, or each call's exception, to the
driver, which alone writes caches and records.

Failures: a worker or node that dies takes its task with it; Ray runs the
task again (``max_retries``), as it does when the batch raises ``OSError`` or
``MemoryError`` (a machine out of processes or memory). A task that fails for
good sets ``linc.evals.executor.TaskFailed`` with the cause on each of its
calls, so the runner records the problem as an error, never drops it.

With no address a local Ray is started (``address="local"``: never the
cluster some other ``ray start`` left on this machine) and stopped at the end;
with one, the driver joins that cluster and leaves it running.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from .executor import TaskFailed, require_ray

log = logging.getLogger(__name__)

BATCH = 8
"""Most calls in one Ray task."""
MAX_RETRIES = 3
"""Reruns of a task whose worker or node died (or that ran out of processes or memory)."""
RETRY_EXCEPTIONS = [OSError, MemoryError]
"""Exceptions of a batch that Ray retries (elsewhere, perhaps): the machine's, not the call's."""
LOCAL_OBJECT_STORE = 256 * 1024 * 1024
"""Object store of a Ray started here: the runner moves kilobytes, not gigabytes."""


@dataclass
class TransferStats:
    """What a run sent to and got back from the cluster."""

    tasks: int = 0
    calls: int = 0
    bytes_out: int = 0
    bytes_in: int = 0
    failed_tasks: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "tasks": self.tasks,
            "calls": self.calls,
            "bytes_out": self.bytes_out,
            "bytes_in": self.bytes_in,
            "failed_tasks": self.failed_tasks,
        }


def run_batch(payload: bytes) -> bytes:
    """Worker side: run each pickled ``(fn, args)``; each result or exception, pickled.

    ``OSError`` and ``MemoryError`` leave the batch, so Ray retries it.
    """
    calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = pickle.loads(payload)
    results: list[tuple[bool, Any]] = []
    for fn, args in calls:
        try:
            results.append((True, fn(*args)))
        except (OSError, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - the driver raises it on the call's future
            results.append((False, exc))
    try:
        return pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: send its words
        safe = [(ok, v if ok else RuntimeError(f"{type(v).__name__}: {v}")) for ok, v in results]
        return pickle.dumps(safe, protocol=pickle.HIGHEST_PROTOCOL)


class RayExecutor:
    """Runs submitted calls as Ray tasks (see the module doc)."""

    def __init__(
        self,
        *,
        address: str | None = None,
        batch: int = BATCH,
        max_retries: int = MAX_RETRIES,
        num_cpus: int | None = None,
    ) -> None:
        require_ray()
        self.address = address
        self.batch = max(1, batch)
        self.max_retries = max_retries
        self.num_cpus = num_cpus
        self.stats = TransferStats()
        self._buffer: list[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]] = []
        self._inflight: dict[Any, list[Future[Any]]] = {}
        self._lock = threading.Lock()
        self._remote: Any = None
        self._owns = False
        self._cpus = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_running_or_notify_cancel()
        self._buffer.append((fn, args, future))
        return future

    def flush(self) -> None:
        """Send every buffered call, in tasks of up to ``batch`` calls."""
        if not self._buffer:
            return
        self._start()
        calls, self._buffer = self._buffer, []
        size = min(self.batch, max(1, math.ceil(len(calls) / (4 * self._cpus))))
        for at in range(0, len(calls), size):
            self._send(calls[at : at + size])

    def _send(self, chunk: list[tuple[Callable[..., Any], tuple[Any, ...], Future[Any]]]) -> None:
        payload = pickle.dumps([(fn, args) for fn, args, _ in chunk], pickle.HIGHEST_PROTOCOL)
        ref = self._remote.remote(payload)
        futures = [future for _, _, future in chunk]
        with self._lock:
            self.stats.tasks += 1
            self.stats.calls += len(chunk)
            self.stats.bytes_out += len(payload)
            self._inflight[ref] = futures
        ref.future().add_done_callback(lambda done: self._done(ref, done))

    def _done(self, ref: Any, done: Future[Any]) -> None:
        with self._lock:
            futures = self._inflight.pop(ref, [])
        try:
            data: bytes = done.result()
            results = pickle.loads(data)
        except Exception as exc:  # noqa: BLE001 - every call of the task carries the cause
            with self._lock:
                self.stats.failed_tasks += 1
            cause = _cause(exc, self.max_retries)
            log.error("a Ray task of %d calls failed for good: %s", len(futures), cause)
            for future in futures:
                if not future.done():
                    future.set_exception(TaskFailed(cause))
            return
        with self._lock:
            self.stats.bytes_in += len(data)
        for future, (ok, value) in zip(futures, results):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _start(self) -> None:
        """Join (or start) the cluster on the first flush: a warm rerun needs none."""
        if self._remote is not None:
            return
        import ray

        if not ray.is_initialized():
            ray.init(**self._init_options())
            self._owns = True
        self._cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        decorate: Any = ray.remote  # its stubs type retry_exceptions as a bool; a list works
        self._remote = decorate(
            max_retries=self.max_retries, retry_exceptions=list(RETRY_EXCEPTIONS)
        )(run_batch)
        log.info("Ray: %d CPUs, batches of up to %d calls", self._cpus, self.batch)

    def _init_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "address": self.address or "local",
            "logging_level": logging.WARNING,
            "log_to_driver": False,  # workers log nothing the driver should print
        }
        env = {k: v for k, v in os.environ.items() if k.startswith("LINC_")}
        if env:  # prover paths and the like reach the workers
            options["runtime_env"] = {"env_vars": env}
        if self.address is None:
            options.update(
                num_cpus=self.num_cpus or os.cpu_count() or 1,
                include_dashboard=False,
                object_store_memory=LOCAL_OBJECT_STORE,
            )
        return options

    def shutdown(self, *, interrupted: bool) -> None:
        """Cancel what is left when interrupted; leave (or stop, if started here) Ray."""
        for _, _, future in self._buffer:
            future.cancel()
        self._buffer = []
        if self._remote is None:
            return
        import ray

        if interrupted:
            with self._lock:
                refs = list(self._inflight)
            for ref in refs:
                try:
                    ray.cancel(ref, force=True)
                except Exception as exc:  # noqa: BLE001 - shutting down anyway
                    log.debug("cancelling a Ray task: %s", exc)
        if self._owns:
            ray.shutdown()
        self._remote = None


def _cause(exc: BaseException, retries: int) -> str:
    """Why a task failed for good, in one line."""
    kind = type(exc).__name__
    if kind == "RayTaskError" or kind.startswith("RayTaskError("):
        cause = getattr(exc, "cause", None)
        if cause is not None:
            exc, kind = cause, type(cause).__name__
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    return f"{kind} after {retries} retries: {first}"[:500]
