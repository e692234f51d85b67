"""``linc translate``: print the exact input a prover would get."""

from __future__ import annotations

import argparse

from linc.cli import seconds
from linc.cli.prove import add_formula_options, naming_formula
from linc.ir import Formula, Not, check_arities
from linc.results import MAX_SECONDS, Limits

TARGETS = ("prover9", "tptp", "z3", "lean")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate", help="print the prover input for premises ⊢ conclusion"
    )
    parser.add_argument("--to", required=True, choices=TARGETS, help="target prover syntax")
    add_formula_options(parser)
    parser.add_argument(
        "--negate", action="store_true", help="the other direction: premises ⊢ ¬conclusion"
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help=f"Prover9's max_seconds, > 0 and <= {MAX_SECONDS:g} (default 10)",
    )
    parser.add_argument(
        "--syntax", default="auto", help="formula syntax: auto, nltk, unicode, lean"
    )
    parser.add_argument("--repair", action="store_true", help="repair common slips in the formulas")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.parsers import parse

    def read_all() -> tuple[list[Formula], Formula]:
        premises = [parse(p, syntax=args.syntax, repair=args.repair) for p in args.premise]
        return premises, parse(args.conclusion, syntax=args.syntax, repair=args.repair)

    premises, goal = naming_formula(
        read_all, args.premise, args.conclusion, syntax=args.syntax, repair=args.repair
    )
    check_arities([*premises, goal])
    if args.negate:
        goal = Not(goal)
    print(translate(premises, goal, to=args.to, limits=Limits(seconds=args.timeout)), end="")
    return 0


def translate(premises: list[Formula], goal: Formula, *, to: str, limits: Limits) -> str:
    """The prover input text for ``premises ⊢ goal`` in the ``to`` syntax."""
    if to == "prover9":
        from linc.backends.prover9 import format_problem

        return format_problem(premises, goal, limits=limits)
    if to == "tptp":
        from linc.backends.eprover import format_problem as tptp

        return tptp(premises, goal)
    if to == "z3":
        from linc.backends.z3 import format_smt2

        return format_smt2(premises, goal)
    if to == "lean":
        from linc.backends.lean import format_theorem

        return format_theorem(premises, goal)
    raise ValueError(f"unknown target {to!r}; choose from {', '.join(TARGETS)}")
