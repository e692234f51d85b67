"""Benchmark loaders: FOLIO, ProofWriter, ProntoQA, LogicNLI and your own problems, from files.

Three file layouts are read:

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
- LogicNLI as Aristotle preprocessed it (dataset ``logicnli``): a JSON list
  of ``{id, facts, rules, conjecture, answer}``; the premises are the facts
  then the rules, and the letters mean ``LOGICNLI_LABELS`` (A True, B False,
  C Uncertain, D Paradox). A letter outside them cannot be placed: its row
  is an error (left out and reported with ``skip_invalid``), never mapped.

Ids must be unique within a file. A file is read as UTF-8 bytes (a byte
order mark is allowed) and JSON lines end at ``\\n`` only, so invalid UTF-8
or a bad value loses one row, never the file: ``load_dataset(...,
skip_invalid=True, skipped=rows)`` leaves such rows out and lists each in
``rows`` as a ``SkippedRow`` (line, reason) for the caller's report.

Every loader takes a path; nothing is downloaded (``linc.evals.catalogue_open``
fetches a named dataset, then loads it here).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from linc.errors import DataError, validation_message
from linc.problems import Problem
from linc.results import Verdict

log = logging.getLogger(__name__)

Builder = Callable[[Any, str, Path, int, str], Problem]

DATASETS = ("folio", "proofwriter", "prontoqa", "logicnli", "jsonl")

_OPTION = re.compile(r"^\s*([A-Z])\)\s*(.+?)\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_JSON_SPACE = " \t\r\n"
_INVALID_UTF8 = re.compile("[\udc80-\udcff]")  # undecodable bytes, kept by surrogateescape
_SURROGATE = re.compile("[\ud800-\udfff]")
_LABELS = {
    "true": Verdict.TRUE,
    "false": Verdict.FALSE,
    "uncertain": Verdict.UNCERTAIN,
    "unknown": Verdict.UNCERTAIN,
}
LABELS = {
    "True": Verdict.TRUE,
    "False": Verdict.FALSE,
    "Uncertain": Verdict.UNCERTAIN,
    "Unknown": Verdict.UNCERTAIN,  # ProofWriter's word for it
}
"""The labels every loader but ``logicnli`` places (any case), and their verdicts."""
LOGICNLI_LABELS = {
    "A": Verdict.TRUE,  # the conjecture follows
    "B": Verdict.FALSE,  # its negation follows
    "C": Verdict.UNCERTAIN,  # neither follows
    "D": Verdict.PARADOX,  # both follow (as Aristotle's evaluate.py scores the letters)
}


def labels_of(name: str) -> dict[str, Verdict]:
    """The labels loader ``name`` places, and the verdict each is scored as."""
    return dict(LOGICNLI_LABELS if name.lower() == "logicnli" else LABELS)


class SkippedRow(BaseModel):
    """A row ``load_dataset(..., skip_invalid=True)`` left out, and why."""

    model_config = ConfigDict(frozen=True)

    line: int = Field(description="line number (JSON lines) or 1-based position (a JSON list)")
    where: str = Field(description="'line N' or 'problem N', as error messages say it")
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


def load_dataset(
    name: str,
    path: str | Path,
    *,
    limit: int | None = None,
    skip_invalid: bool = False,
    skipped: list[SkippedRow] | None = None,
) -> list[Problem]:
    """The problems of dataset ``name`` (one of ``DATASETS``) read from ``path``.

    The layout (JSON lines, a JSON list of problem objects, or Logic-LM's
    JSON) is recognised from the file itself; a UTF-8 byte order mark is
    allowed, and JSON lines are split on ``\\n`` only. ``limit`` keeps the
    first problems only (rows after them are not read). A malformed problem
    (a missing or ill-typed field, bad JSON, invalid UTF-8, an ``id`` seen
    before) raises ``DataError`` naming its line (or position) and field;
    with ``skip_invalid`` it is left out instead, logged as a warning and
    appended to ``skipped`` as a ``SkippedRow`` when a list is given, so one
    bad row does not stop a run and the caller can report what was lost.
    """
    key = name.lower()
    if key not in DATASETS:
        raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if limit is not None and limit < 0:
        raise DataError(f"limit must be 0 or more, not {limit}")
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{file}: no such file")
    build, entries = _entries(file, key)
    problems: list[Problem] = []
    lost: list[SkippedRow] = []
    seen: dict[str, str] = {}
    for number, where, row in entries:
        if limit is not None and len(problems) >= limit:
            break
        try:
            if isinstance(row, DataError):
                raise row
            field = _surrogate_field(row)
            if field is not None:
                raise DataError(f"{file}: {where}: {field}: invalid UTF-8 or a lone surrogate")
            problem = build(row, key, file, number, where)
            if problem.id in seen:
                raise DataError(f"{file}: {where}: id {problem.id!r} repeats {seen[problem.id]}")
        except DataError as exc:
            if not skip_invalid:
                raise
            lost.append(SkippedRow(line=number, where=where, reason=_reason(exc, file, where)))
            continue
        seen[problem.id] = where
        problems.append(problem)
    if lost:
        log.warning(
            "%s: skipped %d malformed problem(s): %s%s",
            file,
            len(lost),
            "; ".join(str(s) for s in lost[:5]),
            " ..." if len(lost) > 5 else "",
        )
    if skipped is not None:
        skipped.extend(lost)
    return problems


def label_of(text: str) -> Verdict:
    """``True``/``False``/``Uncertain``/``Unknown`` (any case) as a ``Verdict``."""
    verdict = _LABELS.get(text.strip().lower())
    if verdict is None:
        raise DataError(f"unknown label {text!r}")
    return verdict


def split_sentences(paragraph: str) -> list[str]:
    """A context paragraph as its sentences (datasets here end each with ``.``)."""
    return [s.strip() for s in _SENTENCE_END.split(paragraph.strip()) if s.strip()]


def _surrogate_field(row: Any) -> str | None:
    """The path (``premises.0``) of the first string in ``row`` holding a lone surrogate.

    Such text cannot be written as UTF-8 (records, cache keys, requests), so
    its row is refused at load time; invalid UTF-8 read from a JSON list
    arrives here as lone surrogates too (``surrogateescape``).
    """
    stack: list[tuple[str, Any]] = [("", row)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return path or "value"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if _SURROGATE.search(key):
                    return _join(path, "key")
                stack.append((_join(path, key), item))
        elif isinstance(value, list):
            stack.extend((_join(path, str(i)), v) for i, v in reversed(list(enumerate(value))))
    return None


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _kind(value: Any) -> str:
    """A JSON value's kind in JSON's words (``true`` is a boolean, not an integer)."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _reason(exc: DataError, file: Path, where: str) -> str:
    return str(exc).removeprefix(f"{file}: ").removeprefix(f"{where}: ")


def _entries(file: Path, key: str) -> tuple[Builder, list[tuple[int, str, Any]]]:
    """How to build a problem, and ``(number, where, row or DataError)`` per problem."""
    # invalid UTF-8 is kept as lone surrogates, so that only its own row is lost
    text = file.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    if file.suffix == ".jsonl" or not text.lstrip(_JSON_SPACE).startswith("["):
        return _from_object, list(_json_lines(text, file))
    rows = _json(text, file)
    if not isinstance(rows, list):
        raise DataError(f"{file}: expected a JSON list of problems")
    build: Builder = _from_object
    if key == "logicnli":
        build = _from_logicnli
    elif rows and isinstance(rows[0], dict) and "context" in rows[0]:
        build = _from_logiclm
    return build, [(n, f"problem {n}", row) for n, row in enumerate(rows, 1)]


def _json(text: str, file: Path) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{file}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc


def _json_lines(text: str, file: Path) -> Iterator[tuple[int, str, Any]]:
    """``(line number, where, object)`` per non-blank line; a ``DataError`` for a bad line.

    Lines end at ``\\n`` only: JSON strings may hold U+2028, U+0085 and the
    other characters ``str.splitlines`` would also break at.
    """
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip(_JSON_SPACE):
            continue
        where = f"line {number}"
        bad = _INVALID_UTF8.search(line)
        if bad is not None:
            byte = ord(bad.group()) - 0xDC00
            message = f"not UTF-8 (byte 0x{byte:02x} at column {bad.start() + 1})"
            yield number, where, DataError(f"{file}: {where}: {message}")
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            row = DataError(f"{file}: {where}: not JSON: {exc.msg}")
        yield number, where, row


def _from_object(row: Any, dataset: str, file: Path, number: int, where: str) -> Problem:
    """One problem object; ``number`` (1-based) gives the id when it has none."""
    if not isinstance(row, dict):
        raise DataError(f"{file}: {where}: expected a JSON object, got {type(row).__name__}")
    ident = row.get("id", row.get("example_id", number - 1))
    if isinstance(ident, bool) or not isinstance(ident, (str, int)):
        raise DataError(f"{file}: {where}: id: expected a string or an integer, got {_kind(ident)}")
    given = {key: row[key] for key in ("premises", "conclusion") if key in row}
    if isinstance(given.get("premises"), str):
        given["premises"] = split_sentences(given["premises"])
    given_label = row.get("label")
    if given_label is not None and not isinstance(given_label, str):
        raise DataError(
            f"{file}: {where}: label: expected a string (True, False, Uncertain or Unknown), "
            f"got {_kind(given_label)}"
        )
    try:
        label = label_of(given_label) if given_label is not None else None
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
    try:
        label = label_of(answer)
    except DataError as exc:
        raise DataError(
            f"{file}: {where}: answer {row['answer']!r}: {exc}; cannot be placed"
        ) from None
    return _problem(
        file,
        where,
        id=str(row.get("id", number - 1)),
        premises=premises,
        conclusion=conclusion,
        label=label,
        dataset=dataset,
    )


def _from_logicnli(row: Any, dataset: str, file: Path, number: int, where: str) -> Problem:
    """One problem of Aristotle's LogicNLI: facts and rules, a conjecture, a letter."""
    if not isinstance(row, dict):
        raise DataError(f"{file}: {where}: expected a JSON object, got {_kind(row)}")
    missing = [key for key in ("facts", "rules", "conjecture", "answer") if key not in row]
    if missing:
        raise DataError(f"{file}: {where}: missing field {', '.join(missing)}")
    answer = row["answer"]
    if not isinstance(answer, str) or answer.strip() not in LOGICNLI_LABELS:
        placed = ", ".join(f"{k} {v.value}" for k, v in LOGICNLI_LABELS.items())
        raise DataError(f"{file}: {where}: answer {answer!r} cannot be placed (only {placed})")
    facts, rules = row["facts"], row["rules"]
    if not isinstance(facts, list) or not isinstance(rules, list):
        raise DataError(f"{file}: {where}: facts and rules must be lists of sentences")
    return _problem(
        file,
        where,
        id=str(row.get("id", number - 1)),
        premises=[*facts, *rules],
        conclusion=row["conjecture"],
        label=LOGICNLI_LABELS[answer.strip()],
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
