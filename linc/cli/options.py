"""Option groups shared by the commands, so each option means one thing everywhere.

- ``add_settings_options``: the preset (``--voting``) and its overrides
  (backends, ``--prover-timeout``, the vote's ``Uncertain`` weight, ablations);
  ``settings_from(args)`` builds the ``linc.settings.Settings``.
- ``add_llm_options``: the model and how to sample it (``--llm-timeout``).
- ``add_run_options``: output folder, resume, workers, caches, limit, and
  ``add_executor_options``: where the work runs (``--executor local|ray``).

Old spellings still work and warn: ``--mode`` and ``--policy`` (use
``--voting``), and a bare ``--timeout`` (``--prover-timeout`` where a command
runs provers only, ``--llm-timeout`` where it asks a model).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from linc.cli import nonnegative_int, positive_int, seconds
from linc.errors import ConfigError
from linc.settings import PRESETS, VOTING, Settings, settings_for
from linc.voting import POLICIES


class Deprecated(argparse.Action):
    """An old option spelling: stores into the new option's ``dest`` and warns."""

    def __init__(self, option_strings: list[str], dest: str, *, use: str, **kwargs: Any) -> None:
        self.use = use
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"linc: warning: {option_string} is deprecated; use {self.use}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_settings_options(parser: argparse.ArgumentParser, *, llm: bool = False) -> None:
    """The preset and its overrides. ``llm``: a bare ``--timeout`` is the LLM's (old ``ask``)."""
    group = parser.add_argument_group("preset, provers and vote")
    group.add_argument(
        "--voting",
        choices=VOTING,
        default=None,
        help="best (default): our best settings and vote; linc: LINC's evaluation rule for "
        "rule (parity); majority: best with a plain plurality vote",
    )
    group.add_argument("--mode", choices=PRESETS, dest="voting", action=Deprecated, use="--voting")
    group.add_argument(
        "--policy",
        choices=POLICIES,
        action=Deprecated,
        use="--voting",
        help="deprecated: the vote policy alone, on top of the preset",
    )
    group.add_argument(
        "--backend",
        "-b",
        action="append",
        dest="backends",
        metavar="NAME",
        help="prover (repeat for a portfolio, tried in order; default: the preset's, "
        "best: z3, prover9, eprover; linc: prover9)",
    )
    group.add_argument(
        "--prover-timeout", type=seconds, help="seconds per prover call (default 10)"
    )
    if not llm:
        group.add_argument(
            "--timeout",
            dest="prover_timeout",
            type=seconds,
            action=Deprecated,
            use="--prover-timeout",
        )
    group.add_argument(
        "--first-seconds",
        type=seconds,
        help="limit of the portfolio's first backend before the next one takes over",
    )
    group.add_argument(
        "--uncertain-weight",
        type=float,
        help="what an Uncertain vote counts under the best vote (default 0.1, chosen on "
        "held-out runs by benchmarks/vote_weight.py; 1 counts it fully)",
    )
    group.add_argument(
        "--extraction",
        choices=("released", "published"),
        help="LINC FOL lines: 'published' ('FOL:' and a tab; what LINC's published numbers "
        "used; the linc preset's) or 'released' (any 'FOL:' line; best's)",
    )
    for flag, what in (
        ("repair", "parser repairs"),
        ("rename", "arity-clash renaming"),
        ("inconsistency", "inconsistency handling (inconsistent samples abstain)"),
        ("dedup", "semantic de-duplication"),
    ):
        group.add_argument(f"--no-{flag}", action="store_true", help=f"without {what} (ablation)")


def settings_from(args: argparse.Namespace, **overrides: Any) -> Settings:
    """The ``Settings`` the parsed options name (``overrides`` win)."""
    values: dict[str, Any] = {
        "backends": tuple(_split(args.backends)) if args.backends else None,
        "prover_timeout": args.prover_timeout,
        "first_seconds": args.first_seconds,
        "uncertain_weight": args.uncertain_weight,
        "extraction": args.extraction,
        "voting": args.policy,
        "repair": False if args.no_repair else None,
        "rename_arity": False if args.no_rename else None,
        "inconsistency": False if args.no_inconsistency else None,
        "dedup": False if args.no_dedup else None,
        "paradox": True if getattr(args, "paradox", False) else None,  # from the dataset
    }
    values.update(overrides)
    return settings_for(args.voting, **values)


def _split(names: list[str]) -> list[str]:
    return [n.strip() for item in names for n in item.split(",") if n.strip()]


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Where a run of many problems writes, how it resumes, how many processes."""
    group = parser.add_argument_group("run")
    group.add_argument("--limit", type=nonnegative_int, help="only the first N problems")
    group.add_argument(
        "--out", type=Path, help="folder for records.jsonl (streamed), report.json and report.md"
    )
    group.add_argument(
        "--resume", action="store_true", help="skip problems already in --out/records.jsonl"
    )
    group.add_argument(
        "--workers",
        type=positive_int,
        help="processes for reading and proving (default: CPU count)",
    )
    group.add_argument("--cache-dir", type=Path, help="cache directory (default $LINC_CACHE_DIR)")
    group.add_argument("--json", action="store_true", help="print the report as JSON")
    group.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_executor_options(group)


def add_executor_options(group: Any) -> None:
    """``--executor local|ray`` and ``--ray-address`` (on a parser or an argument group)."""
    group.add_argument(
        "--executor",
        choices=("local", "ray"),
        default=None,
        help="where reading and proving run: local (default; --workers processes) or ray "
        "(a Ray cluster; pip install 'linc[ray]')",
    )
    group.add_argument(
        "--ray-address",
        metavar="ADDR",
        help="Ray cluster to join, e.g. 10.0.0.1:6379 (implies --executor ray; default "
        "$RAY_ADDRESS, else a Ray started on this machine for the run)",
    )


def executor_from(args: argparse.Namespace) -> dict[str, Any]:
    """``executor`` and ``ray_address`` for the runner; refuses ``ray`` when Ray is missing."""
    from linc.evals.executor import check_executor

    address = getattr(args, "ray_address", None)
    name = getattr(args, "executor", None) or ("ray" if address else "local")
    if name == "local" and address:
        raise ConfigError("--ray-address needs --executor ray")
    return {"executor": check_executor(name), "ray_address": address}


def workers_from(args: argparse.Namespace) -> int:
    return int(args.workers) if args.workers is not None else (os.cpu_count() or 1)


def add_llm_options(parser: argparse.ArgumentParser, *, default_k: int = 3) -> None:
    """The model and how to sample it (``ask`` and ``eval run``)."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--k",
        type=positive_int,
        default=default_k,
        help=f"samples per problem (default {default_k})",
    )
    group.add_argument(
        "--model",
        help="model name (default: the embedded Gemma 3 270M; $LINC_MODEL); 'embedded' forces "
        "the embedded one",
    )
    group.add_argument(
        "--base-url",
        action="append",
        metavar="URL",
        help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (llama.cpp, vLLM, "
        "Ollama); repeat it for several servers of one model (requests spread over them, "
        "--concurrency each); default OpenAI when --model is given; key from $OPENAI_API_KEY",
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
    group.add_argument(
        "--levers",
        metavar="LIST",
        help="the parser's levers, comma-separated, from "
        "formulas,vocabulary,shots,early_stop,lora ('none': the plain parser); default: all "
        "of them for the embedded model, none for a server model",
    )
    group.add_argument(
        "--adapter",
        metavar="GGUF",
        help="a LoRA adapter for the embedded model in place of linc's (python -m "
        "linc.parsers.lora_train makes one)",
    )
    group.add_argument("--temperature", type=float, help="sampling temperature (default 0.8)")
    group.add_argument("--max-tokens", type=int, help="completion token limit (default 1024)")
    group.add_argument(
        "--seed", type=int, help="seed of sample 0; sample i uses seed+i (default 0)"
    )
    group.add_argument(
        "--grammar",
        choices=["auto", "on", "off"],
        help="GBNF-constrained decoding: auto = embedded model only; on = also send it to the "
        "server (llama.cpp)",
    )
    group.add_argument(
        "--repair-rounds",
        type=int,
        help="re-asks with the error when a sample cannot be read (default 1)",
    )
    group.add_argument("--llm-timeout", type=seconds, help="seconds per LLM request (default 300)")
    group.add_argument(
        "--timeout", dest="llm_timeout", type=seconds, action=Deprecated, use="--llm-timeout"
    )
    group.add_argument(
        "--max-retries", type=int, help="retries per request on 429/5xx/timeouts (default 5)"
    )
    group.add_argument(
        "--concurrency",
        type=positive_int,
        help="requests in flight at once, per --base-url (default 4)",
    )
    group.add_argument("--price-in", type=float, help="USD per 1M prompt tokens, for the cost")
    group.add_argument("--price-out", type=float, help="USD per 1M completion tokens, for the cost")
    group.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the request and proof caches",
    )
    add_settings_options(parser, llm=True)


def reasoner_from(args: argparse.Namespace) -> Any:
    """A ``Reasoner`` built from the parsed options."""
    from linc.config import resolve_config
    from linc.reasoner import Reasoner

    urls = list(args.base_url or [])
    config = resolve_config(
        model=args.model,
        base_url=urls[0] if urls else None,
        k=args.k,
        target=args.target,
        api_key_env=args.api_key_env,
        shots=args.shots,
        levers="" if args.levers == "none" else args.levers,
        adapter=args.adapter,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=args.seed,
        grammar=args.grammar,
        repair_rounds=args.repair_rounds,
        timeout=args.llm_timeout,
        max_retries=args.max_retries,
        concurrency=args.concurrency,
        price_in=args.price_in,
        price_out=args.price_out,
    )
    return Reasoner(
        config=config,
        base_url=urls[0] if urls else None,
        base_urls=urls,
        settings=settings_from(args, syntax="lean" if args.target == "lean" else None),
        cache=not args.no_cache,
    )
