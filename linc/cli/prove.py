"""``linc prove``: decide premises ⊢ conclusion and show the evidence."""

from __future__ import annotations

import argparse
import json

from linc.cli.options import Deprecated
from linc.decide import Decision, decide
from linc.results import Limits, ProofResult, ProofStatus


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "prove", help="decide whether premises make a conclusion True, False or Uncertain"
    )
    parser.add_argument(
        "--premise",
        "-p",
        action="append",
        default=[],
        metavar="FORMULA",
        help="a premise (repeat for several)",
    )
    parser.add_argument("--conclusion", "-c", required=True, metavar="FORMULA")
    parser.add_argument(
        "--backend",
        "-b",
        action="append",
        metavar="NAME",
        help="backend to use (repeat, or comma-separate, for an ensemble; default prover9)",
    )
    parser.add_argument(
        "--prover-timeout", type=float, default=10.0, help="seconds per prover call (default 10)"
    )
    parser.add_argument(
        "--timeout", dest="prover_timeout", type=float, action=Deprecated, use="--prover-timeout"
    )
    parser.add_argument(
        "--memory", type=int, default=2048, metavar="MB", help="memory per prover call"
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
    decision = decide(
        args.premise,
        args.conclusion,
        backend=backends_from(args.backend),
        limits=Limits(seconds=args.prover_timeout, memory_mb=args.memory),
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
