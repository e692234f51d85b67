"""Grammar-constrained decoding: how many samples parse with and without the GBNF grammar.

Runs N ProofWriter problems (Logic-LM dev split) through the LLM semantic
parser twice, once with our FOL grammar and once without, one sample per
problem, no re-asks and no cache, and prints JSON: the share of samples whose
every formula parses, the share that also passes the arity check, the
accuracy of the voted answer (Gemma 270M: expect little), completion tokens
per second and seconds per problem (median and mean), and the machine.

Usage::

    python benchmarks/llm.py [--n 20] [--k 1] [--path ../shared/data/logiclm/ProofWriter/dev.json]
                             [--base-url URL --model NAME]   # a llama.cpp server instead of in-process

Default model: the embedded Gemma 3 270M (extra ``local``).
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

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PATH = REPO.parent / "shared" / "data" / "logiclm" / "ProofWriter" / "dev.json"


def measure(problems: list, *, grammar: str, args: argparse.Namespace) -> dict:
    from linc.config import resolve_config
    from linc.parsers.llm import Failure
    from linc.reasoner import Reasoner

    config = resolve_config(
        model=args.model,
        base_url=args.base_url,
        k=args.k,
        grammar=grammar,
        repair_rounds=0,
        shots=args.shots,
        max_tokens=args.max_tokens,
        temperature=args.temperature,
    )
    reasoner = Reasoner(config=config, base_url=args.base_url, cache=False)
    samples = parsed = clean = correct = 0
    tokens = 0
    generation_seconds = 0.0
    per_problem: list[float] = []
    failures: dict[str, int] = {}
    for problem in problems:
        start = time.perf_counter()
        answer = reasoner.ask(problem.premises, problem.conclusion)
        per_problem.append(time.perf_counter() - start)
        print(
            f"[{grammar}] {len(per_problem)}/{len(problems)} {per_problem[-1]:.1f}s",
            file=sys.stderr,
            flush=True,
        )
        correct += answer.label is problem.label
        for t in answer.translations:
            samples += 1
            parsed += t.failure not in (Failure.PARSE, Failure.NO_FORMULAS, Failure.REQUEST)
            clean += t.ok
            if t.failure is not None:
                failures[t.failure.value] = failures.get(t.failure.value, 0) + 1
            tokens += t.completion_tokens
            generation_seconds += sum(a.seconds for a in t.attempts)
    return {
        "grammar": grammar,
        "model": config.model_id,
        "samples": samples,
        "parse_share": parsed / samples if samples else 0.0,
        "parse_and_arity_share": clean / samples if samples else 0.0,
        "failures": failures,
        "accuracy": correct / len(problems) if problems else 0.0,
        "completion_tokens": tokens,
        "tokens_per_second": tokens / generation_seconds if generation_seconds else 0.0,
        "seconds_per_problem_median": statistics.median(per_problem) if per_problem else 0.0,
        "seconds_per_problem_mean": statistics.fmean(per_problem) if per_problem else 0.0,
        "seconds_total": sum(per_problem),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--n", type=int, default=20, help="problems (the first N)")
    parser.add_argument("--k", type=int, default=1, help="samples per problem")
    parser.add_argument("--shots", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=1536)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--model")
    parser.add_argument("--base-url")
    parser.add_argument("--modes", default="on,off", help="grammar modes to run, in order")
    args = parser.parse_args(argv)
    if not args.path.is_file():
        print(json.dumps({"skipped": f"{args.path} not found"}))
        return 0

    from linc.evals.datasets import load_dataset

    problems = load_dataset("proofwriter", args.path, limit=args.n)
    results = [measure(problems, grammar=mode, args=args) for mode in args.modes.split(",")]
    print(
        json.dumps(
            {
                "benchmark": "llm-grammar",
                "dataset": str(args.path),
                "problems": len(problems),
                "k": args.k,
                "shots": args.shots,
                "machine": {
                    "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
                "results": results,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
