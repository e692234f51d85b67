"""``linc ask``: premises and a conclusion in natural language, a voted answer out."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from linc.results import Verdict
from linc.voting import POLICIES


def add_llm_options(parser: argparse.ArgumentParser, *, default_k: int = 3) -> None:
    """Options shared by ``ask`` and ``eval run``: the model and how to sample it."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--k", type=int, default=default_k, help=f"samples per problem (default {default_k})"
    )
    group.add_argument(
        "--model",
        help="model name (default: the embedded Gemma 3 270M; $LINC_MODEL); 'embedded' forces the embedded one",
    )
    group.add_argument(
        "--base-url",
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM, Ollama); "
        "default OpenAI when --model is given; key from $OPENAI_API_KEY",
    )
    group.add_argument(
        "--api-key-env", help="environment variable holding the API key (default OPENAI_API_KEY)"
    )
    group.add_argument(
        "--target", choices=["fol", "lean"], default="fol", help="logic the model writes"
    )
    group.add_argument(
        "--shots", type=int, help="worked examples in the prompt, 0-8 (default 8; 2 for embedded)"
    )
    group.add_argument("--temperature", type=float, help="sampling temperature (default 0.8)")
    group.add_argument("--max-tokens", type=int, help="completion token limit (default 1024)")
    group.add_argument(
        "--seed", type=int, help="seed of sample 0; sample i uses seed+i (default 0)"
    )
    group.add_argument(
        "--grammar",
        choices=["auto", "on", "off"],
        help="GBNF-constrained decoding: auto = embedded model only; on = also send it to the server (llama.cpp)",
    )
    group.add_argument(
        "--repair-rounds",
        type=int,
        help="re-asks with the error when a sample fails to parse (default 1)",
    )
    group.add_argument("--timeout", type=float, help="seconds per request (default 300)")
    group.add_argument(
        "--max-retries", type=int, help="retries per request on 429/5xx/timeouts (default 5)"
    )
    group.add_argument("--concurrency", type=int, help="requests in flight at once (default 4)")
    group.add_argument("--price-in", type=float, help="USD per 1M prompt tokens, for the cost")
    group.add_argument("--price-out", type=float, help="USD per 1M completion tokens, for the cost")
    group.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the request and proof caches",
    )
    provers = parser.add_argument_group("provers and vote")
    provers.add_argument(
        "--backend",
        action="append",
        dest="backends",
        help="prover to use (repeat for an ensemble; default prover9)",
    )
    provers.add_argument(
        "--prover-timeout", type=float, default=10.0, help="seconds per prover call (default 10)"
    )
    provers.add_argument("--voting", default="linc", choices=POLICIES, help="vote policy")
    provers.add_argument(
        "--uncertain-weight",
        type=float,
        help="what an Uncertain vote counts under --voting best (default 0.1)",
    )


def reasoner_from(args: argparse.Namespace) -> Any:
    """A ``Reasoner`` built from the parsed options."""
    from linc.config import resolve_config
    from linc.reasoner import Reasoner

    config = resolve_config(
        model=args.model,
        base_url=args.base_url,
        k=args.k,
        target=args.target,
        api_key_env=args.api_key_env,
        shots=args.shots,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=args.seed,
        grammar=args.grammar,
        repair_rounds=args.repair_rounds,
        timeout=args.timeout,
        max_retries=args.max_retries,
        concurrency=args.concurrency,
        price_in=args.price_in,
        price_out=args.price_out,
    )
    return Reasoner(
        config=config,
        base_url=args.base_url,
        backends=args.backends or ["prover9"],
        voting=args.voting,
        uncertain_weight=args.uncertain_weight,
        prover_timeout=args.prover_timeout,
        cache=not args.no_cache,
    )


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
    """``label``, ``votes``, one entry per sample, tokens and cost."""
    samples = []
    for i, translation in enumerate(answer.translations):
        samples.append(
            {
                "index": i,
                "verdict": answer.samples[i].value,
                "error": answer.errors[i].value if answer.errors[i] else None,
                "detail": answer.details[i] if i < len(answer.details) else "",
                "premises": translation.premises,
                "conclusion": translation.conclusion,
                "completion": translation.completion,
                "attempts": len(translation.attempts),
                "repairs": translation.repairs,
                "cached": all(a.cached for a in translation.attempts)
                if translation.attempts
                else False,
            }
        )
    return {
        "label": answer.label.value,
        "votes": {v.value: c for v, c in answer.votes.items()},
        "policy": answer.policy,
        "samples": samples,
        "winners": answer.winners,
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
        f"Votes: {votes or 'none'} ({k} samples from {answer.model}, vote policy {answer.policy})"
    )
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
                f"  (the model wrote {len(winner.premises)} premise formulas for {len(premises)} premises)"
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
        if translation.repairs:
            extra.append(f"repairs: {', '.join(sorted(set(translation.repairs)))}")
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
