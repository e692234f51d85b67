"""The local pool outlives a worker that dies: only the call that kills it fails."""

from __future__ import annotations

import math
import os
import time

import pytest

from linc.evals.executor import TaskFailed
from linc.evals.pool import LazyPool


def test_a_dying_worker_fails_only_its_own_call_and_the_pool_goes_on() -> None:
    pool = LazyPool(2)
    try:
        slow = [pool.submit(time.sleep, 0.2) for _ in range(3)]
        before = [pool.submit(math.factorial, n) for n in range(5)]
        killer = pool.submit(os._exit, 3)  # the worker running it exits at once
        after = [pool.submit(math.factorial, n) for n in range(5, 30)]
        with pytest.raises(TaskFailed, match="worker process died"):
            killer.result(timeout=120)
        assert [f.result(timeout=120) for f in slow] == [None] * 3
        assert [f.result(timeout=120) for f in before + after] == [
            math.factorial(n) for n in range(30)
        ]
        assert pool.submit(math.factorial, 6).result(timeout=120) == 720  # still usable
    finally:
        pool.shutdown(interrupted=False)


def test_calls_waiting_behind_a_rerun_are_cancelled_on_an_interrupt() -> None:
    pool = LazyPool(2)
    try:
        pool.submit(os._exit, 3)
        waiting = [pool.submit(time.sleep, 5) for _ in range(4)]
        deadline = time.monotonic() + 60
        while pool._alone is None and time.monotonic() < deadline:
            time.sleep(0.05)  # until the pool has noticed the death and reruns what it lost
        assert pool._alone is not None
    finally:
        pool.shutdown(interrupted=True)
    deadline = time.monotonic() + 30  # a killed worker is noticed by the pool's own thread
    while not all(f.done() for f in waiting) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(f.cancelled() for f in waiting)  # not run to their end, not left hanging
