"""A run's output folder: one run per folder, records streamed, resume checked.

``run.json`` holds the run's identity (its settings and its source); a
``--resume`` into a folder whose identity differs is refused with the
settings that differ, and a lock (``fcntl.flock``) refuses a second run on
the same folder while one is writing it.

A folder that cannot be made or written (``--out`` is a file, a read-only
or pseudo file system, a full disk) is a ``RunFolderError`` naming the path.
A write that fails mid-run stops the run with the records written so far
kept; ``--resume`` goes on from them (a half-written last line is dropped).
"""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path
from typing import IO, Any

from linc.errors import ConfigError, LincError
from linc.settings import DEFAULT_PRESET, Settings

from .records import RECORDS, JsonlWriter, read_records
from .report import ProblemRecord

log = logging.getLogger(__name__)

IDENTITY = "run.json"
LOCK = ".lock"


class RunFolderError(LincError):
    """An output folder that cannot be made, read or written; ``path`` is the file at fault."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(message)


class RunFolder:
    """The output folder of one run (see the module doc)."""

    def __init__(self, path: Path | str, *, identity: dict[str, Any]) -> None:
        self.path = Path(path)
        self.identity = json.loads(json.dumps(identity, default=str))
        self._lock: IO[str] | None = None
        self._writer: JsonlWriter | None = None
        self.written = 0

    def open(self, *, resume: bool, ids: dict[int, str]) -> dict[int, ProblemRecord]:
        """Lock the folder, check or write its identity; the finished records to keep."""
        try:
            return self._open(resume=resume, ids=ids)
        except OSError as exc:
            self.close()
            raise RunFolderError(
                f"cannot use --out {self.path}: {_reason(exc, self.path)}", path=self.path
            ) from None
        except UnicodeDecodeError:
            self.close()
            raise RunFolderError(
                f"{self.path / RECORDS} is not UTF-8 text: not records of a run; "
                "start without --resume or choose another --out",
                path=self.path / RECORDS,
            ) from None
        except BaseException:
            self.close()
            raise

    def _open(self, *, resume: bool, ids: dict[int, str]) -> dict[int, ProblemRecord]:
        if self.path.exists() and not self.path.is_dir():
            raise RunFolderError(
                f"--out {self.path} is a file, not a folder; choose a folder", path=self.path
            )
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
        elif records_path.exists() or records_path.is_symlink():
            records_path.unlink()
        (self.path / IDENTITY).write_text(
            json.dumps(self.identity, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        self._writer = JsonlWriter(records_path)
        self.written = len(done)
        return done

    def write(self, record: ProblemRecord) -> None:
        """Append one finished problem; a failed write (a full disk) stops the run."""
        if self._writer is None:
            raise RuntimeError("RunFolder.write before open")
        try:
            self._writer.write(record)
        except OSError as exc:
            path = self.path / RECORDS
            raise RunFolderError(
                f"cannot write {path}: {_reason(exc, path)}; the run stopped, and the "
                f"{self.written} records written before are kept: make room and rerun with "
                "--resume",
                path=path,
            ) from None
        self.written += 1

    def close(self) -> None:
        """Close the records file and release the lock (quietly when the disk is full:
        ``write`` has said so already)."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            try:
                writer.close()
            except OSError as exc:
                log.debug("closing %s: %s", self.path / RECORDS, _reason(exc, None))
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
        differences = _differences(_newer_settings(before), self.identity)
        if differences:
            raise ConfigError(
                f"--resume into {self.path}, which holds another run "
                f"({'; '.join(differences[:5])}); choose another --out or drop --resume"
            )


def _newer_settings(identity: Any) -> Any:
    """``identity`` with the settings a newer linc added filled in by their defaults
    (a run written before a setting existed ran with its default)."""
    settings = identity.get("settings") if isinstance(identity, dict) else None
    if not isinstance(settings, dict):
        return identity
    try:
        defaults = Settings.preset_of(str(settings.get("preset", DEFAULT_PRESET)))
    except ConfigError:
        return identity
    return {**identity, "settings": {**defaults.model_dump(mode="json"), **settings}}


def _reason(exc: OSError, path: Path | None) -> str:
    """What went wrong, in words (``No space left on device``), with the file at fault when
    it is not ``path``."""
    what = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None and str(exc.filename) != str(path):
        return f"{what} ({exc.filename})"
    return what


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
