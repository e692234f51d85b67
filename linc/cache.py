"""A persistent key-value cache in sqlite, shared by LLM requests and proofs.

One file per namespace under ``$LINC_CACHE_DIR`` (default: the user cache
directory). Keys are sha256 digests of canonical JSON, so nothing secret
or large is stored as a key. Writes are atomic and safe with several
processes writing at once (WAL journal, busy timeout).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

ENV_DIR = "LINC_CACHE_DIR"


def cache_dir() -> Path:
    """``$LINC_CACHE_DIR``, or the platform's user cache directory for linc."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("linc"))


def digest(obj: Any) -> str:
    """sha256 of the canonical JSON of ``obj`` (sorted keys, no spaces)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Cache:
    """A string-to-JSON store in ``<dir>/<namespace>.sqlite``.

    One connection per thread; usable from several processes at once.
    """

    def __init__(self, namespace: str, *, directory: Path | str | None = None) -> None:
        base = Path(directory) if directory is not None else cache_dir()
        base.mkdir(parents=True, exist_ok=True)
        self.path = base / f"{namespace}.sqlite"
        self._local = threading.local()
        with self._connect() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""
        row = self._connect().execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (anything JSON can hold) under ``key``."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        self._connect().execute(
            "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", (key, text)
        )

    def put_many(self, items: dict[str, Any]) -> None:
        """Store several values in one transaction (one commit instead of one each)."""
        if not items:
            return
        rows = [
            (key, json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            for key, value in items.items()
        ]
        conn = self._connect()
        with conn:  # a transaction: committed at the end, rolled back on an error
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", rows)

    def __len__(self) -> int:
        return int(self._connect().execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
