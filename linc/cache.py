"""A persistent key-value cache in sqlite, shared by LLM requests and proofs.

One file per namespace under ``$LINC_CACHE_DIR`` (default: the user cache
directory). Keys are sha256 digests of canonical JSON, so nothing secret
or large is stored as a key. Writes are atomic and safe with several
processes writing at once (WAL journal, busy timeout).

A cache that cannot be used raises ``CacheError`` (a ``LincError``) that
says what to do: a damaged file ("cache corrupt: delete X or use
--no-cache") or a directory that cannot hold it ("cannot use cache
directory X: ..."); never a bare ``sqlite3`` or JSON error.

Text that is not valid Unicode (a lone surrogate such as ``\\udcff``, which
Python makes of undecodable bytes) is stored and hashed as it is: ``digest``
encodes with ``surrogatepass`` (every key of valid text is unchanged), and a
value holding such text is stored with JSON escapes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from linc.errors import LincError

ENV_DIR = "LINC_CACHE_DIR"

_T = TypeVar("_T")


class CacheError(LincError):
    """The cache cannot be used; ``path`` is the file or directory at fault."""

    def __init__(self, message: str, *, path: Path) -> None:
        self.path = path
        super().__init__(message)


def cache_dir() -> Path:
    """``$LINC_CACHE_DIR``, or the platform's user cache directory for linc."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("linc"))


def digest(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys, no spaces).

    Lone surrogates are hashed as their code points (``surrogatepass``), so a
    recorded completion holding one gets a key like any other text.
    """
    text = canonical_json(obj)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


HOLE = "\x00hole\x00"
"""The stand-in for the value that varies, in a ``digest_frame`` template."""


def file_digest(path: Path) -> str:
    """The sha256 of a file's bytes, as hex, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest_frame(template: Any) -> Callable[[Any], str]:
    """``value -> digest(template with value in place of HOLE)``: the JSON of the fixed part
    is made, and the hash of what comes before the hole taken, once (the digests are the
    same; JSON is written part by part, so the parts around the value do not change).

    ``HOLE`` must occur once in ``template``, as a whole string value or list item.
    """
    text = canonical_json(template)
    marker = canonical_json(HOLE)
    if text.count(marker) != 1:
        raise ValueError("a digest frame needs its hole exactly once")
    head, tail = text.split(marker)
    base = hashlib.sha256(head.encode("utf-8", "surrogatepass"))

    def one(value: Any) -> str:
        h = base.copy()
        h.update((canonical_json(value) + tail).encode("utf-8", "surrogatepass"))
        return h.hexdigest()

    return one


def digest_after(head: list[Any]) -> Callable[[Any], str]:
    """``lambda last: digest([*head, last])``, the JSON and hash of ``head`` done once."""
    return digest_frame([*head, HOLE])


def canonical_json(obj: Any) -> str:
    """The JSON text ``digest`` hashes: sorted keys, no spaces, Unicode as it is."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def compact_json(value: Any) -> str:
    """``value`` as compact JSON; with ``\\u`` escapes when it holds text UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return text


_BATCH = 500
"""Keys per ``get_many`` query (SQLite caps the parameters of one statement)."""


class Cache:
    """A string-to-JSON store in ``<dir>/<namespace>.sqlite``.

    One connection per thread; usable from several processes at once.
    """

    def __init__(self, namespace: str, *, directory: Path | str | None = None) -> None:
        base = Path(directory) if directory is not None else cache_dir()
        try:
            base.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(
                f"cannot use cache directory {base}: {exc.strerror or exc}; "
                f"set ${ENV_DIR} (or --cache-dir) to a writable directory, or use --no-cache",
                path=base,
            ) from None
        self.path = base / f"{namespace}.sqlite"
        self._local = threading.local()
        self._guard(
            lambda: self._connect().execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
        )

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
        return conn

    def _guard(self, action: Callable[[], _T]) -> _T:
        """Run ``action``; a damaged file or an unusable one becomes a ``CacheError``."""
        try:
            return action()
        except sqlite3.OperationalError as exc:
            if _damaged(exc):
                raise self._corrupt(exc) from None
            raise CacheError(
                f"cannot use cache {self.path}: {exc}; fix it, delete it, or use --no-cache",
                path=self.path,
            ) from None
        except (sqlite3.DatabaseError, json.JSONDecodeError) as exc:
            raise self._corrupt(exc) from None

    def _corrupt(self, exc: Exception) -> CacheError:
        extra = [
            side.name
            for side in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm"))
            if side.exists()
        ]
        also = f" (and {', '.join(extra)})" if extra else ""
        return CacheError(
            f"cache corrupt: delete {self.path}{also} or use --no-cache ({exc})", path=self.path
        )

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""

        def read() -> Any | None:
            row = (
                self._connect()
                .execute("SELECT value FROM entries WHERE key = ?", (key,))
                .fetchone()
            )
            return None if row is None else json.loads(row[0])

        return self._guard(read)

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        """The values stored under any of ``keys`` (one query), by key."""

        def read() -> dict[str, Any]:
            found: dict[str, Any] = {}
            conn = self._connect()
            for start in range(0, len(keys), _BATCH):
                batch = keys[start : start + _BATCH]
                marks = ",".join("?" * len(batch))
                query = f"SELECT key, value FROM entries WHERE key IN ({marks})"
                found.update((key, json.loads(value)) for key, value in conn.execute(query, batch))
            return found

        return self._guard(read) if keys else {}

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold) under ``key``."""
        text = compact_json(value)
        self._guard(
            lambda: self._connect().execute(
                "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", (key, text)
            )
        )

    def put_many(self, items: dict[str, Any]) -> None:
        """Store several values in one transaction (one commit instead of one each)."""
        if not items:
            return
        rows = [(key, compact_json(value)) for key, value in items.items()]

        def write() -> None:
            conn = self._connect()
            with conn:  # a transaction: committed at the end, rolled back on an error
                conn.execute("BEGIN")
                conn.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows)

        self._guard(write)

    def __len__(self) -> int:
        return self._guard(
            lambda: int(self._connect().execute("SELECT COUNT(*) FROM entries").fetchone()[0])
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


_DAMAGE = ("malformed", "not a database", "corrupt")


def _damaged(exc: sqlite3.Error) -> bool:
    return any(word in str(exc) for word in _DAMAGE)
