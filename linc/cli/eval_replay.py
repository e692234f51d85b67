"""``linc eval replay``: decide recorded model outputs (LINC or Logic-LM format)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from linc.cli.eval_report import add_html_option, check_html, write_html
from linc.cli.options import (
    add_run_options,
    add_settings_options,
    executor_from,
    settings_from,
    workers_from,
)
from linc.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "replay",
        help="replay recorded LLM outputs (LINC runs, Logic-LM programs) through the engine",
        description=(
            "Decide every recorded sample, vote, and score against the gold labels: a run whose "
            "completions come from a recording, through the same pipeline as 'eval run'. "
            "--voting linc reproduces LINC's own evaluation; --voting best (the default) uses "
            "repairs, arity renaming, a backend portfolio, inconsistency handling and "
            "de-duplication."
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
    p.add_argument(
        "--details", action="store_true", help="with --json, keep the per-sample differences list"
    )
    p.add_argument("--no-cache", action="store_true", help="do not use the persistent caches")
    add_run_options(p)
    add_html_option(p)
    add_settings_options(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.cli.datasets import replay_data
    from linc.evals.recorded import load_linc_run, load_logiclm_programs
    from linc.evals.replay import replay_linc, replay_logiclm
    from linc.evals.report import render_markdown

    check_html(args)
    settings = settings_from(args)
    run_options = {
        "workers": workers_from(args),
        "cache": not args.no_cache,
        "cache_dir": args.cache_dir,
        "progress": False if args.no_progress else None,
        **executor_from(args),
    }
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
        report = replay_linc(
            run_data,
            settings,
            out=args.out,
            resume=args.resume,
            data=replay_data(args),
            **run_options,
        )
    else:
        if args.programs is None:
            raise ConfigError("--format logiclm needs --programs FILE")
        programs = load_logiclm_programs(args.programs, limit=args.limit)
        report = replay_logiclm(
            programs,
            settings,
            name=args.programs.stem,
            out=args.out,
            resume=args.resume,
            data=replay_data(args),
            **run_options,
        )
    if args.json:
        data = report.model_dump(mode="json")
        if report.agreement is not None and not args.details:
            data["agreement"].pop("differences", None)
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_markdown(report) + "\n")
    write_html(args)
    return 0
