"""``linc eval plot``: accuracy against samples voted, and sample outcomes, for runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from linc.cli.options import Deprecated
from linc.errors import ConfigError
from linc.voting import POLICIES

if TYPE_CHECKING:
    from linc.evals.curves import Curves

FIGURE_SUFFIXES = (".png", ".pdf", ".svg")
PLOT_INSTALL_HINT = "pip install 'linc[plot]'"
VERDICT_COLOURS = {"True": "#4c9a2a", "False": "#c0392b", "Uncertain": "#9e9e9e"}
ERROR_COLOURS = ("#f39c12", "#8e44ad", "#2980b9", "#16a085", "#d35400", "#7f8c8d", "#34495e")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "plot",
        help="accuracy against the number of samples voted, and sample outcomes, per run",
        description=(
            "Re-vote each run's recorded samples with the first 1, 2, ... k of them "
            "(no prover runs) and show accuracy against samples voted, with the runs' "
            "sample outcomes (True/False/Uncertain/Error by cause). Each DIR is the --out "
            "folder of 'linc eval replay' or 'linc eval run'. Without --out, prints a table."
        ),
    )
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="a run's --out folder")
    p.add_argument(
        "--out",
        type=Path,
        metavar="FIG",
        help="write the figure (.png, .pdf or .svg; needs matplotlib)",
    )
    p.add_argument(
        "--voting",
        choices=POLICIES,
        help="vote policy to re-vote with (default: each run's own, else linc)",
    )
    p.add_argument("--policy", choices=POLICIES, dest="voting", action=Deprecated, use="--voting")
    p.add_argument("--json", action="store_true", help="print the curves as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.evals.curves import compare_runs

    if args.out is not None and args.out.suffix.lower() not in FIGURE_SUFFIXES:
        raise ConfigError(f"--out {args.out}: the figure must end in {', '.join(FIGURE_SUFFIXES)}")
    curves = compare_runs(args.dirs, policy=args.voting)
    if args.out is not None:
        draw(curves, args.out)
    if args.json:
        print(json.dumps(curves.model_dump(mode="json"), ensure_ascii=False, indent=2))
    elif args.out is None:
        print(table(curves))
    else:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def table(curves: Curves) -> str:
    """Samples voted → accuracy per run, as a Markdown table."""
    runs = curves.runs
    lines = [
        "| samples voted | " + " | ".join(f"{r.label} [{r.policy}]" for r in runs) + " |",
        "|---" * (len(runs) + 1) + "|",
    ]
    for j in range(1, max((r.samples for r in runs), default=0) + 1):
        cells = [f"{r.points[j - 1].accuracy:.4f}" if j <= len(r.points) else "–" for r in runs]
        lines.append(f"| {j} | " + " | ".join(cells) + " |")
    reported = [
        f"{r.reported_accuracy:.4f}" if r.reported_accuracy is not None else "–" for r in runs
    ]
    lines.append("| report.json | " + " | ".join(reported) + " |")
    return "\n".join(lines)


def draw(curves: Curves, path: Path) -> None:
    """Write the two-panel figure to ``path`` (format from its suffix)."""
    try:
        import matplotlib
    except ImportError:
        raise ConfigError(f"plotting needs matplotlib: {PLOT_INSTALL_HINT}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = curves.runs
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [3, 2]}, layout="constrained"
    )
    for number, r in enumerate(runs, start=1):
        xs = [p.samples for p in r.points]
        label = f"{number}. {r.label} [{r.policy}]"
        left.plot(xs, [p.accuracy for p in r.points], marker="o", label=label)
    left.set_xlabel("samples voted per problem")
    left.set_ylabel("accuracy")
    left.set_title("Accuracy against samples voted")
    left.xaxis.get_major_locator().set_params(integer=True)
    left.grid(alpha=0.3)
    left.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15))

    causes = sorted({c for r in runs for c in r.outcomes.errors})
    parts = [(v, v, VERDICT_COLOURS[v]) for v in VERDICT_COLOURS]
    parts += [
        (f"Error: {c}", c, ERROR_COLOURS[i % len(ERROR_COLOURS)]) for i, c in enumerate(causes)
    ]
    positions = range(len(runs))
    bottoms = [0.0] * len(runs)
    for name, key, colour in parts:
        shares = [
            (r.outcomes.verdicts if key in VERDICT_COLOURS else r.outcomes.errors).get(key, 0)
            / (r.outcomes.total or 1)
            for r in runs
        ]
        right.bar(positions, shares, bottom=bottoms, color=colour, label=name)
        bottoms = [b + s for b, s in zip(bottoms, shares)]
    right.set_xticks(list(positions), [str(n) for n in range(1, len(runs) + 1)])
    right.set_xlabel("run (numbered as in the legend)")
    right.set_ylabel("share of samples")
    right.set_ylim(0, 1)
    right.set_title("Sample outcomes")
    right.legend(fontsize="small", loc="center left", bbox_to_anchor=(1.0, 0.5))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
