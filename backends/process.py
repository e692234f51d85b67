"""Run a prover binary with a hard wall-clock limit and a memory limit.

The prover runs in its own process group; when the wall-clock limit passes
the whole group is killed with SIGKILL and reaped, so no prover process
outlives the call (not even on KeyboardInterrupt). The memory limit is an
address-space rlimit set on the child right after it starts (no
``preexec_fn``, which is unsafe with threads).
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

MEMORY_SLACK_MB = 256
"""Added to the memory limit so a prover's own limit (e.g. max_megs) acts first."""


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

    Raises ``OSError`` when the binary cannot be started.
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
    )
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
    except BaseException:
        _kill_group(proc)
        proc.communicate()
        raise
    return Completed(
        None if killed else proc.returncode,
        out or "",
        err or "",
        time.perf_counter() - start,
        killed,
    )


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
