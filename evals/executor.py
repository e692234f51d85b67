"""Where the runner's work runs: this machine's processes (``local``) or a Ray cluster (``ray``).

An executor takes calls of module-level functions (``submit(fn, *args)``)
and gives back ``concurrent.futures.Future`` objects; ``flush()`` sends
what was submitted (the Ray executor batches calls into tasks) and
``shutdown(interrupted=...)`` stops it. The driver alone reads and writes
the caches and the run's records; workers only compute.

Ray is optional (``pip install 'linc[ray]'``) and imported only by
``linc.evals.ray_executor``, never by ``import linc``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from linc.errors import ConfigError

from .pool import LazyPool, TaskFailed

__all__ = [
    "EXECUTORS",
    "RAY_INSTALL_HINT",
    "Executor",
    "TaskFailed",  # the contract's error (defined beside the local pool, which raises it too)
    "check_executor",
    "make_executor",
    "map_ordered",
    "ray_address",
    "require_ray",
]

EXECUTORS = ("local", "ray")
RAY_INSTALL_HINT = "pip install 'linc[ray]'"
"""The install that ``--executor ray`` needs."""


class Executor(Protocol):
    """What the runner needs of a pool of workers."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]: ...

    def flush(self) -> None: ...

    def shutdown(self, *, interrupted: bool) -> None: ...


def require_ray() -> None:
    """Raise ``ConfigError`` with the install to run when Ray cannot be imported."""
    if importlib.util.find_spec("ray") is None:
        raise ConfigError(f"--executor ray needs Ray, which is not installed: {RAY_INSTALL_HINT}")


def check_executor(name: str) -> str:
    """``name`` when it is a usable executor (Ray installed for ``ray``)."""
    if name not in EXECUTORS:
        raise ConfigError(f"unknown executor {name!r}; choose one of {', '.join(EXECUTORS)}")
    if name == "ray":
        require_ray()
    return name


def ray_address(address: str | None) -> str | None:
    """The cluster to join: ``address``, else ``$RAY_ADDRESS``; None starts a local Ray."""
    return address or os.environ.get("RAY_ADDRESS") or None


def make_executor(
    executor: str | Executor, *, workers: int, address: str | None = None
) -> Executor | None:
    """The executor a run uses; None runs everything in this process (one local worker)."""
    if not isinstance(executor, str):
        return executor
    if check_executor(executor) == "local":
        return LazyPool(workers) if workers > 1 else None
    from .ray_executor import RayExecutor

    return RayExecutor(address=ray_address(address))


def map_ordered(
    executor: Executor, fn: Callable[..., Any], items: Sequence[Any], *args: Any
) -> list[Future[Any]]:
    """``fn(item, *args)`` for every item, submitted and flushed; the futures in order."""
    futures = [executor.submit(fn, item, *args) for item in items]
    executor.flush()
    return futures
