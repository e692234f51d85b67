"""A run's output folder: one run per folder, records streamed, resume checked.

``run.json`` holds the run's identity (its settings and its source); a
``--resume`` into a folder whose identity differs is refused with the
settings that differ, and a lock (``fcntl.flock``) refuses a second run on
the same folder while one is writing it.
"""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path
from typing import IO, Any

from linc.errors import ConfigError

from .records import RECORDS, JsonlWriter, read_records
from .report import ProblemRecord

log = logging.getLogger(__name__)

IDENTITY = "run.json"
LOCK = ".lock"


class RunFolder:
    """The output folder of one run (see the module doc)."""

    def __init__(self, path: Path | str, *, identity: dict[str, Any]) -> None:
        self.path = Path(path)
        self.identity = json.loads(json.dumps(identity, default=str))
        self._lock: IO[str] | None = None
        self._writer: JsonlWriter | None = None

    def open(self, *, resume: bool, ids: dict[int, str]) -> dict[int, ProblemRecord]:
        """Lock the folder, check or write its identity; the finished records to keep."""
        self.path.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        records_path = self.path / RECORDS
        done: dict[int, ProblemRecord] = {}
        if resume:
            self._check_identity()
            for record in read_records(records_path):
                if ids.get(record.index) == record.id:
                    done[record.index] = record
            if done:
                log.info("resuming: %d of %d problems already done", len(done), len(ids))
        elif records_path.exists():
            records_path.unlink()
        (self.path / IDENTITY).write_text(
            json.dumps(self.identity, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        self._writer = JsonlWriter(records_path)
        return done

    def write(self, record: ProblemRecord) -> None:
        if self._writer is None:
            raise RuntimeError("RunFolder.write before open")
        self._writer.write(record)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock
            self._lock = None

    def _take_lock(self) -> None:
        handle = (self.path / LOCK).open("w", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ConfigError(
                f"another run is writing to {self.path}; wait for it or choose another --out"
            ) from None
        self._lock = handle

    def _check_identity(self) -> None:
        path = self.path / IDENTITY
        if not path.is_file():
            if (self.path / RECORDS).is_file():
                raise ConfigError(
                    f"{self.path} holds records of an older linc with no {IDENTITY}: "
                    "cannot tell whether they belong to this run; start it without --resume"
                )
            return
        try:
            before = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path} is damaged ({exc}); start without --resume") from None
        differences = _differences(before, self.identity)
        if differences:
            raise ConfigError(
                f"--resume into {self.path}, which holds another run "
                f"({'; '.join(differences[:5])}); choose another --out or drop --resume"
            )


def _differences(before: Any, now: Any, prefix: str = "") -> list[str]:
    """Readable paths where two identities differ."""
    if isinstance(before, dict) and isinstance(now, dict):
        out: list[str] = []
        for key in sorted(set(before) | set(now)):
            out += _differences(before.get(key), now.get(key), f"{prefix}{key}.")
        return out
    if before != now:
        return [f"{prefix.rstrip('.')}: {before!r} there, {now!r} now"]
    return []
