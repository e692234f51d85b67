"""Issue 12 item 11: an ``--out`` that cannot be written is a clear error; a full disk
mid-run keeps what was written, and ``--resume`` goes on from it.

Before: ``FileExistsError``/``OSError`` tracebacks (``--out`` a file, under
``/proc``, on a full disk).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from linc_process import (
    DEAD_MODEL,
    ERROR,
    assert_clean,
    replay,
    run_linc,
    write_linc_run,
    write_problems,
)

from linc.evals.records import RECORDS, read_records

PROBLEMS = 48  # the tiny run 12 times over: about 60 kB of records


def _out_args(command: str, tmp_path: Path, tiny_run: Path, out: Path) -> list:
    if command == "eval replay":
        return ["eval", "replay", "--generations", tiny_run, "--no-cache", "--workers", "1",
                "--out", out, "--json"]  # fmt: skip
    return ["eval", "run", "--dataset", "jsonl", "--path", write_problems(tmp_path / "p.jsonl"),
            "--k", "1", "--no-progress", "--no-cache", *DEAD_MODEL, "--out", out]  # fmt: skip


@pytest.mark.parametrize("command", ["eval replay", "eval run"])
@pytest.mark.parametrize("where", ["a file", "under a file", "/proc/linc-out", "/proc/self/out"])
def test_an_out_that_cannot_be_a_folder(
    tmp_path: Path, tiny_run: Path, command: str, where: str
) -> None:
    afile = tmp_path / "afile"
    afile.write_text("keep me\n")
    out = {"a file": afile, "under a file": afile / "run"}.get(where, Path(where))
    done = run_linc(*_out_args(command, tmp_path, tiny_run, out), cwd=tmp_path)
    assert_clean(done, [ERROR])
    assert str(out) in done.stderr and "--out" in done.stderr, str(done)
    assert afile.read_text() == "keep me\n"


def _check_stopped_then_resumed(tmp_path: Path, generations: Path, out: Path, stopped) -> None:
    """The stopped run kept whole records; ``--resume`` finishes it as a fresh run would."""
    assert_clean(stopped, [ERROR])
    assert f"cannot write {out / RECORDS}" in stopped.stderr, str(stopped)
    assert "--resume" in stopped.stderr
    kept = read_records(out / RECORDS)
    assert 0 < len(kept) < PROBLEMS
    resumed = replay(generations, out, "--resume", cwd=tmp_path)
    assert_clean(resumed, [0])
    fresh = replay(generations, tmp_path / "fresh", cwd=tmp_path)
    assert_clean(fresh, [0])
    got, want = json.loads(resumed.stdout), json.loads(fresh.stdout)
    assert (got["n"], got["accuracy"]) == (want["n"], want["accuracy"]) == (PROBLEMS, 1.0)
    records = read_records(out / RECORDS)
    assert sorted(r.index for r in records) == list(range(PROBLEMS))


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 32 kB file system (tmpfs; needs root, else the test is skipped)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.decode(errors='replace')}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_mid_run_keeps_the_records_and_resume_recovers(
    tmp_path: Path, small_disk: Path
) -> None:
    generations = write_linc_run(tmp_path / "recorded", repeat=PROBLEMS // 4)
    out = small_disk / "run"
    stopped = replay(generations, out, cwd=tmp_path)
    assert "No space left on device" in stopped.stderr, str(stopped)
    subprocess.run(["mount", "-o", "remount,size=1m", str(small_disk)], check=True)  # make room
    _check_stopped_then_resumed(tmp_path, generations, out, stopped)


def test_a_file_size_limit_mid_run_keeps_the_records_and_resume_recovers(tmp_path: Path) -> None:
    """The same through RLIMIT_FSIZE (EFBIG instead of ENOSPC), which needs no root."""
    generations = write_linc_run(tmp_path / "recorded", repeat=PROBLEMS // 4)
    out = tmp_path / "run"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    stopped = run_linc(
        "eval", "replay", "--generations", generations, "--voting", "linc", "--workers", "1",
        "--no-cache", "--out", out, "--json", cwd=tmp_path, preexec_fn=small_files,
    )  # fmt: skip
    assert "File too large" in stopped.stderr, str(stopped)
    assert os.path.getsize(out / RECORDS) <= 20_000
    _check_stopped_then_resumed(tmp_path, generations, out, stopped)
