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
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from linc.errors import DataError
from linc.problems import Problem
from linc.results import Verdict

DATASETS = ("folio", "proofwriter", "prontoqa", "jsonl")

_OPTION = re.compile(r"^\s*([A-Z])\)\s*(.+?)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_LABELS = {
    "true": Verdict.TRUE,
    "false": Verdict.FALSE,
    "uncertain": Verdict.UNCERTAIN,
    "unknown": Verdict.UNCERTAIN,
}


def load_dataset(name: str, path: str | Path, *, limit: int | None = None) -> list[Problem]:
    """The problems of dataset ``name`` (one of ``DATASETS``) read from ``path``.

    The layout (FOLIO JSON lines or Logic-LM JSON) is recognised from the
    file itself. ``limit`` keeps the first problems only.
    """
    key = name.lower()
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: no such file")
    text = file.read_text(encoding="utf-8")
    if file.suffix != ".jsonl" and text.lstrip().startswith("["):
        rows = _json(text, file)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict) and "context" in rows[0]:
            problems = _from_logiclm(rows, key, file)
        else:
            problems = _from_objects(rows, key, file)
    else:
        problems = _from_json_lines(text.splitlines(), key, file)
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


def _from_json_lines(lines: Iterable[str], dataset: str, file: Path) -> list[Problem]:
    problems = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{file}:{number}: not JSON: {exc.msg}") from exc
        problems.append(_from_object(row, dataset, file, number, f"line {number}"))
    return problems


def _from_objects(rows: Any, dataset: str, file: Path) -> list[Problem]:
    if not isinstance(rows, list):
        raise DataError(f"{file}: expected a JSON list of problems")
    return [
        _from_object(row, dataset, file, number, f"problem {number}")
        for number, row in enumerate(rows, 1)
    ]


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


def _from_logiclm(rows: Any, dataset: str, file: Path) -> list[Problem]:
    if not isinstance(rows, list):
        raise DataError(f"{file}: expected a JSON list of problems")
    problems = []
    for number, row in enumerate(rows, 1):
        try:
            options = dict(_option(o) for o in row["options"])
            answer = options[row["answer"].strip()]
            conclusion = row["question"].rsplit("?", 1)[-1].strip()
            premises = split_sentences(row["context"])
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise DataError(
                f"{file}: problem {number}: missing or malformed field ({exc})"
            ) from exc
        problems.append(
            _problem(
                file,
                f"problem {number}",
                id=str(row.get("id", number - 1)),
                premises=premises,
                conclusion=conclusion,
                label=label_of(answer),
                dataset=dataset,
            )
        )
    return problems


def _option(text: str) -> tuple[str, str]:
    match = _OPTION.match(text)
    if match is None:
        raise ValueError(f"option {text!r} is not like 'A) True'")
    return match.group(1), match.group(2)


def _problem(file: Path, where: str, **fields: Any) -> Problem:
    try:
        return Problem(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise DataError(f"{file}: {where}: {field}: {error['msg']}") from None
