"""Check: the five recorded LINC runs replayed by the local executor and by Ray (two nodes
on this machine) give the same accuracy and the same records.

Prints JSON per run: problems, both accuracies, whether the records are equal
(timing fields aside, and z3's unsat core, which two local runs may report
differently for the same proof), and both wall times (the Ray one includes
the driver joining the cluster). The cluster is shut down at the end.

    .venv/bin/python benchmarks/ray_parity.py
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from linc.evals.recorded import load_linc_run
from linc.evals.records import RECORDS, read_records
from linc.evals.replay import replay_linc

DATA = Path(
    os.environ.get("LINC_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data"
)
UNSAT_CORE = re.compile(r"using premises \[[0-9, ]*\]")


def replay(raw: Path, executor: str, address: str | None) -> tuple[dict[int, str], float, float]:
    """Records (as comparable text) by index, accuracy and seconds of one cold replay."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = replay_linc(load_linc_run(raw), workers=os.cpu_count() or 1,
                             cache_dir=Path(tmp) / "c", out=Path(tmp) / "o", progress=False,
                             executor=executor, ray_address=address)  # fmt: skip
        seconds = time.perf_counter() - start
        records = {
            r.index: UNSAT_CORE.sub("using premises [...]", r.model_dump_json(exclude={"seconds"}))
            for r in read_records(Path(tmp) / "o" / RECORDS)
        }
    return records, report.accuracy, round(seconds, 1)


def main() -> int:
    from ray.cluster_utils import Cluster

    cpus = os.cpu_count() or 1
    share = max(1, cpus // 2)
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": share, "include_dashboard": False}
    )
    out: dict[str, Any] = {}
    try:
        cluster.add_node(num_cpus=share)
        cluster.wait_for_nodes()
        for raw in sorted((DATA / "recorded" / "linc").glob("*_generations_raw.json")):
            local, local_accuracy, local_seconds = replay(raw, "local", None)
            ray, ray_accuracy, ray_seconds = replay(raw, "ray", cluster.address)
            out[raw.name.split("_generations")[0]] = {
                "n": len(local),
                "accuracy_local": local_accuracy,
                "accuracy_ray": ray_accuracy,
                "records_equal": local == ray,
                "seconds_local_ray": [local_seconds, ray_seconds],
            }
    finally:
        cluster.shutdown()
    print(json.dumps(out, indent=2))
    return 0 if all(r["records_equal"] for r in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
