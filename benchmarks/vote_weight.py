"""How much should an ``Uncertain`` vote count? Measured on held-out runs.

Best mode's vote counts an ``Uncertain`` sample as ``UNCERTAIN_WEIGHT``
(0.5), a value first chosen by looking at the same five recorded LINC runs it
is then scored on. This benchmark measures the choice honestly:

1. replay each recorded LINC run once in best mode (``linc eval replay
   --mode best --out DIR``) and keep every problem's per-sample outcomes;
2. re-vote those samples for each weight in a grid (no prover runs again;
   the weight 0.5 reproduces the replay's own accuracy, which is checked);
3. leave one run out: pick the weight with the best mean accuracy on the
   other four runs (ties go to the larger weight, nearer LINC's rule) and
   score it on the held-out run.

Prints one JSON object: the grid, the held-out choice per run, and the
held-out accuracy against LINC's rule (weight 1) and against 0.5.

Usage::

    python benchmarks/vote_weight.py [--workers 2] [--cache-dir DIR]

The four FOLIO runs share a model (gpt-3.5) and differ in prompt shots, so
they are not independent samples; ProofWriter (gpt-4) is the one run from
another task and model.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from linc.evals.curves import revote
from linc.evals.records import RECORDS, read_records
from linc.evals.report import ProblemRecord
from linc.voting import UNCERTAIN_WEIGHT

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("LINC_SHARED_DATA", REPO.parent / "shared" / "data"))
LINC = DATA / "recorded" / "linc"
RUNS = {
    "folio-1": "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-1shot_generations_raw.json",
    "folio-2": "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-2shot_generations_raw.json",
    "folio-4": "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-4shot_generations_raw.json",
    "folio-8": "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json",
    "pw-gpt4": "gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json",
}
GRID = (0.01, 0.1, 0.15, 0.2, 0.25, 0.3, 1 / 3, 0.4, 0.5, 0.6, 2 / 3, 0.75, 0.9, 1.0)


def best_records(path: Path, *, out: Path, workers: int, cache_dir: Path | None) -> tuple:
    """Replay one run in best mode; its problem records and reported accuracy."""
    cmd = [sys.executable, "-m", "linc", "eval", "replay", "--format", "linc",
           "--generations", str(path), "--mode", "best", "--out", str(out),
           "--workers", str(workers), "--json"]  # fmt: skip
    if cache_dir is not None:
        cmd += ["--cache-dir", str(cache_dir)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=REPO)
    return read_records(out / RECORDS), json.loads(done.stdout)["accuracy"]


def accuracy(records: list[ProblemRecord], weight: float) -> float:
    """Accuracy when the records' samples are re-voted with ``weight``."""
    return revote(records, policy="best", uncertain_weight=weight).accuracy


def held_out(grid: dict[str, dict[float, float]]) -> dict[str, dict]:
    """For each run: the weight chosen on the other runs, and its accuracy there."""
    out = {}
    for run in grid:
        others = [name for name in grid if name != run]
        mean = {w: statistics.mean(grid[name][w] for name in others) for w in GRID}
        chosen = max(GRID, key=lambda w: (round(mean[w], 10), w))
        out[run] = {
            "chosen_weight": round(chosen, 4),
            "mean_accuracy_on_others": round(mean[chosen], 4),
            "held_out_accuracy": round(grid[run][chosen], 4),
            "weight_1_accuracy": round(grid[run][1.0], 4),
            "weight_0.5_accuracy": round(grid[run][0.5], 4),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache-dir", type=Path, help="proof cache (default: linc's own)")
    args = ap.parse_args(argv)
    grid: dict[str, dict[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="linc-vote-weight-") as tmp:
        for name, file in RUNS.items():
            records, reported = best_records(
                LINC / file, out=Path(tmp) / name, workers=args.workers, cache_dir=args.cache_dir
            )
            grid[name] = {w: accuracy(records, w) for w in GRID}
            # re-voting at the default weight must give the replay's own figure
            assert abs(grid[name][UNCERTAIN_WEIGHT] - reported) < 1e-9, (name, reported)
    runs = held_out(grid)
    result = {
        "grid": {
            name: {f"{w:.4f}": round(a, 4) for w, a in row.items()} for name, row in grid.items()
        },
        "held_out": runs,
        "mean_held_out_accuracy": round(
            statistics.mean(r["held_out_accuracy"] for r in runs.values()), 4
        ),
        "mean_weight_1_accuracy": round(
            statistics.mean(r["weight_1_accuracy"] for r in runs.values()), 4
        ),
        "mean_weight_0.5_accuracy": round(
            statistics.mean(r["weight_0.5_accuracy"] for r in runs.values()), 4
        ),
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
