"""Benchmark loaders: FOLIO, ProofWriter and ProntoQA from local files.

Two file layouts are read:

- FOLIO v0 JSON lines (``folio-train.jsonl``, ``folio-validation.jsonl``):
  premises as a list, gold Unicode FOL for premises (and the conclusion in
  the validation split), ``label`` True/False/Uncertain.
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

DATASETS = ("folio", "proofwriter", "prontoqa")

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
    if text.lstrip().startswith("["):
        problems = _from_logiclm(_json(text, file), key, file)
    else:
        problems = _from_folio_lines(text.splitlines(), key, file)
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


def _from_folio_lines(lines: Iterable[str], dataset: str, file: Path) -> list[Problem]:
    problems = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{file}:{number}: not JSON: {exc.msg}") from exc
        ident = row.get("example_id", number - 1)
        problems.append(
            _problem(
                file,
                number,
                id=f"{dataset}-{ident}",
                premises=row.get("premises"),
                conclusion=row.get("conclusion"),
                label=label_of(row["label"]) if "label" in row else None,
                premises_fol=row.get("premises-FOL"),
                conclusion_fol=row.get("conclusion-FOL"),
                dataset=dataset,
            )
        )
    return problems


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
                number,
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


def _problem(file: Path, number: int, **fields: Any) -> Problem:
    try:
        return Problem(**fields)
    except ValidationError as exc:
        raise DataError(f"{file}: problem {number}: {exc.errors()[0]['msg']}") from exc
