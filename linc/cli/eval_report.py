"""``linc eval report``: the run explorer, one self-contained HTML file per run (or two runs).

Also ``--html`` for ``eval run`` and ``eval replay`` (``add_html_option``,
``write_html``): the same page, written once the run has finished.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from linc.errors import ConfigError

REPORT_HTML = "report.html"
"""The page's name in a run's ``--out`` folder when ``--html`` names no file."""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="the run explorer: one self-contained HTML page of a run (or two runs)",
        description=(
            "Write one HTML file (CSS, script and data inline; it loads nothing from the "
            "network) that shows a run: config, accuracy with its 95%% CI, confusion, errors "
            "by cause, accuracy against samples voted, risk-coverage by the vote's margin, "
            "and every problem with its samples' formulas, verdicts, repairs, evidence and "
            "vote, with filters and search. With DIR_B, also the problems that flipped "
            "between the runs and McNemar's exact p. Each DIR is the --out folder of "
            "'linc eval replay' or 'linc eval run'."
        ),
    )
    p.add_argument("dir_a", type=Path, metavar="DIR", help="the run's --out folder")
    p.add_argument(
        "dir_b", type=Path, nargs="?", metavar="DIR_B", help="a second run to compare with"
    )
    p.add_argument(
        "--out",
        type=Path,
        help=f"the HTML file to write (default: DIR/{REPORT_HTML})",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.evals.explorer import write_explorer

    out = args.out if args.out is not None else args.dir_a / REPORT_HTML
    path = write_explorer(args.dir_a, out, args.dir_b)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def add_html_option(parser: argparse.ArgumentParser) -> None:
    """``--html [FILE]`` for a command that writes a run folder (``--out``)."""
    parser.add_argument(
        "--html",
        nargs="?",
        const="",
        metavar="FILE",
        help=f"also write the run explorer page (default: OUT/{REPORT_HTML}; needs --out)",
    )


def check_html(args: argparse.Namespace) -> None:
    """Refuse ``--html`` without ``--out`` before the run starts."""
    if getattr(args, "html", None) is not None and args.out is None:
        raise ConfigError("--html needs --out: the page is made from the run's records")


def write_html(args: argparse.Namespace) -> None:
    """Write the page of the finished run when ``--html`` was given."""
    if getattr(args, "html", None) is None or args.out is None:
        return
    from linc.evals.explorer import write_explorer

    out = Path(args.html) if args.html else args.out / REPORT_HTML
    path = write_explorer(args.out, out)
    print(f"wrote {path}", file=sys.stderr)
