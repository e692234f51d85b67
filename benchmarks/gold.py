"""Benchmark: decide FOLIO validation from its gold FOL with every backend.

Prints JSON: per backend (and for the prover9+z3+eprover ensemble) the
agreement with the gold label, the wall time of the whole check (median
of ``--runs`` runs), and the median time of one prover call. The machine
is named in the output; nothing here is asserted.

    .venv/bin/python benchmarks/gold.py [--path ../shared/data/folio-v0/folio-validation.jsonl] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from linc.evals.datasets import load_dataset
from linc.evals.gold import check_gold
from linc.registry import get_backend
from linc.results import Limits

DEFAULT_PATH = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "folio-v0"
    / "folio-validation.jsonl"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--path", default=str(DEFAULT_PATH))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--backends", default="prover9,z3,eprover")
    args = parser.parse_args(argv)

    problems = load_dataset("folio", args.path)
    names = [n for n in args.backends.split(",") if get_backend(n).available()]
    configs: list[tuple[str, list[str], bool]] = [(n, [n], False) for n in names]
    configs += [(f"{n}+repair", [n], True) for n in names[:1]]
    if len(names) > 1:
        configs.append(("+".join(names), names, False))
    limits = Limits(seconds=args.timeout)
    out: dict[str, object] = {
        "machine": {
            "cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "python": sys.version.split()[0],
        },
        "problems": len(problems),
        "timeout": args.timeout,
        "runs": args.runs,
        "results": {},
    }
    results: dict[str, object] = {}
    for label, backends, repair in configs:
        walls, calls, report = [], [], None
        for _ in range(args.runs):
            report = check_gold(
                problems, backend=backends, limits=limits, repair=repair, workers=args.workers
            )
            walls.append(report.seconds)
            if report.median_call_seconds is not None:
                calls.append(report.median_call_seconds)
        if report is None:
            continue
        results[label] = {
            "agree": report.agree,
            "n": report.n,
            "errors": report.errors,
            "timed_out": len(report.timed_out),
            "versions": report.versions,
            "seconds_median": statistics.median(walls),
            "seconds_runs": [round(w, 3) for w in walls],
            "median_call_seconds": statistics.median(calls) if calls else None,
            "prover_calls": report.prover_calls,
            "backends_disagree": report.backends_disagree,
            "disagreements": [o.id for o in report.disagreements],
        }
    out["results"] = results
    out["decide_overhead"] = _decide_overhead(names)
    print(json.dumps(out, indent=2))
    return 0


def _decide_overhead(names: list[str], repeat: int = 100) -> dict[str, object]:
    """Median wall time of one ``decide`` on a syllogism, and the part not spent in
    the slower of its two prover calls (parsing excluded: IR input), plus a cache hit."""
    import tempfile

    from linc.cache import Cache
    from linc.decide import decide
    from linc.ir import Const, ForAll, Implies, Pred, Var

    x = Var("x")
    premises = [
        ForAll(x, Implies(Pred("Man", (x,)), Pred("Mortal", (x,)))),
        Pred("Man", (Const("socrates"),)),
    ]
    goal = Pred("Mortal", (Const("socrates"),))
    out: dict[str, object] = {}
    for name in names:
        walls, overheads = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            d = decide(premises, goal, backend=name)
            wall = time.perf_counter() - start
            walls.append(wall)
            overheads.append(wall - max(d.conclusion[name].seconds, d.negation[name].seconds))
        out[name] = {
            "decide_median_seconds": statistics.median(walls),
            "overhead_median_seconds": statistics.median(overheads),
        }
    with tempfile.TemporaryDirectory() as tmp:
        cache = Cache("proofs", directory=tmp)
        decide(premises, goal, backend=names[0], cache=cache)
        hits = []
        for _ in range(repeat):
            start = time.perf_counter()
            decide(premises, goal, backend=names[0], cache=cache)
            hits.append(time.perf_counter() - start)
        out["cache_hit_median_seconds"] = statistics.median(hits)
        cache.close()
    return out


if __name__ == "__main__":
    sys.exit(main())
