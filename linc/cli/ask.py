"""``linc ask``: premises and a conclusion in natural language, a voted answer out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from linc.cli.options import add_llm_options, reasoner_from
from linc.results import Verdict


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="answer True/False/Uncertain for premises and a conclusion, through an LLM and provers",
        description="Translate premises and conclusion into logic k times with an LLM, decide each "
        "translation with provers, and vote. Without --model/--base-url the embedded Gemma 3 270M "
        "model runs in-process (extra 'local').",
    )
    parser.add_argument(
        "--premise", "-p", action="append", required=True, help="a premise (repeat)"
    )
    parser.add_argument("--conclusion", "-c", required=True, help="the statement to judge")
    parser.add_argument("--json", action="store_true", help="print the answer as JSON")
    add_llm_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    reasoner = reasoner_from(args)
    if sys.stderr.isatty():
        from rich.console import Console

        what = (
            f"{reasoner.config.k} translation(s) from {reasoner.config.model_id}, then the provers"
        )
        with Console(stderr=True).status(what):
            answer = reasoner.ask(args.premise, args.conclusion)
    else:
        answer = reasoner.ask(args.premise, args.conclusion)
    if args.json:
        print(json.dumps(answer_json(answer, reasoner), ensure_ascii=False, indent=2))
    else:
        print(explain(answer, args.premise, args.conclusion))
    return 0


def answer_json(answer: Any, reasoner: Any) -> dict[str, Any]:
    """``label``, ``votes``, the preset, one entry per sample, tokens and cost."""
    samples = []
    for record, translation in zip(answer.records, answer.translations):
        samples.append(
            {
                **record.model_dump(mode="json"),
                "premises": translation.premises,
                "conclusion": translation.conclusion,
                "completion": translation.completion,
                "attempts": len(translation.attempts),
                "cached": translation.cached,
            }
        )
    return {
        "label": answer.label.value,
        "votes": {v.value: c for v, c in answer.votes.items()},
        "margin": answer.margin,
        "preset": answer.preset,
        "policy": answer.policy,
        "settings": reasoner.settings.model_dump(mode="json"),
        "samples": samples,
        "winners": answer.winners,
        "abstained": answer.abstained,
        "evidence": answer.evidence,
        "inconsistent": answer.inconsistent,
        "model": answer.model,
        "target": answer.target,
        "tokens": answer.tokens.model_dump(),
        "cost": answer.cost,
        "requests": answer.requests,
        "seconds": round(answer.seconds, 3),
    }


def explain(answer: Any, premises: list[str], conclusion: str) -> str:
    """A human explanation: label, votes, the winning translation and its proof or countermodel."""
    k = len(answer.samples)
    votes = ", ".join(
        f"{v.value} {c}" for v, c in sorted(answer.votes.items(), key=lambda item: -item[1])
    )
    lines = [f"Answer: {answer.label.value}"]
    lines.append(
        f"Votes: {votes or 'none'} ({k} samples from {answer.model}; preset {answer.preset}, "
        f"vote {answer.policy})"
    )
    if answer.abstained:
        numbers = ", ".join(str(i + 1) for i in answer.abstained)
        lines.append(f"Abstained (inconsistent premises prove anything): sample(s) {numbers}")
    if answer.tie:
        lines.append(
            f"Tie between {', '.join(v.value for v in answer.tied)}: the first in sample order wins."
        )
    winner = answer.winning
    if winner is not None:
        index = answer.winners[0]
        lines.append("")
        lines.append(f"Winning translation (sample {index + 1}):")
        width = min(60, max(len(s) for s in [*premises, conclusion]))
        for number, (sentence, formula) in enumerate(zip(premises, winner.premises), start=1):
            lines.append(f"  {number}. {_clip(sentence, width):<{width}}  {formula}")
        if len(winner.premises) != len(premises):
            lines.append(
                f"  ({len(winner.premises)} premise formulas decided for {len(premises)} premises)"
            )
        lines.append(f"  ⊢  {_clip(conclusion, width):<{width}}  {winner.conclusion}")
        evidence = answer.details[index] if index < len(answer.details) else ""
        if evidence:
            lines.append(f"Why: {_why(evidence)}")
    elif answer.label is Verdict.ERROR:
        lines.append("No sample gave a verdict.")
    lines.append("")
    lines.append("Samples:")
    for i, verdict in enumerate(answer.samples):
        translation = answer.translations[i]
        extra = []
        if len(translation.attempts) > 1:
            extra.append(f"{len(translation.attempts) - 1} re-ask(s)")
        if i in answer.abstained:
            extra.append("inconsistent premises: abstained")
        repairs = answer.records[i].repairs if i < len(answer.records) else ()
        if repairs:
            extra.append(f"repairs: {', '.join(sorted(set(repairs)))}")
        if answer.errors[i] is not None:
            extra.append(
                f"{answer.errors[i].value}: {_clip(answer.details[i].splitlines()[0] if answer.details[i] else '', 100)}"
            )
        note = f"  ({'; '.join(extra)})" if extra else ""
        lines.append(f"  {i + 1}. {verdict.value}{note}")
    if answer.inconsistent:
        lines.append(
            "Note: some sample's premises are inconsistent (both the conclusion and its negation follow)."
        )
    cost = "" if answer.cost is None else f", cost ${answer.cost:.4f}"
    lines.append(
        f"Tokens: {answer.tokens.prompt} prompt + {answer.tokens.completion} completion{cost}; "
        f"{answer.requests} request{'' if answer.requests == 1 else 's'}; {answer.seconds:.1f} s"
    )
    return "\n".join(lines)


def _why(evidence: str) -> str:
    text = evidence.replace("premises [", "premise indices [")
    return _number_premises(text)


def _number_premises(text: str) -> str:
    """Turn 0-based premise indices into the 1-based numbers shown above."""
    import re

    match = re.search(r"premise indices \[([0-9, ]*)\]", text)
    if not match:
        return text
    numbers = [str(int(n) + 1) for n in match.group(1).replace(" ", "").split(",") if n]
    return text[: match.start()] + "premises " + ", ".join(numbers) + text[match.end() :]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: linc ask")
