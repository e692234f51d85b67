"""Parser benchmark and acceptance figures; prints one JSON object.

    .venv/bin/python benchmarks/parse.py [--data ../shared/data] [--repeat 5] [--no-acceptance]
                                         [--engine compiled|pure]

- ``speed``: lines per second (and the parsing engine), ours (``syntax="nltk"``) against NLTK's
  ``Expression.fromstring``, on the distinct ``FOL:`` lines of LINC's
  recorded generations (median of ``--repeat`` runs, with the ratio), by
  process CPU time and by wall time. ``--engine pure`` times lark's
  pure-Python parser (what platforms without a lark-cython wheel run)
  instead of the compiled one.
- ``scaling``: CPU and wall time (medians) and peak traced memory to parse a conjunction
  of 1 000 / 10 000 / 100 000 atoms and 1 000 / 10 000 / 100 000-deep
  nestings (parentheses, negations, nested implications). There is no depth
  cap: every nesting parses to a formula.
- ``acceptance``: FOLIO v0 gold strings parsed as unicode (without and with
  repair, and round trips), LINC's lines read by us and by NLTK (with the
  disagreement categories), Logic-LM programs parsed per file.

Timings depend on the machine, which is named in the output.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from linc import ParseError, parse, read, render
from linc.evals.corpora import folio_gold_strings, linc_fol_lines, logiclm_formulas
from linc.parsers import RenderError, grammar

REPO = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ timing


def _median_seconds(
    run: Callable[[], object], repeat: int, *, clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        run()
        times.append(clock() - start)
    return statistics.median(times)


def _peak_bytes(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _attempt(text: str, syntax: str) -> Callable[[], str]:
    def run() -> str:
        try:
            parse(text, syntax=syntax)
            return "formula"
        except ParseError:
            return "ParseError"

    return run


def speed(lines: list[str], repeat: int) -> dict[str, Any]:
    from nltk.sem.logic import Expression

    def ours() -> None:
        for line in lines:
            try:
                parse(line, syntax="nltk")
            except ParseError:
                pass

    def theirs() -> None:
        for line in lines:
            try:
                Expression.fromstring(line)
            except Exception:  # noqa: BLE001, S110 - NLTK raises several kinds
                pass

    parse("P", syntax="nltk")  # build the parsers outside the timing
    out: dict[str, Any] = {
        "lines": len(lines),
        "repeat": repeat,
        "engine": "lark-cython"
        if grammar.COMPILED and grammar.use_compiled
        else "lark (pure Python)",
    }
    # CPU time of this process is the fair clock on a shared machine; wall
    # time is given too
    for label, clock in (("cpu", time.process_time), ("wall", time.perf_counter)):
        t_ours = _median_seconds(ours, repeat, clock=clock)
        t_nltk = _median_seconds(theirs, repeat, clock=clock)
        out[label] = {
            "ours_lines_per_s": round(len(lines) / t_ours, 1),
            "nltk_lines_per_s": round(len(lines) / t_nltk, 1),
            "ratio": round(t_nltk / t_ours, 2),
        }
    return out


def scaling(repeat: int, sizes: tuple[int, ...]) -> dict[str, Any]:
    shapes: dict[str, Callable[[int], str]] = {
        "conjunction": lambda n: " & ".join(f"P{i}(a)" for i in range(n)),
        "parentheses": lambda n: "(" * n + "P(a)" + ")" * n,
        "negations": lambda n: "-" * n + "P(a)",
        "nested_implications": lambda n: "".join(f"(P{i}(a) -> " for i in range(n)) + "Q" + ")" * n,
    }
    out: dict[str, Any] = {}
    for name, make in shapes.items():
        rows = []
        for n in sizes:
            text = make(n)
            run = _attempt(text, "nltk")
            outcome = run()
            rows.append(
                {
                    "n": n,
                    "chars": len(text),
                    "outcome": outcome,
                    "cpu_seconds": round(_median_seconds(run, repeat, clock=time.process_time), 4),
                    "wall_seconds": round(_median_seconds(run, repeat), 4),
                    "peak_mib": round(_peak_bytes(run) / 2**20, 2),
                }
            )
        for a, b in itertools.pairwise(rows):
            b["cpu_ratio_to_previous"] = (
                round(b["cpu_seconds"] / a["cpu_seconds"], 2) if a["cpu_seconds"] else None
            )
        out[name] = rows
    return out


# -------------------------------------------------------------- acceptance


def acceptance(data: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    folio = data / "folio-v0"
    if folio.is_dir():
        strings = folio_gold_strings(folio)
        ok, failed, round_trip_failures = 0, [], 0
        for text in strings:
            try:
                f = parse(text, syntax="unicode")
            except ParseError:
                failed.append(text)
                continue
            ok += 1
            round_trip_failures += parse(render(f, syntax="unicode"), syntax="unicode") != f
        repaired, kinds = 0, {}
        for text in failed:
            try:
                parsed = read(text, syntax="unicode", repair=True)
            except ParseError:
                continue
            repaired += 1
            for r in parsed.repairs:
                kinds[r.kind] = kinds.get(r.kind, 0) + 1
        out["folio_gold_unicode"] = {
            "strings": len(strings),
            "parsed": ok,
            "parsed_with_repair_extra": repaired,
            "repair_kinds": kinds,
            "unparsed": len(failed) - repaired,
            "unparsed_empty": sum(1 for t in failed if not t.strip()),
            "round_trip_failures": round_trip_failures,
        }
    linc_files = sorted((data / "recorded" / "linc").glob("*_generations_raw.json"))
    if linc_files:
        out["linc_fol_lines"] = _linc_against_nltk(linc_files)
    logiclm = sorted((data / "recorded" / "logiclm").glob("*.json"))
    rows = {}
    for path in logiclm:
        formulas = logiclm_formulas(path)
        ok = 0
        for text in formulas:
            try:
                parse(text, syntax="unicode")
                ok += 1
            except ParseError:
                pass
        rows[path.name] = {
            "formulas": len(formulas),
            "parsed": ok,
            "share": round(ok / len(formulas), 4),
        }
    if rows:
        out["logiclm_programs_unicode"] = rows
    return out


def _linc_against_nltk(files: list[Path]) -> dict[str, Any]:
    from nltk.sem.logic import Expression

    sys.path.insert(0, str(REPO / "tests"))
    from test_parse_data import _nltk_first_order  # the same rule the test applies

    def nltk_read(text: str) -> object | None:
        try:
            return Expression.fromstring(text)
        except Exception:  # noqa: BLE001
            return None

    all_lines = [line for path in files for line in linc_fol_lines(path)]
    lines = sorted(set(all_lines))
    c = {
        k: 0
        for k in (
            "nltk",
            "ours",
            "both",
            "ours_only",
            "nltk_only",
            "nltk_only_first_order",
            "agree",
            "tilde_as_negation",
            "nltk_reading_not_first_order",
            "disagree",
            "round_trip_failures",
        )
    }
    ours_by_line: dict[str, bool] = {}
    nltk_by_line: dict[str, bool] = {}
    for line in lines:
        theirs = nltk_read(line)
        try:
            ours = parse(line, syntax="nltk")
        except ParseError:
            ours = None
        ours_by_line[line] = ours is not None
        nltk_by_line[line] = theirs is not None
        if ours is not None:
            c["ours"] += 1
            try:
                c["round_trip_failures"] += (
                    parse(render(ours, syntax="nltk"), syntax="nltk") != ours
                )
            except (ParseError, RenderError):
                c["round_trip_failures"] += 1
        if theirs is None:
            c["ours_only"] += ours is not None
            continue
        c["nltk"] += 1
        if ours is None:
            c["nltk_only"] += 1
            c["nltk_only_first_order"] += _nltk_first_order(theirs)
            continue
        c["both"] += 1
        mine = nltk_read(render(ours, syntax="nltk"))
        if mine == theirs:
            c["agree"] += 1
        elif ("~" in line or "¬" in line) and mine == nltk_read(
            line.replace("~", "-").replace("¬", "-")
        ):
            c["tilde_as_negation"] += 1
        elif not _nltk_first_order(theirs):
            c["nltk_reading_not_first_order"] += 1
        else:
            c["disagree"] += 1
    every = {
        "lines": len(all_lines),
        "ours": sum(ours_by_line[line] for line in all_lines),
        "nltk": sum(nltk_by_line[line] for line in all_lines),
    }
    return {"distinct_lines": len(lines), **c, "all_lines": every}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("LINC_SHARED_DATA", REPO.parent / "shared" / "data")),
    )
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--no-acceptance", action="store_true")
    ap.add_argument(
        "--engine",
        choices=("compiled", "pure"),
        default="compiled" if grammar.COMPILED else "pure",
        help="lark-cython's compiled parser (when installed) or lark's pure-Python one",
    )
    args = ap.parse_args(argv)
    grammar.use_compiled = args.engine == "compiled"
    result: dict[str, Any] = {
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        }
    }
    files = sorted((args.data / "recorded" / "linc").glob("*_generations_raw.json"))
    if files:
        lines = sorted({line for path in files for line in linc_fol_lines(path)})
        result["speed"] = speed(lines, args.repeat)
    result["scaling"] = scaling(max(1, args.repeat // 2), tuple(args.sizes))
    if not args.no_acceptance:
        result["acceptance"] = acceptance(args.data)
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
