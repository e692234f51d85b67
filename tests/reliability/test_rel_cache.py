"""Issue 12 item 8: a damaged cache, or a cache directory that cannot be one, is a clear error.

Before: ``sqlite3.DatabaseError``, ``JSONDecodeError`` or ``FileExistsError``
tracebacks. Now: exit 1 and "cache corrupt: delete X or use --no-cache" (the
advice works: with X deleted the same command succeeds), or "cannot use
cache directory X: ...".
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from linc_process import DEAD_MODEL, ERROR, assert_clean, linc_env, run_linc, write_problems


def _garbage(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def _truncated(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2 + 100)


def _zero_filled(path: Path) -> None:
    path.write_bytes(bytes(path.stat().st_size))


def _zeroed_page(path: Path) -> None:
    """The last page (the table's rows) zeroed: the file opens, reading a row fails."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size - 4096)
        handle.write(bytes(4096))


def _bad_value(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE entries SET value = '{not json'")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbage": _garbage,
    "truncated": _truncated,
    "zero-filled": _zero_filled,
    "zeroed-page": _zeroed_page,
    "bad-value": _bad_value,
}


def _warm_cache(tmp_path: Path, tiny_run: Path) -> Path:
    cache = tmp_path / "cache"
    done = _replay(tiny_run, tmp_path, cache)
    assert_clean(done, [0])
    assert (cache / "samples.sqlite").is_file() and (cache / "proofs.sqlite").is_file()
    for side in cache.glob("*.sqlite-*"):  # -wal/-shm of a closed database, if any
        side.unlink()
    return cache


def _replay(generations: Path, tmp_path: Path, cache: Path):
    return run_linc(
        "eval", "replay", "--generations", generations, "--voting", "best", "--workers", "1",
        "--json", cwd=tmp_path, cache=cache,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("namespace", "damage"),
    [("samples", damage) for damage in DAMAGE] + [("proofs", "garbage"), ("proofs", "zeroed-page")],
)
def test_a_damaged_cache_file_says_delete_it(
    tmp_path: Path, tiny_run: Path, damage: str, namespace: str
) -> None:
    cache = _warm_cache(tmp_path, tiny_run)
    target = cache / f"{namespace}.sqlite"
    DAMAGE[damage](target)
    done = _replay(tiny_run, tmp_path, cache)
    assert_clean(done, [ERROR])
    assert f"cache corrupt: delete {target}" in done.stderr, str(done)
    assert "--no-cache" in done.stderr
    for stale in cache.glob(f"{namespace}.sqlite*"):
        stale.unlink()
    assert_clean(_replay(tiny_run, tmp_path, cache), [0])  # the advice works


@pytest.mark.parametrize(
    "where", ["a file", "under a file", "/proc/linc-no-such-dir", "/proc/self"]
)
@pytest.mark.parametrize("command", ["eval replay", "eval run", "ask"])
def test_a_cache_directory_that_cannot_be_one(
    tmp_path: Path, tiny_run: Path, where: str, command: str
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("not a directory\n")
    cache = {"a file": afile, "under a file": afile / "sub"}.get(where, Path(where))
    args = {
        "eval replay": ["eval", "replay", "--generations", tiny_run, "--workers", "1", "--json"],
        "eval run": [
            "eval", "run", "--dataset", "jsonl", "--path", write_problems(tmp_path / "p.jsonl"),
            "--limit", "1", "--k", "1", "--no-progress", *DEAD_MODEL,
        ],
        "ask": ["ask", "-p", "All dogs bark.", "-c", "Rex barks.", "--k", "1", *DEAD_MODEL],
    }[command]  # fmt: skip
    done = run_linc(*args, cwd=tmp_path, env=linc_env(cache), timeout=90)
    assert_clean(done, [ERROR])
    assert "cannot use cache" in done.stderr and str(cache) in done.stderr, str(done)
