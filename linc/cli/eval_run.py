"""``linc eval run``: a dataset through a live model, run and reported like ``eval replay``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from linc.cli import positive_int
from linc.cli.options import add_llm_options, add_run_options, reasoner_from, workers_from
from linc.evals.datasets import DATASETS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="evaluate a live model on FOLIO, ProofWriter, ProntoQA or your own problems",
        description="Answer each problem of a dataset through the LLM, then decide and vote its "
        "completions exactly as 'eval replay' does (same preset, same pipeline), and report "
        "accuracy, errors by cause, confusion, tokens and seconds. With --out, also write LINC's "
        "recorded format so the run can be replayed.",
    )
    parser.add_argument(
        "--dataset",
        required=True,
        choices=DATASETS,
        help="jsonl: your own problems, one JSON object a line with premises, conclusion "
        "and optional label, id (see linc.evals.datasets)",
    )
    parser.add_argument(
        "--path",
        required=True,
        type=Path,
        help="dataset file (FOLIO or your own JSON lines, or Logic-LM dev.json)",
    )
    parser.add_argument(
        "--problems-at-once",
        type=positive_int,
        default=2,
        help="problems in flight at once (default 2)",
    )
    add_run_options(parser)
    add_llm_options(parser, default_k=3)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.errors import ConfigError, DataError
    from linc.evals.datasets import load_dataset
    from linc.evals.live import run_live
    from linc.evals.report import render_markdown

    if args.resume and args.out is None:
        raise ConfigError("--resume needs --out")
    if args.cache_dir is not None:  # the request and the proof caches both live there
        os.environ["LINC_CACHE_DIR"] = str(args.cache_dir)
    skipped: list = []
    problems = load_dataset(
        args.dataset, args.path, limit=args.limit, skip_invalid=True, skipped=skipped
    )
    if not problems and args.limit != 0:  # nothing to ask the model: an error, not accuracy 0
        reasons = "; ".join(str(row) for row in skipped[:3]) or "the file holds no problem"
        raise DataError(f"{args.path}: no problem to answer ({reasons})")
    reasoner = reasoner_from(args)
    report = run_live(
        problems,
        reasoner=reasoner,
        dataset=args.dataset,
        out=args.out,
        resume=args.resume,
        concurrency=args.problems_at_once,
        progress=not args.no_progress and sys.stderr.isatty(),
        workers=workers_from(args),
        skipped_rows=[str(row) for row in skipped],
    )
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(render_markdown(report))
    return 0
