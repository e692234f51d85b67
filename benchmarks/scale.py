"""Benchmark: the local executor against Ray with one and two nodes on this machine.

Prints JSON. For each configuration (``local``: ``--workers`` processes;
``ray-1``: one Ray node with every core; ``ray-2``: two Ray nodes sharing the
cores, one CPU each on a 2-core machine) it measures

- (a) replay, ``best`` preset, cold proof cache, of gpt-3.5 FOLIO 8-shot
  (wall seconds of the run, the driver joining the running cluster included;
  the cluster's own start is reported apart as ``cluster_start_seconds``);
- (b) a prover-heavy workload: FOLIO gold FOL at ``--prover-timeout 10``,
  the problem list repeated ``--gold-repeat`` times;
- per-task overhead: round trips of ``--tasks`` empty calls (one call a
  task), and the tasks, calls and bytes each run moved.

Ray's clusters are started with ``ray.cluster_utils.Cluster`` and shut
down at the end. Timings are medians of ``--repeat`` runs; the machine (and
its load average) is named in the output; nothing is asserted.

    .venv/bin/python benchmarks/scale.py [--repeat 1] [--gold-repeat 2] [--configs local,ray-1,ray-2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from linc.evals.datasets import load_dataset
from linc.evals.executor import make_executor
from linc.evals.gold import check_gold
from linc.evals.recorded import load_linc_run
from linc.evals.replay import replay_linc
from linc.settings import Settings

DATA = Path(
    os.environ.get("LINC_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
FOLIO8 = (
    DATA / "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"
)
GOLD = DATA / "folio-v0/folio-validation.jsonl"


@contextmanager
def cluster(nodes: int, cpus: int) -> Iterator[tuple[str | None, float]]:
    """``nodes`` Ray nodes sharing ``cpus`` CPUs; yields (address, seconds to start)."""
    from ray.cluster_utils import Cluster

    start = time.perf_counter()
    share = max(1, cpus // nodes)
    c = Cluster(
        initialize_head=True, head_node_args={"num_cpus": share, "include_dashboard": False}
    )
    try:
        for _ in range(nodes - 1):
            c.add_node(num_cpus=share)
        c.wait_for_nodes()
        yield c.address, time.perf_counter() - start
    finally:
        c.shutdown()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls, and the last call's result."""
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return round(statistics.median(seconds), 3), result


def replay_a(where: dict[str, Any], workers: int, repeat: int) -> dict[str, Any]:
    run = load_linc_run(FOLIO8)

    def once() -> Any:
        with tempfile.TemporaryDirectory() as cache:
            return replay_linc(run, Settings.preset_of("best"), workers=workers,
                               cache_dir=cache, progress=False, **where)  # fmt: skip

    seconds, report = timed(once, repeat)
    moved = report.config.get("executor", {})
    return {
        "seconds": seconds,
        "accuracy": report.accuracy,
        "decisions": report.decisions,
        "moved": moved,
        "bytes_per_call": round((moved["bytes_out"] + moved["bytes_in"]) / moved["calls"])
        if moved.get("calls")
        else None,
    }


def gold_b(where: dict[str, Any], workers: int, repeat: int, copies: int) -> dict[str, Any]:
    problems = load_dataset("folio", GOLD) * copies
    settings = Settings.preset_of("best", prover_timeout=10)

    def once() -> Any:
        pool = make_executor(where["executor"], workers=workers, address=where["ray_address"])
        try:
            report = check_gold(problems, settings=settings, workers=workers,
                                executor=pool if pool is not None else "local")  # fmt: skip
        finally:
            if pool is not None:
                pool.shutdown(interrupted=False)
        return report, getattr(pool, "stats", None)

    seconds, (report, stats) = timed(once, repeat)
    return {
        "seconds": seconds,
        "problems": report.n,
        "agree": report.agree,
        "timed_out": len(report.timed_out),
        "prover_calls": report.prover_calls,
        "moved": stats.as_dict() if stats is not None else {},
    }


def overhead(where: dict[str, Any], workers: int, tasks: int) -> dict[str, Any]:
    """Seconds per empty call sent alone (one call a task): submission to result."""
    pool = make_executor(where["executor"], workers=max(2, workers), address=where["ray_address"])
    assert pool is not None
    if hasattr(pool, "batch"):
        pool.batch = 1
    try:
        warm = [pool.submit(len, ()) for _ in range(8)]  # workers started, modules loaded
        pool.flush()
        for f in warm:
            f.result()
        start = time.perf_counter()
        futures = [pool.submit(len, ()) for _ in range(tasks)]
        pool.flush()
        for f in futures:
            f.result()
        seconds = time.perf_counter() - start
    finally:
        pool.shutdown(interrupted=False)
    return {"tasks": tasks, "seconds_per_task": round(seconds / tasks, 6)}


def request_cost(problems: int, servers: int = 2) -> dict[str, Any]:
    """Driver CPU and wall per LLM request: ``problems`` x 10 samples through linc's client,
    spread over ``servers`` ``linc serve-recorded`` processes (their CPU is not counted)."""
    import asyncio
    import socket
    import subprocess

    from linc.config import LLMConfig
    from linc.evals.served_problems import served_problems
    from linc.parsers.llm_client import LLMClient
    from linc.parsers.llm_prompts import build_messages

    run = load_linc_run(FOLIO8, limit=problems)
    asks = [
        (build_messages(list(p.premises), p.conclusion, shots=8), i)
        for p in served_problems(run)
        for i in range(10)
    ]
    ports, procs = [], []
    for _ in range(servers):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            ports.append(s.getsockname()[1])
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "linc", "serve-recorded", "--format", "linc", "--generations",
             str(FOLIO8), "--port", str(ports[-1])], stderr=subprocess.DEVNULL))  # fmt: skip
    try:
        for port in ports:
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
        urls = [f"http://127.0.0.1:{p}/v1" for p in ports]
        client = LLMClient(LLMConfig(model="recorded", base_url=urls[0], concurrency=8),
                           cache=False, base_urls=urls)  # fmt: skip

        async def go() -> None:
            try:
                await asyncio.gather(*(client.complete(m, index=i) for m, i in asks))
            finally:
                await client.aclose()

        wall, cpu = time.perf_counter(), time.process_time()
        asyncio.run(go())
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    return {
        "requests": len(asks),
        "servers": servers,
        "requests_per_second": round(len(asks) / wall, 1),
        "driver_cpu_ms_per_request": round(1000 * cpu / len(asks), 2),
        "per_server": client.endpoint_stats(),
    }


def measure(name: str, args: argparse.Namespace) -> dict[str, Any]:
    cpus = os.cpu_count() or 1
    parts = args.parts.split(",")

    def run(where: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "a" in parts:
            out["a_replay"] = replay_a(where, cpus, args.repeat)
        if "b" in parts:
            out["b_gold"] = gold_b(where, cpus, args.repeat, args.gold_repeat)
        if "overhead" in parts:
            out["per_task"] = overhead(where, cpus, args.tasks)
        return out

    if name == "local":
        return run({"executor": "local", "ray_address": None})
    nodes = int(name.split("-")[1])
    with cluster(nodes, cpus) as (address, started):
        return {
            "nodes": nodes,
            "cpus_per_node": max(1, cpus // nodes),
            "cluster_start_seconds": round(started, 2),
            **run({"executor": "ray", "ray_address": address}),
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--gold-repeat", type=int, default=2, help="copies of FOLIO gold in (b)")
    parser.add_argument("--tasks", type=int, default=300, help="empty calls for the overhead")
    parser.add_argument("--configs", default="local,ray-1,ray-2")
    parser.add_argument("--parts", default="a,b,overhead", help="which measurements")
    parser.add_argument(
        "--requests", type=int, default=50, help="problems (x 10 samples) for the request cost"
    )
    args = parser.parse_args(argv)
    out: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "runs": {},
    }
    for name in [c for c in args.configs.split(",") if c]:
        out["runs"][name] = measure(name, args)
    if args.requests:
        out["llm_requests"] = request_cost(args.requests)
    runs = out["runs"]
    for part in ("a_replay", "b_gold"):
        if part in runs.get("local", {}):
            base = runs["local"][part]["seconds"]
            out[f"{part}_ratio_to_local"] = {
                n: round(r[part]["seconds"] / base, 2) for n, r in runs.items()
            }
    out["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
