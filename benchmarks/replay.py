"""Replay speed and accuracy: every recorded run, parity and best, cold and warm.

Each measurement runs ``linc eval replay`` as its own process (so imports,
pool start-up and cache opening are included) and reports the median wall
time over ``--repeat`` runs. *Cold* uses a fresh, empty cache directory every
time; *warm* reruns against the cache the last cold run left. Peak RSS is the
largest resident set of the process tree (``wait4``). The machine's load
average is printed with the results, because the provers share its cores.

With ``--ablation`` it also prints the accuracy of best mode with each step
switched off (from a warm cache: accuracy does not depend on it).

Usage::

    python benchmarks/replay.py [--repeat 3] [--only folio-8] [--ablation] [--workers 2] [--live]

``--live`` also times ``linc eval run`` against ``linc serve-recorded`` serving
the same recording (cold caches), and its ratio to the replay's cold time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("LINC_SHARED_DATA", REPO.parent / "shared" / "data"))
LINC = DATA / "recorded" / "linc"
LOGICLM = DATA / "recorded" / "logiclm"

RUNS = {
    "folio-1": (
        "linc",
        LINC / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-1shot_generations_raw.json",
    ),
    "folio-2": (
        "linc",
        LINC / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-2shot_generations_raw.json",
    ),
    "folio-4": (
        "linc",
        LINC / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-4shot_generations_raw.json",
    ),
    "folio-8": (
        "linc",
        LINC / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json",
    ),
    "pw-gpt4": ("linc", LINC / "gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json"),
    "logiclm-gpt-3.5": ("logiclm", LOGICLM / "FOLIO_dev_gpt-3.5-turbo.json"),
    "logiclm-davinci": ("logiclm", LOGICLM / "FOLIO_dev_text-davinci-003.json"),
}
MODES = {
    "parity": ["--voting", "linc"],
    "parity-released": ["--voting", "linc", "--extraction", "released"],
    "best": ["--voting", "best"],
}
ABLATION = {
    "best": [],
    "no repair": ["--no-repair"],
    "no arity rename": ["--no-rename"],
    "no ensemble (prover9 only)": ["--backend", "prover9"],
    "no inconsistency handling": ["--no-inconsistency"],
    "no semantic dedup": ["--no-dedup"],
    "LINC vote rule": ["--policy", "linc"],  # the vote policy alone (a deprecated spelling)
}


def replay(
    kind: str, path: Path, extra: list[str], *, cache: Path, workers: int, out: Path | None = None
) -> dict:
    """One ``linc eval replay`` process: its report plus wall time and peak RSS."""
    source = ["--generations", str(path)] if kind == "linc" else ["--programs", str(path)]
    cmd = [sys.executable, "-m", "linc", "eval", "replay", "--format", kind, *source, *extra,
           "--workers", str(workers), "--json"]  # fmt: skip
    if out is not None:
        cmd += ["--out", str(out)]
    env = {**os.environ, "LINC_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stdout_file, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=stdout_file, stderr=err, env=env, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)  # rusage of the whole process tree
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        stdout_file.seek(0)
        err.seek(0)
        stdout, stderr = stdout_file.read(), err.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{stderr.decode()[-2000:]}")
    report = json.loads(stdout)
    return {"wall": wall, "report": report, "rss_mb": usage.ru_maxrss / 1024}


def measure(name: str, mode: str, *, repeat: int, workers: int) -> dict:
    kind, path = RUNS[name]
    extra = MODES[mode]
    if kind == "logiclm" and mode != "best":
        extra = ["--voting", "linc"]
    cold, warm, rss = [], [], []
    report: dict = {}
    with tempfile.TemporaryDirectory(prefix="linc-bench-") as tmp:
        for i in range(repeat):
            cache = Path(tmp) / f"cold{i}"
            result = replay(kind, path, extra, cache=cache, workers=workers)
            cold.append(result["wall"])
            report = result["report"]
            if result["rss_mb"] is not None:
                rss.append(result["rss_mb"])
        for _ in range(repeat):
            result = replay(kind, path, extra, cache=cache, workers=workers)
            warm.append(result["wall"])
    out = {
        "run": name,
        "mode": mode,
        "accuracy": round(report["accuracy"], 4),
        "correct": report["correct"],
        "n": report["n"],
        "published_accuracy": report.get("published_accuracy"),
        "exe_rate": report.get("exe_rate"),
        "cold_seconds_median": round(statistics.median(cold), 2),
        "cold_seconds": [round(x, 2) for x in cold],
        "warm_seconds_median": round(statistics.median(warm), 2),
        "warm_seconds": [round(x, 2) for x in warm],
        "distinct_decisions": report["decisions"].get("distinct"),
        "prover_calls_cold": report["decisions"].get("prover_calls"),
        "peak_rss_mb_max": round(max(rss), 1) if rss else None,
        "sample_agreement": report["agreement"]["rate"] if report.get("agreement") else None,
    }
    return out


def serve(path: Path, problems: Path) -> tuple[subprocess.Popen, str]:
    """``linc serve-recorded`` on a free port: the process and its base URL."""
    cmd = [sys.executable, "-m", "linc", "serve-recorded", "--format", "linc",
           "--generations", str(path), "--port", "0", "--problems-out", str(problems)]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=REPO)
    line = proc.stdout.readline() if proc.stdout is not None else ""
    match = re.search(r"(http://\S+/v1)", line)
    if match is None:
        proc.kill()
        raise SystemExit(f"serve-recorded did not start: {line!r}")
    return proc, match.group(1)


def live(
    problems: Path, url: str, voting: str, *, k: int, cache: Path, workers: int, out: Path
) -> dict:
    """One ``linc eval run`` process against serve-recorded: report, wall time."""
    cmd = [sys.executable, "-m", "linc", "eval", "run", "--dataset", "jsonl",
           "--path", str(problems), "--base-url", url, "--model", "recorded", "--k", str(k),
           "--voting", voting, "--workers", str(workers), "--no-progress", "--json",
           "--out", str(out)]  # fmt: skip
    env = {**os.environ, "LINC_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, cwd=REPO, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr.decode()[-2000:]}")
    return {"wall": wall, "report": json.loads(proc.stdout)}


def measure_live(name: str, mode: str, *, repeat: int, workers: int) -> dict:
    """The live run through serve-recorded, cold, against the replay's cold time."""
    kind, path = RUNS[name]
    voting = MODES[mode][1]
    k = max(len(completions) for completions in json.loads(path.read_text()))  # as recorded
    walls: list[float] = []
    with tempfile.TemporaryDirectory(prefix="linc-live-") as tmp:
        problems = Path(tmp) / "problems.jsonl"
        server, url = serve(path, problems)
        try:
            for i in range(repeat):
                cache, out = Path(tmp) / f"c{i}", Path(tmp) / f"live{i}"
                result = live(problems, url, voting, k=k, cache=cache, workers=workers, out=out)
                walls.append(result["wall"])
        finally:
            server.terminate()
            server.wait(timeout=30)
        replayed = [
            replay(
                kind,
                path,
                MODES[mode],
                cache=Path(tmp) / f"r{i}",
                workers=workers,
                out=Path(tmp) / f"replay{i}",
            )
            for i in range(repeat)
        ]
        same, compared = same_samples(Path(tmp) / "live0", Path(tmp) / "replay0")
    replay_cold = statistics.median(r["wall"] for r in replayed)
    return {
        "run": name,
        "mode": f"live-{mode}",
        "accuracy": round(result["report"]["accuracy"], 4),
        "replay_accuracy": round(replayed[-1]["report"]["accuracy"], 4),
        "requests": result["report"]["config"]["requests"],
        "live_cold_seconds_median": round(statistics.median(walls), 2),
        "live_cold_seconds": [round(x, 2) for x in walls],
        "replay_cold_seconds_median": round(replay_cold, 2),
        "live_over_replay": round(statistics.median(walls) / replay_cold, 2),
        "samples_equal": same,
        "samples_compared": compared,
    }


def same_samples(live_out: Path, replay_out: Path) -> tuple[int, int]:
    """How many samples (paired on problem id and index) got the same verdict and cause."""

    def samples(folder: Path) -> dict[tuple[str, int], tuple[str, str | None]]:
        out = {}
        for line in (folder / "records.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            for s in record["samples"]:
                out[(record["id"], s["index"])] = (s["verdict"], s["error"])
        return out

    a, b = samples(live_out), samples(replay_out)
    return sum(a[key] == b.get(key) for key in a), max(len(a), len(b))


def ablation(names: list[str], *, workers: int) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="linc-ablation-") as tmp:
        for label, extra in ABLATION.items():
            row: dict = {"variant": label}
            for name in names:
                kind, path = RUNS[name]
                result = replay(
                    kind, path, ["--voting", "best", *extra], cache=Path(tmp), workers=workers
                )
                row[name] = round(result["report"]["accuracy"], 4)
            rows.append(row)
            print(json.dumps({"ablation": row}), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--only", action="append", choices=sorted(RUNS), help="runs to measure (repeatable)"
    )
    parser.add_argument(
        "--modes", default="parity,best", help="comma-separated: parity, parity-released, best"
    )
    parser.add_argument(
        "--ablation", action="store_true", help="also print the best-mode ablation table"
    )
    parser.add_argument("--no-timing", action="store_true", help="skip the timing runs")
    parser.add_argument(
        "--live",
        action="store_true",
        help="also time a live 'eval run' through 'linc serve-recorded' (LINC-format runs)",
    )
    args = parser.parse_args(argv)
    names = args.only or list(RUNS)
    results = []
    if not args.no_timing:
        for name in names:
            for mode in args.modes.split(","):
                if RUNS[name][0] == "logiclm" and mode == "parity-released":
                    continue
                row = measure(name, mode, repeat=args.repeat, workers=args.workers)
                row["load_average"] = [round(x, 2) for x in os.getloadavg()]
                print(json.dumps(row), flush=True)
                results.append(row)
                if args.live and RUNS[name][0] == "linc" and mode in ("best", "parity"):
                    row = measure_live(name, mode, repeat=args.repeat, workers=args.workers)
                    print(json.dumps(row), flush=True)
                    results.append(row)
    table = ablation(names, workers=args.workers) if args.ablation else []
    print(json.dumps({
        "machine": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
        "results": results,
        "ablation": table,
    }))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
