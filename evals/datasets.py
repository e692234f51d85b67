"""Benchmark loaders: FOLIO, ProofWriter, ProntoQA and your own problems, from local files.

Two file layouts are read:

- JSON lines, one problem an object (FOLIO v0's ``folio-train.jsonl`` and
  ``folio-validation.jsonl``, and dataset ``jsonl``, your own): ``premises``
  (a list, or a paragraph that is split into sentences), ``conclusion``,
  optional ``label`` (True/False/Uncertain/Unknown), ``id`` (or FOLIO's
  ``example_id``), gold FOL as ``premises_fol`` / ``conclusion_fol`` (or
  FOLIO's ``premises-FOL`` / ``conclusion-FOL``) and ``depth``. A JSON list
  of such objects is read too.
- Logic-LM's preprocessed ``dev.json`` (FOLIO, ProofWriter, ProntoQA): the
  premises as one ``context`` paragraph, the statement after the last ``?``
  of ``question``, and ``answer`` as an option letter.

Every loader takes a path; nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from linc.errors import DataError, validation_message
from linc.problems import Problem
from linc.results import Verdict

log = logging.getLogger(__name__)

DATASETS = ("folio", "proofwriter", "prontoqa", "jsonl")

_OPTION = re.compile(r"^\s*([A-Z])\)\s*(.+?)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_LABELS = {
    "true": Verdict.TRUE,
    "false": Verdict.FALSE,
    "uncertain": Verdict.UNCERTAIN,
    "unknown": Verdict.UNCERTAIN,
}


def load_dataset(
    name: str, path: str | Path, *, limit: int | None = None, skip_invalid: bool = False
) -> list[Problem]:
    """The problems of dataset ``name`` (one of ``DATASETS``) read from ``path``.

    The layout (JSON lines, a JSON list of problem objects, or Logic-LM's
    JSON) is recognised from the file itself. ``limit`` keeps the first
    problems only. A malformed problem raises ``DataError`` naming its line
    (or position) and field; with ``skip_invalid`` it is left out and logged
    as a warning instead, so one bad row does not stop a run.
    """
    key = name.lower()
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: no such file")
    text = file.read_text(encoding="utf-8")
    build = _from_object
    if file.suffix != ".jsonl" and text.lstrip().startswith("["):
        rows = _json(text, file)
        if not isinstance(rows, list):
            raise DataError(f"{file}: expected a JSON list of problems")
        if rows and isinstance(rows[0], dict) and "context" in rows[0]:
            build = _from_logiclm
        entries = [(n, f"problem {n}", row) for n, row in enumerate(rows, 1)]
    else:
        entries = list(_json_lines(text, file))
    problems: list[Problem] = []
    skipped: list[str] = []
    for number, where, row in entries:
        try:
            if isinstance(row, DataError):
                raise row
            problems.append(build(row, key, file, number, where))
        except DataError as exc:
            if not skip_invalid:
                raise
            skipped.append(str(exc).removeprefix(f"{file}: "))
    if skipped:
        log.warning(
            "%s: skipped %d malformed problem(s): %s%s",
            file,
            len(skipped),
            "; ".join(skipped[:5]),
            " ..." if len(skipped) > 5 else "",
        )
    return problems[:limit] if limit is not None else problems


def label_of(text: str) -> Verdict:
    """``True``/``False``/``Uncertain``/``Unknown`` (any case) as a ``Verdict``."""
    verdict = _LABELS.get(text.strip().lower())
    if verdict is None:
        raise DataError(f"unknown label {text!r}")
    return verdict


def split_sentences(paragraph: str) -> list[str]:
    """A context paragraph as its sentences (datasets here end each with ``.``)."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph.strip()) if s.strip()]


def _json(text: str, file: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{file}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc


def _json_lines(text: str, file: Path) -> Iterator[tuple[int, str, Any]]:
    """``(line number, where, object)`` per non-blank line; a ``DataError`` for bad JSON."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            row = DataError(f"{file}: line {number}: not JSON: {exc.msg}")
        yield number, f"line {number}", row


def _from_object(row: Any, dataset: str, file: Path, number: int, where: str) -> Problem:
    """One problem object; ``number`` (1-based) gives the id when it has none."""
    if not isinstance(row, dict):
        raise DataError(f"{file}: {where}: expected a JSON object, got {type(row).__name__}")
    ident = row.get("id", row.get("example_id", number - 1))
    given = {key: row[key] for key in ("premises", "conclusion") if key in row}
    if isinstance(given.get("premises"), str):
        given["premises"] = split_sentences(given["premises"])
    try:
        label = label_of(row["label"]) if row.get("label") is not None else None
    except DataError as exc:
        raise DataError(f"{file}: {where}: {exc}") from None
    return _problem(
        file,
        where,
        id=f"{dataset}-{ident}" if dataset == "folio" else str(ident),
        **given,
        label=label,
        premises_fol=row.get("premises_fol", row.get("premises-FOL")),
        conclusion_fol=row.get("conclusion_fol", row.get("conclusion-FOL")),
        depth=row.get("depth"),
        dataset=dataset,
    )


def _from_logiclm(row: Any, dataset: str, file: Path, number: int, where: str) -> Problem:
    """One problem of Logic-LM's JSON: context paragraph, question, options, answer."""
    try:
        options = dict(_option(o) for o in row["options"])
        answer = options[row["answer"].strip()]
        conclusion = row["question"].rsplit("?", 1)[-1].strip()
        premises = split_sentences(row["context"])
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise DataError(f"{file}: {where}: missing or malformed field ({exc})") from exc
    return _problem(
        file,
        where,
        id=str(row.get("id", number - 1)),
        premises=premises,
        conclusion=conclusion,
        label=label_of(answer),
        dataset=dataset,
    )


def _option(text: str) -> tuple[str, str]:
    match = _OPTION.match(text)
    if match is None:
        raise ValueError(f"option {text!r} is not like 'A) True'")
    return match.group(1), match.group(2)


def _problem(file: Path, where: str, **fields: Any) -> Problem:
    try:
        return Problem(**fields)
    except ValidationError as exc:
        raise DataError(f"{file}: {where}: {validation_message(exc)}") from None
