"""Run a prover binary with a hard wall-clock limit and a memory limit.

The prover runs in its own process group; when the wall-clock limit passes
the whole group is killed with SIGKILL and reaped. No prover process
outlives the call, nor the ``linc`` process that started it:

- an interrupt (``KeyboardInterrupt``, or the ``SystemExit`` that SIGTERM
  becomes in the CLI) in the waiting thread kills the group at once, and
  cancels every other prover call of the process (``LIVE``): a signal
  reaches only Python's main thread, while ``linc.decide`` runs provers in
  worker threads too. A cancelled call raises ``KeyboardInterrupt`` in its
  own thread, never returns a result, so no proof cache keeps it;
- at interpreter exit every live call is cancelled (``atexit``);
- on Linux the child asks the kernel for SIGKILL when its parent dies
  (``PR_SET_PDEATHSIG``), so even a SIGKILL of ``linc`` leaves no prover.

A prover killed by a signal that ``linc`` did not send (SIGKILL of the OOM
killer, a ``kill`` from outside) raises ``ProverKilled``: the outcome says
nothing about the problem, so it must not be cached. The prover's own crash
(SIGSEGV, SIGABRT, …) is a ``Completed`` with a negative return code, as
any fatal error. The memory limit is an address-space rlimit set on the
child right after it starts.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from linc.errors import BackendError

log = logging.getLogger(__name__)

MEMORY_SLACK_MB = 256
"""Added to the memory limit so a prover's own limit (e.g. max_megs) acts first."""
FOREIGN_SIGNALS = frozenset(
    {signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT}
)
"""Signals that come from outside a prover (the prover's own crash raises SIGSEGV, SIGABRT, …)."""
PR_SET_PDEATHSIG = 1


class ProverKilled(BackendError):
    """A prover process was killed by a signal ``linc`` did not send.

    ``signal`` is its number. The call decided nothing, so callers must not
    cache it (``cacheable`` is False).
    """

    cacheable: bool = False

    def __init__(self, program: str, signum: int) -> None:
        self.program = program
        self.signal = signum
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = f"signal {signum}"
        super().__init__(f"{program} was killed by {name} from outside linc (nothing decided)")


def interrupted() -> KeyboardInterrupt:
    """The exception a cancelled prover call raises in its own thread."""
    return KeyboardInterrupt("prover call cancelled: the process was interrupted")


class LiveCalls:
    """The prover calls running in this process, so that one interrupt stops them all.

    A call registers how to stop it (kill a process group, interrupt a Z3
    context) and gets a ticket; ``cancel_all`` stops every registered call
    and marks it cancelled, and the call, once stopped, asks ``cancelled``
    and raises ``interrupted()`` instead of returning. One per process (a
    signal is process-wide): ``LIVE``. A forked child starts with none.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stops: dict[int, Callable[[], None]] = {}
        self._cancelled: set[int] = set()
        self._next = 0

    def add(self, stop: Callable[[], None]) -> int:
        with self._lock:
            self._next += 1
            self._stops[self._next] = stop
            return self._next

    def remove(self, ticket: int) -> bool:
        """Forget ``ticket``; True when the call was cancelled."""
        with self._lock:
            self._stops.pop(ticket, None)
            cancelled = ticket in self._cancelled
            self._cancelled.discard(ticket)
            return cancelled

    def cancelled(self, ticket: int) -> bool:
        with self._lock:
            return ticket in self._cancelled

    def cancel_all(self) -> int:
        """Stop every live call; returns how many there were."""
        with self._lock:
            stops = list(self._stops.items())
            self._cancelled.update(ticket for ticket, _ in stops)
            self._stops.clear()
        for ticket, stop in stops:
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stop the others regardless
                log.debug("could not stop prover call %d: %s", ticket, exc)
        return len(stops)

    def forget_all(self) -> None:
        """Drop every call without stopping it (in a forked child: they are the parent's)."""
        self._lock = threading.Lock()
        self._stops = {}
        self._cancelled = set()


LIVE = LiveCalls()
"""The one registry of live prover calls (process-wide, as signals are)."""
atexit.register(LIVE.cancel_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=LIVE.forget_all)


def cancel_all() -> int:
    """Stop every prover call running in this process (each raises ``KeyboardInterrupt``)."""
    return LIVE.cancel_all()


@dataclass(frozen=True, slots=True)
class Completed:
    """What a prover process did."""

    returncode: int | None  # None when killed for the wall-clock limit
    stdout: str
    stderr: str
    seconds: float
    killed: bool  # True when the wall-clock limit killed it


def run(
    argv: Sequence[str],
    *,
    stdin: str = "",
    seconds: float,
    memory_mb: int | None = None,
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run ``argv`` feeding ``stdin``; kill its process group after ``seconds``.

    Raises ``OSError`` when the binary cannot be started, ``ProverKilled``
    when a foreign signal killed it, and ``KeyboardInterrupt`` when the call
    was interrupted or cancelled.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
        env=dict(env) if env is not None else None,
        # the hook makes one C call resolved beforehand and takes no lock, so it is
        # safe between fork and exec even with other threads running
        preexec_fn=_die_with_parent(),  # noqa: PLW1509
    )
    ticket = LIVE.add(lambda: _kill_group(proc))
    killed = False
    try:
        if memory_mb is not None:
            _limit_memory(proc.pid, memory_mb + MEMORY_SLACK_MB)
        try:
            out, err = proc.communicate(stdin, timeout=seconds)
        except subprocess.TimeoutExpired:
            killed = True
            _kill_group(proc)
            out, err = proc.communicate()
    except BaseException as exc:
        _kill_group(proc)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            LIVE.cancel_all()  # an interrupt stops every prover call of the process
        _reap(proc)
        raise
    finally:
        cancelled = LIVE.remove(ticket)
    if cancelled:
        raise interrupted()
    code = proc.returncode
    if not killed and code is not None and -code in FOREIGN_SIGNALS:
        raise ProverKilled(os.path.basename(argv[0]), -code)
    return Completed(
        None if killed else code, out or "", err or "", time.perf_counter() - start, killed
    )


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the kernel SIGKILL the child when this process dies (Linux).

    It runs in the child between fork and exec, so it calls one C function
    resolved beforehand and nothing that takes a lock. If the parent died
    before the request was made, the child ends at once.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()
    death = int(signal.SIGKILL)

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, death, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(1)

    return hook


def _prctl() -> Callable[..., int] | None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return prctl


def _limit_memory(pid: int, megabytes: int) -> None:
    limit = megabytes * 1024 * 1024
    try:
        resource.prlimit(pid, resource.RLIMIT_AS, (limit, limit))
    except (ProcessLookupError, PermissionError, OSError) as exc:  # already exited
        log.debug("could not set the memory limit of pid %d: %s", pid, exc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


def _reap(proc: subprocess.Popen[str]) -> None:
    """Close a killed prover's pipes and wait for it (it is dead: the wait is short)."""
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    proc.wait()
