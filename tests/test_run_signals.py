"""A run stopped by SIGTERM leaves no process behind and keeps what it finished."""

from __future__ import annotations

import signal
import subprocess
import time

import psutil
from replay_process import start_replay

from linc.evals.records import RECORDS, read_records


def test_sigterm_stops_workers_and_keeps_finished_records(shared_data, tmp_path) -> None:
    out = tmp_path / "out"
    proc = start_replay(shared_data, tmp_path, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    family: list[psutil.Process] = []
    while time.monotonic() < deadline and proc.poll() is None:
        family = psutil.Process(proc.pid).children(recursive=True)
        written = (out / RECORDS).exists() and (out / RECORDS).stat().st_size > 0
        if written and len(family) >= 3:  # fork server and two workers
            break
        time.sleep(0.1)
    assert proc.poll() is None, "the run ended before it could be stopped"
    family = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    _, alive = psutil.wait_procs(family, timeout=20)
    assert not alive, f"left running: {[p.cmdline() for p in alive]}"
    records = read_records(out / RECORDS)
    assert records and len({r.index for r in records}) == len(records)
