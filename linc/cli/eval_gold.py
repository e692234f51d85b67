"""``linc eval gold``: decide every FOLIO problem from its gold FOL.

``--dataset NAME[:split]`` (default ``folio``, its validation split) is
fetched from the catalogue and verified when no ``--path`` is given; the JSON
carries the data decided under ``dataset`` (name, split, sha256, problems).
"""

from __future__ import annotations

import argparse
import json

from linc.cli import megabytes, nonnegative_int, positive_int
from linc.cli.datasets import add_dataset_arguments, open_from_args
from linc.cli.options import (
    add_executor_options,
    add_settings_options,
    executor_from,
    settings_from,
)
from linc.results import MAX_MEMORY_MB, Limits


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gold", help="decide each problem from its gold FOL and compare with the gold label"
    )
    add_dataset_arguments(
        parser,
        default="folio",
        path_help="read this file instead of the catalogue's: folio-validation.jsonl "
        "(FOLIO v0), or your own JSON lines with premises_fol and conclusion_fol",
    )
    parser.add_argument(
        "--memory",
        type=megabytes,
        default=2048,
        metavar="MB",
        help=f"memory per prover call, 1 to {MAX_MEMORY_MB} (default 2048)",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="repair slips in the gold FOL (the best preset does; this forces it under linc)",
    )
    parser.add_argument(
        "--syntax",
        default="unicode",
        help="syntax of the gold FOL: unicode (default, as FOLIO writes it), nltk, "
        "nltk-strict, lean or auto",
    )
    parser.add_argument(
        "--limit",
        type=nonnegative_int,
        default=None,
        metavar="N",
        help="first N problems only (N >= 0)",
    )
    parser.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help="problems decided at once, >= 1 (default: CPUs)",
    )
    parser.add_argument(
        "--all", action="store_true", help="include every problem's outcome in the JSON"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_executor_options(parser)
    add_settings_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.evals.gold import check_gold

    where = executor_from(args)
    opened = open_from_args(args, verb="decide")
    report = check_gold(
        opened.problems,
        settings=settings_from(args, repair=True if args.repair else None),
        limits=Limits(seconds=settings_from(args).prover_timeout, memory_mb=args.memory),
        syntax=args.syntax,
        workers=args.workers,
        keep_outcomes=args.all,
        **where,
    )
    data = opened.info.model_copy(update={"n": report.n})
    if args.json:
        dumped = report.model_dump(mode="json", exclude_none=True)
        dumped["dataset"] = data.model_dump(mode="json")
        dumped["skipped_rows"] = [str(row) for row in opened.skipped]
        print(json.dumps(dumped, indent=2, ensure_ascii=False))
        return 0
    split = f":{data.split}" if data.split else ""
    print(
        f"{report.agree}/{report.n} agree with the gold label "
        f"({', '.join(report.backends)}; {report.seconds:.1f} s)"
    )
    print(f"  dataset: {data.name}{split}, sha256 {data.sha256}")
    for label, count in report.per_label.items():
        print(f"  {label}: {count.agree}/{count.n}")
    if len(report.backends) > 1:
        print(f"  backends disagree on {len(report.backends_disagree)} problems")
    print(
        f"  errors: {report.errors}, inconsistent: {len(report.inconsistent)}, "
        f"timed out: {len(report.timed_out)}"
    )
    for o in report.disagreements:
        reason = f"  ({o.error})" if o.error else ""
        flags = " inconsistent" if o.inconsistent else ""
        flags += " timed-out" if o.timed_out else ""
        print(f"  {o.id}: gold {o.gold.value if o.gold else '-'}, got {o.got.value}{flags}{reason}")
    return 0
