"""``--dataset NAME[:split]`` with or without ``--path``: the problems and what was read.

``NAME`` is a catalogue entry (``linc datasets``) or a loader of
``linc.evals.datasets.DATASETS``. Without a path, the entry's file is fetched
into the cache and checked against its sha256 (``catalogue_fetch``); with a
path, that file is read by the entry's loader (an entry with an id list, such
as ``folio-linc``, keeps its problems of the file in its order). Either way
the result carries a ``DatasetInfo`` for the run's report: name, split, the
sha256 of the bytes read, the problems kept, and how each label is scored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from linc.cache import file_digest
from linc.errors import DataError
from linc.evals.catalogue import DatasetInfo, Entry, catalogue, parse_spec, scoring
from linc.evals.catalogue_fetch import fetch, source_url
from linc.evals.datasets import DATASETS, SkippedRow, labels_of, load_dataset
from linc.problems import Problem
from linc.results import Verdict

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OpenedDataset:
    """The problems of a ``--dataset``, and what the report records about them."""

    problems: list[Problem]
    info: DatasetInfo
    loader: str = ""
    run_name: str = ""
    paradox: bool = False
    """The data's labels include ``Paradox``, so the vote may answer it."""
    skipped: list[SkippedRow] = field(default_factory=list)
    """Rows left out (``skip_invalid``): malformed, a label that cannot be placed, a
    subset id not in the file."""


def dataset_names() -> list[str]:
    """What ``--dataset`` takes: catalogue entries, then the other loaders."""
    names = list(catalogue())
    return names + [name for name in DATASETS if name not in names]


def entry_of(name: str) -> Entry:
    """The catalogue entry ``name`` (``DataError`` listing the entries when there is none)."""
    entries = catalogue()
    if name not in entries:
        raise DataError(f"no dataset {name!r} in the catalogue; choose one of {', '.join(entries)}")
    return entries[name]


def check_spec(spec: str) -> None:
    """``DataError`` unless ``NAME[:split]`` names a catalogue entry (and split) or a loader."""
    name, split = parse_spec(spec)
    entry = catalogue().get(name)
    if entry is None and name not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(dataset_names())}")
    if entry is not None:
        entry.split(split)
    elif split is not None:
        raise DataError(f"dataset {name!r} is a file format: it has no splits")


def open_dataset(
    spec: str,
    path: Path | str | None = None,
    *,
    limit: int | None = None,
    skip_invalid: bool = False,
) -> OpenedDataset:
    """The problems ``--dataset spec`` (and ``--path path``) name, with their ``DatasetInfo``.

    With ``skip_invalid`` a bad row is left out and listed in the result's
    ``skipped``; without it, it raises ``DataError``.
    """
    check_spec(spec)
    name, split = parse_spec(spec)
    entry = catalogue().get(name)
    if path is None:
        if entry is None:
            raise DataError(
                f"--dataset {name} is a file format, not a catalogue entry: give the file "
                "with --path FILE (linc datasets lists the entries that need no --path)"
            )
        split, file = entry.split(split)
        local, source, sha256 = fetch(file), source_url(file), file.sha256
    else:
        if entry is not None and split is not None:
            split = entry.split(split)[0]
        local, source = Path(path), str(path)
        if not local.is_file():
            raise DataError(f"{local}: no such file")
        sha256 = file_digest(local)
    loader = entry.loader if entry is not None else name
    lost: list[SkippedRow] = []
    subset = entry.ids if entry is not None else None
    problems = load_dataset(
        loader,
        local,
        limit=None if subset else limit,
        skip_invalid=skip_invalid,
        skipped=lost,
    )
    if subset:
        problems = _select(problems, subset, local, skip_invalid=skip_invalid, lost=lost)
        problems = problems if limit is None else problems[:limit]
    labels = entry.labels if entry is not None else labels_of(loader)
    info = DatasetInfo(
        name=entry.name if entry is not None else name,
        split=split,
        sha256=sha256,
        n=len(problems),
        source=source,
        subset=entry.name if entry is not None and subset else None,
        labels=scoring(labels),
        license=entry.license if entry is not None else None,
    )
    return OpenedDataset(
        problems,
        info,
        loader=loader,
        run_name=_run_name(entry, name, split),
        paradox=Verdict.PARADOX in labels.values(),
        skipped=lost,
    )


def _select(
    problems: list[Problem],
    ids: tuple[str, ...],
    file: Path,
    *,
    skip_invalid: bool,
    lost: list[SkippedRow],
) -> list[Problem]:
    """The problems with these ids, in the ids' order (a missing id is an error, or reported)."""
    by_id = {p.id: p for p in problems}
    missing = [i for i in ids if i not in by_id]
    if missing and not skip_invalid:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise DataError(f"{file}: {len(missing)} problem(s) of the subset are not in it: {shown}")
    for ident in missing:
        lost.append(SkippedRow(line=0, where=f"id {ident}", reason="not in the file"))
    return [by_id[i] for i in ids if i in by_id]


def _run_name(entry: Entry | None, name: str, split: str | None) -> str:
    """The dataset's part of a run's name: the name, and the split unless it is the default."""
    if entry is None or split is None or split == entry.default_split:
        return name
    return f"{name}-{split}"
