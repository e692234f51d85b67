"""Issue 12 item 12: a signal to ``linc`` stops its provers at once, and nothing it cut short is cached.

Before: Ctrl-C on ``linc prove`` with Prover9 or E exited only after the full
``--prover-timeout`` (the prover of the second direction runs in a worker
thread, which no signal reaches); SIGTERM likewise; SIGKILL of ``linc``
left the provers running until their own limit.

Real processes, real signals, real provers: the problem is the pigeonhole
principle for 9 pigeons and 8 holes, which neither Prover9 nor E settles in
a minute. Each test waits until the provers run, signals ``linc``, and
checks how soon it ends and that no prover process is left.
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
from linc_process import INTERRUPTED, linc_argv, linc_env

from linc.backends import process
from linc.registry import get_backend

LIMIT = 60.0
"""``--prover-timeout``: far longer than any bound below, so a wait for it fails the test."""
PROMPT = 10.0
"""Seconds within which ``linc`` must end after the signal."""


def _need(*names: str) -> None:
    for name in names:
        if not get_backend(name).available():
            pytest.skip(f"backend {name} is not installed here")


def _children(pid: int, running: str = "") -> set[int]:
    """Child processes of ``pid`` (of any of its threads) whose command line holds ``running``."""
    found: set[int] = set()
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.update(int(p) for p in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return {p for p in found if running in _command(p)}


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            state = handle.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_for_provers(proc: subprocess.Popen[bytes], count: int) -> set[int]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "linc ended before its provers ran: the test proves nothing"
        kids = _children(proc.pid)
        if len(kids) >= count:
            time.sleep(1.0)  # the provers are under way
            return kids
        time.sleep(0.1)
    raise AssertionError(f"linc did not start {count} provers within 60 s")


def _all_gone(pids: set[int], *, within: float = 5.0) -> set[int]:
    """The pids still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = {p for p in pids if _running(p)}
        if not alive:
            return alive
        time.sleep(0.1)
    alive = {p for p in pids if _running(p)}
    for pid in alive:  # leave nothing behind for the other tests
        os.kill(pid, signal.SIGKILL)
    return alive


def _prove(tmp_path: Path, backends: str) -> subprocess.Popen[bytes]:
    premises = [f"--premise={p}" for p in pigeonhole(9, 8)]
    argv = linc_argv("prove", "-b", backends, "--prover-timeout", str(LIMIT), *premises)
    return subprocess.Popen(
        [*argv, "-c", "Q(a)"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=linc_env(tmp_path / "cache"),
        cwd=tmp_path,
    )


def _signal_and_wait(proc: subprocess.Popen[bytes], signum: int) -> tuple[float, str, str]:
    began = time.monotonic()
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=PROMPT + 20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"linc did not end within {PROMPT + 20} s of the signal") from None
    return time.monotonic() - began, out.decode(errors="replace"), err.decode(errors="replace")


@pytest.mark.parametrize("backend", ["prover9", "eprover"])
@pytest.mark.parametrize(
    ("signum", "code"),
    [
        pytest.param(signal.SIGINT, INTERRUPTED, id="SIGINT"),
        pytest.param(signal.SIGTERM, 128 + signal.SIGTERM, id="SIGTERM"),
    ],
)
def test_a_signal_to_linc_prove_stops_it_and_its_provers_at_once(
    tmp_path: Path, backend: str, signum: int, code: int
) -> None:
    _need(backend)
    proc = _prove(tmp_path, backend)
    provers = _wait_for_provers(proc, 2)  # the conclusion and its negation
    seconds, out, err = _signal_and_wait(proc, signum)
    assert seconds < PROMPT, f"linc took {seconds:.1f} s to stop after the signal"
    assert proc.returncode == code, (out, err)
    assert "Traceback" not in err and "Uncertain" not in out, (out, err)
    assert not _all_gone(provers), "prover processes outlived linc"


def test_sigkill_of_linc_prove_kills_its_provers(tmp_path: Path) -> None:
    _need("prover9", "eprover")
    proc = _prove(tmp_path, "prover9,eprover")
    provers = _wait_for_provers(proc, 4)
    proc.kill()
    proc.communicate(timeout=10)
    assert not _all_gone(provers), "prover processes outlived a SIGKILL of linc"


def test_ctrl_c_with_every_backend_is_quick_and_quiet(tmp_path: Path) -> None:
    """z3 in the main thread, Prover9 and E in worker threads: Ctrl-C stops them all."""
    _need("z3", "prover9", "eprover")
    proc = _prove(tmp_path, "z3,prover9,eprover")
    provers = _wait_for_provers(proc, 4)
    seconds, out, err = _signal_and_wait(proc, signal.SIGINT)
    assert seconds < PROMPT, f"linc took {seconds:.1f} s to stop after Ctrl-C"
    assert proc.returncode == INTERRUPTED, (out, err)
    assert "Traceback" not in err and "__del__" not in err and "warning" not in err, err
    assert not _all_gone(provers)


DECIDE = """
import json, sys
from linc.cache import Cache
from linc.decide import decide
cache = Cache("proofs", directory=sys.argv[2])
print("ready", flush=True)
decision = decide(json.loads(sys.argv[1]), "Q(a)", backend=sys.argv[3], timeout=60, cache=cache)
print(decision.verdict.value, flush=True)
"""


@pytest.mark.parametrize("backend", ["prover9", "eprover"])
def test_ctrl_c_in_decide_raises_and_caches_nothing(tmp_path: Path, backend: str) -> None:
    """The direction in the worker thread is cancelled too: neither is an UNKNOWN in the cache."""
    _need(backend)
    from linc.cache import Cache

    script = tmp_path / "decide.py"
    script.write_text(DECIDE)
    cache_dir = tmp_path / "proofs"
    proc = subprocess.Popen(
        [sys.executable, str(script), json.dumps(pigeonhole(9, 8)), str(cache_dir), backend],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=linc_env(tmp_path / "cache"),
    )
    provers = _wait_for_provers(proc, 2)
    seconds, out, err = _signal_and_wait(proc, signal.SIGINT)
    assert seconds < PROMPT, f"decide took {seconds:.1f} s to stop after Ctrl-C"
    assert "KeyboardInterrupt" in err and out.strip() == "ready", (out, err)
    assert not _all_gone(provers)
    cache = Cache("proofs", directory=cache_dir)
    try:
        assert len(cache) == 0
    finally:
        cache.close()


def test_a_prover_killed_from_outside_is_not_an_outcome(tmp_path: Path) -> None:
    """SIGKILL from outside (the OOM killer, say) raises ``ProverKilled``, which says not to cache."""
    _need("prover9")
    from linc.backends.prover9 import Prover9Backend, format_problem
    from linc.parsers import read
    from linc.results import Limits

    backend = Prover9Backend()
    assert backend.available()  # its version probe runs prover9 too: not the one to kill
    limits = Limits(seconds=LIMIT)
    text = format_problem(
        [read(p).formula for p in pigeonhole(9, 8)], read("Q(a)").formula, limits=limits
    )
    outcome: list[object] = []
    worker = threading.Thread(
        target=lambda: outcome.append(_call(lambda: backend.run(text, limits=limits)))
    )
    worker.start()
    deadline = time.monotonic() + 30
    kids: set[int] = set()
    while not kids and time.monotonic() < deadline:
        kids = _children(os.getpid(), "prover9")
        time.sleep(0.05)
    assert kids, "prover9 did not start"
    time.sleep(0.5)
    for pid in kids:
        os.kill(pid, signal.SIGKILL)
    worker.join(30)
    assert not worker.is_alive()
    (error,) = outcome
    assert isinstance(error, process.ProverKilled), error
    assert error.signal == signal.SIGKILL and error.cacheable is False
    assert "SIGKILL" in str(error)


def _call(fn: object) -> object:
    try:
        return fn()  # type: ignore[operator]
    except BaseException as exc:  # noqa: BLE001 - the test looks at it
        return exc


def test_an_interrupt_cancels_every_live_prover_call() -> None:
    """In-process: ``cancel_all`` kills the groups, and each call raises ``KeyboardInterrupt``."""
    outcomes: list[object] = []
    sleeper = [sys.executable, "-c", "import time; time.sleep(60)"]
    threads = [
        threading.Thread(
            target=lambda: outcomes.append(_call(lambda: process.run(sleeper, seconds=60)))
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(_children(os.getpid(), "time.sleep(60)")) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    assert process.cancel_all() == 3
    for t in threads:
        t.join(10)
    assert time.monotonic() - began < 5
    assert len(outcomes) == 3 and all(isinstance(o, KeyboardInterrupt) for o in outcomes)


def _kill_prover9_when_it_runs() -> threading.Thread:
    """A thread that SIGKILLs this process's prover9 children once they run."""

    def kill() -> None:
        deadline = time.monotonic() + 30
        kids: set[int] = set()
        while not kids and time.monotonic() < deadline:
            kids = _children(os.getpid(), "prover9")
            time.sleep(0.05)
        time.sleep(0.5)
        for pid in kids:
            os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill, daemon=True)
    killer.start()
    return killer


def test_a_prover_killed_from_outside_is_never_cached(tmp_path: Path) -> None:
    """Neither ``linc.decide.prove`` nor the runner's ``run_task`` keeps a ``ProverKilled``."""
    _need("prover9")
    from linc.cache import Cache
    from linc.decide import prove
    from linc.parsers import read
    from linc.procedure import backend_versions, run_task
    from linc.results import Limits
    from linc.settings import settings_for
    from linc.task import Task, task_key

    backend = get_backend("prover9")
    assert backend.available()
    premises = [read(p).formula for p in pigeonhole(9, 8)]
    goal = read("Q(a)").formula
    cache = Cache("proofs", directory=tmp_path)
    killer = _kill_prover9_when_it_runs()
    error = _call(lambda: prove(backend, premises, goal, limits=Limits(seconds=LIMIT), cache=cache))
    killer.join()
    assert isinstance(error, process.ProverKilled), error
    assert len(cache) == 0

    settings = settings_for("linc", prover_timeout=LIMIT)
    task = Task.of(premises, goal)
    killer = _kill_prover9_when_it_runs()
    sample, fresh, calls = run_task(task, task_key(task), settings, {}, backend_versions(settings))
    killer.join()
    assert calls >= 1 and sample.verdict.value == "Error", sample
    assert "killed" in (sample.detail or ""), sample
    assert not any("killed" in str(value) for value in fresh.values()), fresh
