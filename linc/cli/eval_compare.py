"""``linc eval compare``: is one run really better than another? Paired statistics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from linc.evals.compare import Comparison


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compare",
        help="paired comparison of two runs: accuracies with CIs, 2x2 counts, McNemar p",
        description=(
            "Pair the problems of two runs on their id (those with a gold label in both) "
            "and show each run's accuracy with its 95%% Wilson interval, the 2x2 counts of "
            "right and wrong, the difference A - B with Newcombe's paired 95%% interval, "
            "and McNemar's exact p. Each DIR is the --out folder of 'linc eval replay' "
            "or 'linc eval run'."
        ),
    )
    p.add_argument("dir_a", type=Path, metavar="DIR_A", help="run A's --out folder")
    p.add_argument("dir_b", type=Path, metavar="DIR_B", help="run B's --out folder")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.add_argument(
        "--force",
        action="store_true",
        help="compare runs whose reports name different data (another file, split or subset)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.evals.compare import paired_comparison

    comparison = paired_comparison(args.dir_a, args.dir_b, force=args.force)
    if args.json:
        print(json.dumps(comparison.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(table(comparison))
    return 0


def _interval(ci: tuple[float, float] | None) -> str:
    return "–" if ci is None else f"[{ci[0]:.4f}, {ci[1]:.4f}]"


def table(c: Comparison) -> str:
    """The comparison as a short Markdown table."""
    rows = [
        ("paired problems", str(c.paired)),
        ("unpaired (A / B)", f"{c.a.unpaired} / {c.b.unpaired}"),
        (f"A: {c.a.label}", f"{c.a.accuracy:.4f} {_interval(c.a.accuracy_ci95)}"),
        (f"B: {c.b.label}", f"{c.b.accuracy:.4f} {_interval(c.b.accuracy_ci95)}"),
        ("both right", str(c.both_right)),
        ("only A right", str(c.only_a_right)),
        ("only B right", str(c.only_b_right)),
        ("both wrong", str(c.both_wrong)),
        ("difference A - B", f"{c.difference:+.4f} {_interval(c.difference_ci95)}"),
        ("McNemar exact p", f"{c.mcnemar_p:.4g}"),
    ]
    if c.same_data is False:
        rows.append(("data", "different (compared with --force)"))
    for side, name in ((c.a, "A"), (c.b, "B")):
        quotes = ", ".join(f"{q.expected_accuracy:.4f}" for q in side.coverage)
        if quotes:
            levels = "/".join(f"{100 * q.coverage:.0f}" for q in side.coverage)
            rows.append(
                (f"{name}: accuracy at {levels} % coverage (by margin, ties at random)", quotes)
            )
    lines = ["| | value (95 % CI) |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)
