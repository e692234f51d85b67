"""A run whose worker process is killed (as the OOM killer would) finishes every problem."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import psutil
from replay_process import PW4, start_replay

from linc.evals.records import RECORDS, read_records


def _workers(driver: psutil.Process) -> list[psutil.Process]:
    """The pool's worker processes: the python children of the fork server."""
    family = driver.children(recursive=True)
    servers = [p for p in family if "forkserver" in " ".join(p.cmdline())]
    return [
        p
        for server in servers
        for p in server.children()
        if p.name().startswith("python") or "forkserver" in " ".join(p.cmdline())
    ]


def test_a_killed_worker_costs_no_problem_and_no_answer(shared_data, tmp_path) -> None:
    out = tmp_path / "out"
    proc = start_replay(shared_data, tmp_path, stdout=subprocess.PIPE)
    driver = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        written = (out / RECORDS).exists() and (out / RECORDS).stat().st_size > 0
        workers = _workers(driver) if written else []
        if workers:
            break
        time.sleep(0.1)
    assert proc.poll() is None and workers, "the run ended before a worker could be killed"
    os.kill(workers[0].pid, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=600)
    assert proc.returncode == 0, stderr.decode()[-3000:]
    assert "worker process died" in stderr.decode()
    report = json.loads(stdout)
    records = read_records(out / RECORDS)
    problems = len(json.loads((shared_data / PW4).read_text()))
    assert len(records) == report["n"] == problems
    assert round(report["accuracy"], 4) == 0.9833  # LINC's published figure: nothing lost
