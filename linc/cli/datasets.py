"""``linc datasets``: the dataset catalogue (and which entries are cached); ``fetch`` one.

Also the ``--dataset NAME[:split]`` / ``--path`` pair that ``eval run`` and
``eval gold`` share (``add_dataset_arguments``, ``open_from_args``), and the
data a replay scored (``replay_data``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from linc.evals.catalogue import DatasetInfo, Entry
    from linc.evals.catalogue_open import OpenedDataset


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "datasets",
        help="the dataset catalogue: names, splits, licences, sources, what is cached",
        description="List the datasets --dataset NAME[:split] fetches (each file pinned to a "
        "commit and checked against its sha256), or fetch one into the cache. "
        "$LINC_DATA_MIRROR replaces https://raw.githubusercontent.com.",
    )
    parser.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    parser.set_defaults(handler=run_list)
    commands = parser.add_subparsers(dest="datasets_command", metavar="fetch")
    fetch = commands.add_parser("fetch", help="download a dataset into the cache and verify it")
    fetch.add_argument("name", metavar="NAME[:split]", help="a catalogue entry (every split)")
    fetch.add_argument("--json", action="store_true", help="print what was fetched as JSON")
    fetch.set_defaults(handler=run_fetch)


def run_list(args: argparse.Namespace) -> int:
    from linc.evals.catalogue import catalogue

    entries = [_describe(entry) for entry in catalogue().values()]
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    print("| name | splits (problems) | size | licence | cached | source |")
    print("|---|---|---|---|---|---|")
    for e in entries:
        splits = ", ".join(f"{s} ({f['problems']})" for s, f in e["files"].items())
        size = sum(f["size"] for f in e["files"].values())
        cached = ", ".join(s for s, f in e["files"].items() if f["cached"]) or "no"
        source = f"github.com/{e['repository']}@{e['commit'][:7]}"
        print(f"| {e['name']} | {splits} | {size / 1e6:.2f} MB | {e['license']} | {cached} | "
              f"{source} |")  # fmt: skip
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    import time

    from linc.evals.catalogue import parse_spec
    from linc.evals.catalogue_fetch import fetch, source_url
    from linc.evals.catalogue_open import entry_of

    name, split = parse_spec(args.name)
    entry = entry_of(name)
    splits = [entry.split(split)[0]] if split else list(entry.splits)
    fetched = []
    for split_name in splits:
        file = entry.splits[split_name]
        start = time.perf_counter()
        path = fetch(file)
        fetched.append(
            {
                "name": entry.name,
                "split": split_name,
                "path": str(path),
                "url": source_url(file),
                "sha256": file.sha256,
                "size": file.size,
                "seconds": round(time.perf_counter() - start, 3),
            }
        )
    if args.json:
        print(json.dumps(fetched, ensure_ascii=False, indent=2))
        return 0
    for item in fetched:
        print(f"{item['name']}:{item['split']}: {item['path']} (sha256 {item['sha256']} verified)")
    return 0


def _describe(entry: Entry) -> dict[str, Any]:
    """One catalogue entry as ``linc datasets --json`` shows it."""
    from linc.evals.catalogue_fetch import cache_path, is_cached

    files = {
        split: {
            "url": file.url,
            "sha256": file.sha256,
            "size": file.size,
            "problems": file.problems,
            "cached": is_cached(file),
            "cache_path": str(cache_path(file)),
        }
        for split, file in entry.splits.items()
    }
    default = files[entry.default_split]
    return {
        "name": entry.name,
        "description": entry.description,
        "splits": list(entry.splits),
        "default_split": entry.default_split,
        "license": entry.license,
        "citation": entry.citation,
        "url": default["url"],
        "sha256": default["sha256"],
        "size": default["size"],
        "problems": default["problems"],
        "cached": default["cached"],
        "repository": entry.splits[entry.default_split].repository,
        "commit": entry.splits[entry.default_split].commit,
        "loader": entry.loader,
        "labels": {label: verdict.value for label, verdict in entry.labels.items()},
        "subset": entry.ids is not None,
        "files": files,
    }


# -- the --dataset / --path pair of eval run and eval gold


def dataset_spec(text: str) -> str:
    """``--dataset``'s type: a known ``NAME[:split]`` (else a usage error, exit 2)."""
    from linc.errors import DataError
    from linc.evals.catalogue_open import check_spec

    try:
        check_spec(text)
    except DataError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_dataset_arguments(
    parser: argparse.ArgumentParser, *, default: str | None = None, path_help: str = ""
) -> None:
    """``--dataset NAME[:split]`` (required unless ``default``) and ``--path FILE``."""
    parser.add_argument(
        "--dataset",
        type=dataset_spec,
        required=default is None,
        default=default,
        metavar="NAME[:split]",
        help="a catalogue entry (linc datasets: folio, folio-linc, folio-logiclm, proofwriter, "
        "prontoqa, logicnli), fetched and verified by sha256 when --path is not given; or a "
        "format for --path (jsonl: your own problems, one JSON object a line with premises, "
        "conclusion and optional label, id)" + (f" (default {default})" if default else ""),
    )
    parser.add_argument(
        "--path",
        type=Path,
        default=None,
        help=path_help
        or "read this file instead of the catalogue's (FOLIO or your own JSON lines, "
        "Logic-LM dev.json, Aristotle's LogicNLI dev.json)",
    )


def open_from_args(args: argparse.Namespace, *, verb: str) -> OpenedDataset:
    """The problems ``--dataset``/``--path``/``--limit`` name (rows left out are in the
    result's ``skipped``); no problem at all, ``--limit`` not 0, is an error."""
    from linc.errors import DataError
    from linc.evals.catalogue_open import open_dataset

    opened = open_dataset(args.dataset, args.path, limit=args.limit, skip_invalid=True)
    if not opened.problems and args.limit != 0:
        reasons = "; ".join(str(row) for row in opened.skipped[:3]) or "the file holds no problem"
        raise DataError(f"{opened.info.source}: no problem to {verb} ({reasons})")
    return opened


def replay_data(args: argparse.Namespace) -> DatasetInfo:
    """The data a replay scores: the file of gold labels (a LINC run's references, else its
    generations; Logic-LM's programs, which hold the problems and answers)."""
    from linc.cache import file_digest
    from linc.evals.catalogue import DatasetInfo, scoring
    from linc.evals.datasets import LABELS
    from linc.evals.recorded import sibling

    if args.format == "linc":
        path = args.references or sibling(args.generations, "_references.json")
        if not Path(path).is_file():
            path = args.generations
    else:
        path = args.programs
    return DatasetInfo(
        name=Path(path).name,
        sha256=file_digest(Path(path)),
        source=str(path),
        labels=scoring(LABELS),
    )
