"""Issue 12, item 2: Ctrl-C during a Z3 proof interrupts; it never becomes a cached ``Uncertain``.

Z3 runs with its ``ctrl_c`` parameter off, so it never swallows SIGINT into
an ``unknown`` answer; the signal reaches Python, the call is cancelled and
raises ``KeyboardInterrupt``, so the proof cache keeps nothing and ``linc``
exits 130. Z3's own timeout, its resource limit and the watchdog stay
``UNKNOWN`` results (a limit reached), and are cached.

The problem is the pigeonhole principle for 10 pigeons and 9 holes: the
premises are inconsistent (so any conclusion follows), and Z3 needs many
seconds to find that out.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hard_problems import pigeonhole

from linc.backends.z3 import Watchdog
from linc.cache import Cache
from linc.decide import decide
from linc.results import Limits, ProofStatus, Verdict

pytest.importorskip("z3", reason="these tests run the z3 backend")

SIGNAL_AFTER = 2.0

DECIDE = """
import json, sys
from linc.cache import Cache
from linc.decide import decide
premises = json.loads(sys.argv[1])
cache = Cache("proofs", directory=sys.argv[2])
print("ready", flush=True)
decision = decide(premises, "Q(a)", backend="z3", timeout=60, cache=cache)
print(decision.verdict.value, flush=True)
"""


def _environment(cache_dir: Path) -> dict[str, str]:
    return {**os.environ, "LINC_CACHE_DIR": str(cache_dir), "PYTHONUNBUFFERED": "1"}


def _interrupt(proc: subprocess.Popen[str], *, after: float) -> tuple[str, str]:
    time.sleep(after)
    assert proc.poll() is None, "the proof ended before the signal: the test proves nothing"
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError("the prover did not stop within 30 s of SIGINT") from None


def test_ctrl_c_in_decide_raises_and_caches_nothing(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    script = tmp_path / "run.py"
    script.write_text(DECIDE)
    proc = subprocess.Popen(
        [sys.executable, str(script), json.dumps(pigeonhole()), str(cache_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(cache_dir),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    out, err = _interrupt(proc, after=SIGNAL_AFTER)
    assert proc.returncode != 0, out
    assert "KeyboardInterrupt" in err
    assert out.strip() == ""  # no verdict
    cache = Cache("proofs", directory=cache_dir)
    try:
        assert len(cache) == 0
    finally:
        cache.close()


def test_ctrl_c_in_linc_prove_exits_130(tmp_path: Path) -> None:
    premises = [f"--premise={p}" for p in pigeonhole()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "linc", "prove", "-b", "z3", "--prover-timeout", "60", *premises]
        + ["--conclusion", "Q(a)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(tmp_path / "cache"),
    )
    out, err = _interrupt(proc, after=SIGNAL_AFTER + 1.0)  # + the CLI's start-up
    assert proc.returncode == 130, (out, err)
    assert "Uncertain" not in out
    assert "interrupted" in err and "Traceback" not in err


def test_a_timeout_is_still_an_unknown_result_and_cached(tmp_path: Path) -> None:
    cache = Cache("proofs", directory=tmp_path)
    try:
        decision = decide(pigeonhole(), "Q(a)", backend="z3", timeout=0.5, cache=cache)
        assert decision.verdict is Verdict.UNCERTAIN and decision.timed_out
        assert len(cache) == 2  # a limit reached is an answer worth keeping
        again = decide(pigeonhole(), "Q(a)", backend="z3", timeout=0.5, cache=cache)
        assert again.conclusion["z3"] == decision.conclusion["z3"]
    finally:
        cache.close()


def test_a_resource_limit_is_still_an_unknown_result() -> None:
    limits = Limits(seconds=60, options={"rlimit": 100_000})
    decision = decide(pigeonhole(), "Q(a)", backend="z3", limits=limits)
    assert decision.verdict is Verdict.UNCERTAIN and decision.timed_out
    assert all(r.status is ProofStatus.UNKNOWN for r in decision.conclusion.values())
    assert decision.seconds < 30


class _Context:
    def __init__(self) -> None:
        self.interrupted = threading.Event()

    def interrupt(self) -> None:
        self.interrupted.set()


def test_the_watchdog_says_which_contexts_it_interrupted() -> None:
    watchdog = Watchdog()
    late, early = _Context(), _Context()
    fired = watchdog.watch(late, 0.0)
    assert late.interrupted.wait(5)
    spared = watchdog.watch(early, 60.0)
    assert watchdog.release(fired) is True
    assert watchdog.release(fired) is False  # once
    assert watchdog.release(spared) is False
    assert not early.interrupted.is_set()
