"""``linc eval run``: a dataset through a live model, run and reported like ``eval replay``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from linc.cli import positive_int
from linc.cli.datasets import add_dataset_arguments, open_from_args
from linc.cli.eval_report import add_html_option, check_html, write_html
from linc.cli.options import (
    add_llm_options,
    add_run_options,
    executor_from,
    reasoner_from,
    workers_from,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="evaluate a live model on FOLIO, ProofWriter, ProntoQA or your own problems",
        description="Answer each problem of a dataset through the LLM, then decide and vote its "
        "completions exactly as 'eval replay' does (same preset, same pipeline), and report "
        "accuracy, errors by cause, confusion, tokens and seconds. With --out, also write LINC's "
        "recorded format so the run can be replayed.",
    )
    add_dataset_arguments(parser)
    parser.add_argument(
        "--problems-at-once",
        type=positive_int,
        default=2,
        help="problems in flight at once (default 2)",
    )
    add_run_options(parser)
    add_html_option(parser)
    add_llm_options(parser, default_k=3)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.errors import ConfigError
    from linc.evals.live import run_live
    from linc.evals.report import render_markdown

    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out")
    check_html(args)
    if args.cache_dir is not None:  # the request and the proof caches both live there
        os.environ["LINC_CACHE_DIR"] = str(args.cache_dir)
    where = executor_from(args)  # before loading: a missing Ray is said first
    opened = open_from_args(args, verb="answer")  # none at all is an error, not accuracy 0
    args.paradox = opened.paradox  # the vote may answer Paradox only where the labels have it
    reasoner = reasoner_from(args)
    report = run_live(
        opened.problems,
        reasoner=reasoner,
        dataset=opened.run_name,
        out=args.out,
        resume=args.resume,
        concurrency=args.problems_at_once,
        progress=not args.no_progress and sys.stderr.isatty(),
        workers=workers_from(args),
        skipped_rows=[str(row) for row in opened.skipped],
        data=opened.info,
        **where,
    )
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(report))
    write_html(args)
    return 0
