"""The ``ray`` executor on a real two-node Ray cluster on this machine (``ray.cluster_utils``;
Ray binds the machine's own address and rewrites 127.0.0.1 to it).

Real recorded data and real provers throughout: replay on Ray gives the
records of the local executor; killing a worker, the driver or the second
node mid-run still gives every problem once with the same answers; a live
run spreads its requests over two ``linc serve-recorded`` servers and
survives stopping one; a task that fails for good is an error record.
The cluster is small (one CPU a node) and is shut down at the end.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

pytest.importorskip("ray", reason="Ray is not installed: pip install 'linc[ray]'")

from linc.cli import main
from linc.evals.recorded import RecordedRun, load_linc_run
from linc.evals.records import RECORDS, read_records
from linc.evals.replay import replay_linc
from linc.evals.report import ProblemRecord
from linc.results import Verdict

FOLIO8 = "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"
N = 30  # problems per run: long enough to kill something mid-run, short enough for CI
FAST_HEALTH = {
    "health_check_period_ms": 500,
    "health_check_timeout_ms": 500,
    "health_check_failure_threshold": 4,
}  # a dead node is noticed in seconds, not the default half minute


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from ray.cluster_utils import Cluster

    node = {"num_cpus": 1}  # on this machine's own address: Ray rewrites 127.0.0.1 to it
    c = Cluster(
        initialize_head=True,
        head_node_args={**node, "include_dashboard": False, "_system_config": FAST_HEALTH},
    )
    try:
        c.second = c.add_node(**node)
        c.wait_for_nodes()
        yield c
    finally:
        c.shutdown()


@pytest.fixture(scope="module")
def folio(shared_data: Path) -> RecordedRun:
    return load_linc_run(shared_data / FOLIO8, limit=N)


@pytest.fixture(scope="module")
def local(folio: RecordedRun, tmp_path_factory: pytest.TempPathFactory) -> list[ProblemRecord]:
    """The local executor's records of the first N problems (the reference)."""
    cache = tmp_path_factory.mktemp("local-cache")
    report = replay_linc(folio, workers=2, cache_dir=cache, progress=False, out=cache / "out")
    assert report.n == N
    return read_records(cache / "out" / RECORDS)


UNSAT_CORE = re.compile(r"using premises \[[0-9, ]*\]")


def comparable(records: list[ProblemRecord]) -> dict[int, Any]:
    """Records by index, timing fields aside, and z3's unsat core ("unsat using premises
    [0, 1, 4]"): z3 may return another core for the same proof, on one machine as on many."""
    return {
        r.index: json.loads(
            UNSAT_CORE.sub("using premises [...]", r.model_dump_json(exclude={"seconds"}))
        )
        for r in records
    }


def once_each(folder: Path) -> list[ProblemRecord]:
    """The folder's records, asserting every problem is there exactly once."""
    records = read_records(folder / RECORDS)
    assert sorted(r.index for r in records) == list(range(N))
    return records


def when_records(folder: Path, count: int, action: Callable[[], Any]) -> threading.Thread:
    """Run ``action`` in a thread once ``folder`` holds ``count`` records."""

    def watch() -> None:
        path = folder / RECORDS
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if path.is_file() and path.read_text(encoding="utf-8").count("\n") >= count:
                action()
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_replay_on_two_nodes_gives_the_records_of_the_local_executor(
    cluster, folio, local, tmp_path
):
    report = replay_linc(
        folio,
        cache_dir=tmp_path / "cache",
        progress=False,
        out=tmp_path / "out",
        executor="ray",
        ray_address=cluster.address,
    )
    assert comparable(once_each(tmp_path / "out")) == comparable(local)
    moved = report.config["executor"]
    assert moved["tasks"] > 1 and moved["failed_tasks"] == 0
    assert moved["calls"] >= report.decisions["distinct"] > 0
    assert moved["bytes_out"] > 0 and moved["bytes_in"] > 0
    # the proof cache is the driver's: a rerun decides nothing and starts no task
    again = replay_linc(
        folio, cache_dir=tmp_path / "cache", progress=False, executor="ray",
        ray_address=cluster.address,
    )  # fmt: skip
    assert again.decisions["from_cache"] == again.decisions["distinct"]
    assert again.config["executor"]["tasks"] == 0 and again.accuracy == report.accuracy


def _ray_workers(cluster: Any) -> list[Any]:
    """Worker processes of this cluster that are running a batch right now."""
    import ray._private.ray_constants as constants

    raylets = set()
    for node in [cluster.head_node, *cluster.worker_nodes]:
        for info in node.all_processes.get(constants.PROCESS_TYPE_RAYLET, []):
            raylets.add(info.process.pid)
    busy = []
    for pid in raylets:
        for child in psutil.Process(pid).children():
            try:
                if child.cmdline()[:1] == ["ray::run_batch"]:
                    busy.append(child)
            except psutil.Error:
                continue
    return busy


def test_a_worker_killed_mid_run_loses_nothing(cluster, folio, local, tmp_path):
    killed: list[int] = []

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            for process in _ray_workers(cluster):
                process.send_signal(signal.SIGKILL)
                killed.append(process.pid)
                return
            time.sleep(0.005)

    out = tmp_path / "out"
    thread = when_records(out, 2, kill_a_worker)
    replay_linc(
        folio, cache_dir=tmp_path / "cache", progress=False, out=out, executor="ray",
        ray_address=cluster.address,
    )  # fmt: skip
    thread.join(5)
    assert killed, "no worker was running a batch to kill"
    assert comparable(once_each(out)) == comparable(local)


def test_the_driver_killed_then_resume_completes_the_run(
    cluster, shared_data, folio, local, tmp_path
):
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [
        "eval", "replay", "--format", "linc", "--generations", str(shared_data / FOLIO8),
        "--limit", str(N), "--cache-dir", str(cache), "--out", str(out), "--no-progress",
        "--executor", "ray", "--ray-address", cluster.address, "--json",
    ]  # fmt: skip
    driver = subprocess.Popen(
        [sys.executable, "-m", "linc", *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    thread = when_records(out, 3, lambda: driver.send_signal(signal.SIGKILL))
    _, err = driver.communicate(timeout=300)
    thread.join(5)
    assert driver.returncode == -signal.SIGKILL, err.decode()[-2000:]
    before = read_records(out / RECORDS)
    assert 3 <= len(before) < N
    assert main([*command, "--resume"]) == 0
    assert comparable(once_each(out)) == comparable(local)


def test_a_task_that_fails_for_good_is_an_error_record_with_its_cause(cluster, folio, tmp_path):
    from linc.evals.ray_executor import RayExecutor
    from linc.evals.schedule import _run_task_job

    class Crashing(RayExecutor):
        """Every decision's worker dies (``os._exit``), retry after retry."""

        def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
            if fn is _run_task_job:
                return super().submit(os._exit, 3)
            return super().submit(fn, *args)

    pool = Crashing(address=cluster.address, max_retries=1)
    run = RecordedRun(name="crash", problems=folio.problems[:3])
    out = tmp_path / "out"
    report = replay_linc(run, cache_dir=tmp_path / "c", progress=False, executor=pool, out=out)
    pool.shutdown(interrupted=False)
    assert report.n == 3 and pool.stats.failed_tasks > 0
    records = read_records(out / RECORDS)
    assert sorted(r.index for r in records) == [0, 1, 2]
    decided = [s for r in records for s in r.samples if s.decision is not None]
    assert decided and all(s.verdict is Verdict.ERROR for s in decided)
    assert all(s.detail.startswith("worker: ") and "retries" in s.detail for s in decided)


def test_gold_on_ray_agrees_with_local_and_fills_the_driver_cache(cluster, shared_data, tmp_path):
    from linc.cache import Cache
    from linc.evals.datasets import load_dataset
    from linc.evals.gold import check_gold

    problems = load_dataset("folio", shared_data / "folio-v0/folio-validation.jsonl", limit=12)
    local = check_gold(problems, keep_outcomes=True, workers=2)
    cache = Cache("proofs", directory=tmp_path / "cache")
    ray = check_gold(
        problems, keep_outcomes=True, cache=cache, executor="ray", ray_address=cluster.address
    )
    assert (ray.n, ray.agree, ray.errors) == (local.n, local.agree, local.errors)
    assert [(o.id, o.got) for o in ray.outcomes or []] == [
        (o.id, o.got) for o in local.outcomes or []
    ]
    assert ray.prover_calls == local.prover_calls > 0
    assert len(cache) > 0  # the workers' prover results reached the driver's cache


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(raw: Path, port: int, log: Path, problems: Path | None) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "linc", "-v", "serve-recorded", "--format", "linc",
               "--generations", str(raw), "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    if problems is not None:
        command += ["--problems-out", str(problems)]
    server = subprocess.Popen(command, stderr=log.open("wb"), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"serve-recorded did not start: {log.read_text()[-1000:]}")


def test_live_run_spreads_over_two_servers_and_survives_stopping_one(
    cluster, shared_data, local, tmp_path
):
    problems = tmp_path / "problems.jsonl"
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    ports = [_free_port(), _free_port()]
    servers = [_serve(shared_data / FOLIO8, ports[0], logs[0], problems)]
    servers.append(_serve(shared_data / FOLIO8, ports[1], logs[1], None))
    out = tmp_path / "out"
    try:
        thread = when_records(out, 5, lambda: servers[0].send_signal(signal.SIGTERM))
        code = main(
            ["eval", "run", "--dataset", "jsonl", "--path", str(problems), "--limit", str(N),
             "--model", "recorded", "--k", "10", "--base-url", f"http://127.0.0.1:{ports[0]}/v1",
             "--base-url", f"http://127.0.0.1:{ports[1]}/v1", "--cache-dir", str(tmp_path / "c"),
             "--out", str(out), "--no-progress", "--executor", "ray",
             "--ray-address", cluster.address, "--json"]
        )  # fmt: skip
        thread.join(5)
        stopped = servers[0].wait(10)
    finally:
        for server in servers:
            server.kill()
            server.wait(10)
    assert code == 0 and stopped is not None
    answered = [log.read_text().count("-> 200") for log in logs]
    assert answered[0] > 0 and answered[1] > 0, answered
    assert sum(answered) >= N * 10  # every sample answered, by one server or the other
    records = once_each(out)
    assert all(not s.detail.startswith("request:") for r in records for s in r.samples)
    live = {r.index: (r.predicted, [s.verdict for s in r.samples]) for r in records}
    replay = {r.index: (r.predicted, [s.verdict for s in r.samples]) for r in local}
    assert live == replay


def test_the_second_node_killed_mid_run_loses_nothing(cluster, folio, local, tmp_path):
    """Last: the cluster has one node after it."""
    removed: list[bool] = []

    def remove() -> None:
        cluster.remove_node(cluster.second, allow_graceful=False)
        removed.append(True)

    out = tmp_path / "out"
    thread = when_records(out, 3, remove)
    report = replay_linc(
        folio, cache_dir=tmp_path / "cache", progress=False, out=out, executor="ray",
        ray_address=cluster.address,
    )  # fmt: skip
    thread.join(30)
    assert removed
    assert comparable(once_each(out)) == comparable(local)
    assert report.accuracy == sum(r.correct for r in local) / N
