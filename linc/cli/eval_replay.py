"""``linc eval replay``: decide recorded model outputs (LINC or Logic-LM format)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from linc.errors import ConfigError
from linc.voting import POLICIES


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "replay",
        help="replay recorded LLM outputs (LINC runs, Logic-LM programs) through the engine",
        description=(
            "Decide every recorded sample, vote, and score against the gold labels. "
            "--mode linc reproduces LINC's own evaluation; --mode best uses repairs, "
            "arity renaming, a backend portfolio, inconsistency handling and de-duplication."
        ),
    )
    p.add_argument("--format", choices=("linc", "logiclm"), default="linc", help="recorded format")
    p.add_argument("--generations", type=Path, help="LINC *_generations_raw.json")
    p.add_argument(
        "--references", type=Path, help="LINC *_references.json (default: next to --generations)"
    )
    p.add_argument("--programs", type=Path, help="Logic-LM FOLIO_dev_<model>.json")
    p.add_argument(
        "--depths",
        type=Path,
        help="per-problem proof depths (default: pw-qdeps.json next to a ProofWriter run's references)",
    )
    p.add_argument("--no-depths", action="store_true", help="do not look for depths")
    p.add_argument(
        "--recorded",
        type=Path,
        help="the recording system's per-sample verdicts (default: *_generations_prc.json next to --generations)",
    )
    p.add_argument("--mode", choices=("linc", "best"), default="linc")
    p.add_argument(
        "--extraction",
        choices=("released", "published"),
        help="LINC FOL-line extraction: 'published' ('FOL:' + tab only; what LINC's recorded answers and "
        "published numbers used; default in linc mode) or 'released' (any 'FOL:' line, as LINC's released "
        "code; default in best mode)",
    )
    p.add_argument(
        "--backend",
        action="append",
        dest="backends",
        help="backend (repeat for a portfolio, fastest first)",
    )
    p.add_argument("--timeout", type=float, help="seconds per prover call (default 10)")
    p.add_argument(
        "--first-seconds",
        type=float,
        help="limit of the portfolio's first backend before the next one takes over",
    )
    p.add_argument("--workers", type=int, default=None, help="processes (default: CPU count)")
    p.add_argument(
        "--out", type=Path, help="write records.jsonl as results finish, report.json and report.md"
    )
    p.add_argument(
        "--resume", action="store_true", help="skip problems already in --out/records.jsonl"
    )
    p.add_argument("--no-cache", action="store_true", help="do not use the persistent proof cache")
    p.add_argument("--cache-dir", type=Path, help="proof cache directory (default $LINC_CACHE_DIR)")
    p.add_argument("--limit", type=int, help="only the first N problems")
    for flag, what in (
        ("repair", "parser repairs"),
        ("rename", "arity-clash renaming"),
        ("inconsistency", "inconsistency handling (inconsistent samples abstain)"),
        ("dedup", "semantic de-duplication"),
    ):
        p.add_argument(f"--no-{flag}", action="store_true", help=f"best mode without {what}")
    p.add_argument("--policy", choices=POLICIES, help="vote policy (default: the mode's)")
    p.add_argument(
        "--uncertain-weight",
        type=float,
        help="what an Uncertain vote counts under the best policy (default 0.1, chosen on "
        "held-out runs by benchmarks/vote_weight.py; 1 counts it fully)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--details", action="store_true", help="with --json, keep the per-sample differences list"
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import os

    from linc.evals.recorded import load_linc_run, load_logiclm_programs
    from linc.evals.replay import ReplayOptions, replay_linc, replay_logiclm
    from linc.evals.report import render_markdown

    overrides: dict[str, object] = {
        "extraction": args.extraction,
        "backends": tuple(args.backends) if args.backends else None,
        "seconds": args.timeout,
        "first_seconds": args.first_seconds,
        "workers": args.workers if args.workers is not None else (os.cpu_count() or 1),
        "cache": False if args.no_cache else None,
        "cache_dir": str(args.cache_dir) if args.cache_dir else None,
        "policy": args.policy,
        "uncertain_weight": args.uncertain_weight,
    }
    if args.mode == "best":
        overrides.update(
            repair=False if args.no_repair else None,
            rename_arity=False if args.no_rename else None,
            inconsistency=False if args.no_inconsistency else None,
            dedup=False if args.no_dedup else None,
        )
    options = ReplayOptions.create(args.mode, **overrides)

    if args.format == "linc":
        if args.generations is None:
            raise ConfigError("--format linc needs --generations RAW.json")
        run_data = load_linc_run(
            args.generations,
            args.references,
            depths=False if args.no_depths else args.depths,
            recorded=args.recorded,
            limit=args.limit,
        )
        report = replay_linc(run_data, options, out=args.out, resume=args.resume)
    else:
        if args.programs is None:
            raise ConfigError("--format logiclm needs --programs FILE")
        programs = load_logiclm_programs(args.programs, limit=args.limit)
        report = replay_logiclm(
            programs, options, name=args.programs.stem, out=args.out, resume=args.resume
        )
    if args.json:
        data = report.model_dump(mode="json")
        if report.agreement is not None and not args.details:
            data["agreement"].pop("differences", None)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_markdown(report) + "\n")
    return 0
