"""The records file of a run: one ``ProblemRecord`` per line, written durably, read leniently."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from linc.cache import compact_json

from .report import ProblemRecord

log = logging.getLogger(__name__)


class JsonlWriter:
    """Append ``ProblemRecord`` lines to a file, durably, one per call.

    Each line is flushed and fsynced before ``write`` returns, so a kill
    loses at most the line being written (which ``read_records`` skips).
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _drop_partial_last_line(self.path)
        self._handle: TextIO = self.path.open("a", encoding="utf-8")

    def write(self, record: ProblemRecord) -> None:
        self._handle.write(_line(record) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlWriter:  # noqa: PYI034 - typing.Self needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(record: ProblemRecord) -> str:
    """The record as one JSON line; model text with a lone surrogate (which UTF-8
    cannot encode) is written as a ``\\u`` escape, which ``read_records`` reads back."""
    try:
        return record.model_dump_json()
    except PydanticSerializationError:
        return compact_json(record.model_dump(mode="json"))


def _drop_partial_last_line(path: Path) -> None:
    """Cut an unterminated last line left by a kill mid-write."""
    if not path.is_file() or path.stat().st_size == 0:
        return
    with path.open("rb+") as handle:
        handle.seek(-1, os.SEEK_END)
        if handle.read(1) == b"\n":
            return
        data = path.read_bytes()
        cut = data.rfind(b"\n") + 1
        handle.truncate(cut)


RECORDS = "records.jsonl"
"""The file, in a run's ``--out`` folder, that holds one ``ProblemRecord`` a finished problem."""


def read_records(path: Path | str) -> list[ProblemRecord]:
    """The records of a JSONL file; a damaged line (an interrupted write) is skipped."""
    path = Path(path)
    if not path.is_file():
        return []
    out: list[ProblemRecord] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(ProblemRecord.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as exc:
                log.warning(
                    "%s:%d: skipping a damaged record (%s)", path, number, type(exc).__name__
                )
    return out
