"""The runner's machinery: a lazily started process pool (the ``local`` executor) and a
progress bar."""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

_PRELOAD = [
    "linc.pipeline",
    "linc.parsers",
    "linc.backends.prover9",
    "linc.backends.z3",
    "linc.backends.eprover",
]


class LazyPool:
    """A process pool that starts on the first job (a warm rerun needs none).

    Workers come from a fork server that has the pipeline modules preloaded:
    forking the caller directly is unsafe when it runs threads (a prover
    watchdog, an LLM client's event loop), and spawning re-imports everything.
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

    def flush(self) -> None:
        """Nothing to do: every call went to the pool when it was submitted."""

    def shutdown(self, *, interrupted: bool) -> None:
        """Stop the workers; on an interrupt, cancel what is queued and kill what runs."""
        if self._executor is None:
            return
        processes = list(getattr(self._executor, "_processes", {}).values())
        self._executor.shutdown(wait=not interrupted, cancel_futures=interrupted)
        if interrupted:
            for process in processes:
                if process.is_alive():
                    process.kill()


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
