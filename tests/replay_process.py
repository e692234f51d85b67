"""A ``linc eval replay`` of LINC's gpt-4 ProofWriter run in a child process, for tests that
signal or kill it (or its workers) part-way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PW4 = "recorded/linc/gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json"
REPO = Path(__file__).resolve().parent.parent


def start_replay(
    shared_data: Path, tmp_path: Path, *, stdout: int | None
) -> subprocess.Popen[bytes]:
    """The replay (``--voting linc``, 2 workers, no cache) writing to ``tmp_path / "out"``."""
    return subprocess.Popen(
        [sys.executable, "-m", "linc", "eval", "replay", "--generations", str(shared_data / PW4),
         "--voting", "linc", "--workers", "2", "--no-cache", "--out", str(tmp_path / "out"),
         "--json"],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "LINC_CACHE_DIR": str(tmp_path / "cache")},
        cwd=REPO,
    )  # fmt: skip
