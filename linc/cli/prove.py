"""``linc prove``: decide premises ⊢ conclusion and show the evidence."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

from linc.cli import megabytes, seconds
from linc.cli.options import Deprecated
from linc.decide import Decision, decide
from linc.errors import ParseError
from linc.results import MAX_MEMORY_MB, MAX_SECONDS, Limits, ProofResult, ProofStatus

_T = TypeVar("_T")

FORMULA_HELP = (
    "a formula that starts with '-' (a negation) is joined to its option with '=': "
    "-c=-P(a), --premise=-Q(b)"
)


class FormulaError(ParseError):
    """A formula given on the command line that does not read; ``where`` names it
    (``premise 2``, ``conclusion``)."""

    def __init__(self, where: str, exc: ParseError) -> None:
        self.where = where
        super().__init__(
            exc.reason, text=exc.text, line=exc.line, column=exc.column, expected=exc.expected
        )

    def _render(self) -> str:
        return f"{self.where}: {super()._render()}"


def add_formula_options(parser: argparse.ArgumentParser) -> None:
    """``--premise``/``-p`` (repeated) and ``--conclusion``/``-c``."""
    parser.add_argument(
        "--premise",
        "-p",
        action="append",
        default=[],
        metavar="FORMULA",
        help=f"a premise (repeat for several); {FORMULA_HELP}",
    )
    parser.add_argument(
        "--conclusion",
        "-c",
        required=True,
        metavar="FORMULA",
        help=f"the conclusion; {FORMULA_HELP}",
    )


def naming_formula(
    action: Callable[[], _T], premises: Sequence[str], conclusion: str, *, syntax: str, repair: bool
) -> _T:
    """``action()``; a ``ParseError`` it raises names the premise (by number) or the
    conclusion that does not read (found by reading each again, only on an error)."""
    from linc.parsers import read

    try:
        return action()
    except ParseError as exc:
        if isinstance(exc, FormulaError):
            raise
        named = [(f"premise {i}", text) for i, text in enumerate(premises, 1)]
        for where, text in [*named, ("conclusion", conclusion)]:
            try:
                read(text, syntax=syntax, repair=repair)
            except ParseError as found:
                raise FormulaError(where, found) from None
        raise


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prove", help="decide whether premises make a conclusion True, False or Uncertain"
    )
    add_formula_options(parser)
    parser.add_argument(
        "--backend",
        "-b",
        action="append",
        metavar="NAME",
        help="backend to use (repeat, or comma-separate, for an ensemble; default prover9)",
    )
    parser.add_argument(
        "--prover-timeout",
        type=seconds,
        default=10.0,
        metavar="S",
        help=f"seconds per prover call, > 0 and <= {MAX_SECONDS:g} (default 10)",
    )
    parser.add_argument(
        "--timeout", dest="prover_timeout", type=seconds, action=Deprecated, use="--prover-timeout"
    )
    parser.add_argument(
        "--memory",
        type=megabytes,
        default=2048,
        metavar="MB",
        help=f"memory per prover call, 1 to {MAX_MEMORY_MB} (default 2048)",
    )
    parser.add_argument(
        "--syntax", default="auto", help="formula syntax: auto, nltk, unicode, lean"
    )
    parser.add_argument("--repair", action="store_true", help="repair common slips in the formulas")
    parser.add_argument("--json", action="store_true", help="print the Decision as JSON")
    parser.set_defaults(handler=run)


def backends_from(values: list[str] | None) -> list[str]:
    """``--backend`` values, repeated and/or comma-separated."""
    names = [n.strip() for v in values or ["prover9"] for n in v.split(",") if n.strip()]
    return names or ["prover9"]


def run(args: argparse.Namespace) -> int:
    decision = naming_formula(
        lambda: decide(
            args.premise,
            args.conclusion,
            backend=backends_from(args.backend),
            limits=Limits(seconds=args.prover_timeout, memory_mb=args.memory),
            syntax=args.syntax,
            repair=args.repair,
        ),
        args.premise,
        args.conclusion,
        syntax=args.syntax,
        repair=args.repair,
    )
    if args.json:
        print(json.dumps(decision.model_dump(mode="json"), indent=2))
        return 0
    print(render(decision, args.premise))
    return 0


def render(decision: Decision, premises: list[str]) -> str:
    """A short human-readable account of a Decision."""
    flags = [
        name for name in ("inconsistent", "timed_out", "contradiction") if getattr(decision, name)
    ]
    if len(decision.backends) > 1:
        flags.append("agreement" if decision.agreement else "backends disagree")
    head = f"verdict: {decision.verdict.value}"
    if flags:
        head += f"  [{', '.join(flags)}]"
    lines = [head]
    for name in decision.backends:
        lines.append(f"  {name}: {decision.per_backend[name].value}")
        for label, result in (
            ("conclusion", decision.conclusion[name]),
            ("negation", decision.negation[name]),
        ):
            lines.append(f"    {label}: {_describe(result)}")
            if result.status is ProofStatus.PROVED and result.used_premises:
                for i in result.used_premises:
                    if i < len(premises):
                        lines.append(f"      uses premise {i + 1}: {premises[i]}")
            if result.countermodel:
                lines.extend("      " + row for row in result.countermodel.splitlines())
    for repair in decision.repairs:
        lines.append(f"  repaired: {repair}")
    lines.append(f"  ({decision.seconds:.3f} s)")
    return "\n".join(lines)


def _describe(result: ProofResult) -> str:
    text = f"{result.status.value} ({result.reason}, {result.seconds:.3f} s)"
    return (
        text
        if result.status is not ProofStatus.NOT_PROVED or not result.countermodel
        else text + ", countermodel:"
    )
