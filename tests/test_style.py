"""The tree passes ruff's lint rules and formatting (config in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    beside = Path(sys.executable).with_name("ruff")  # the one the dev extra pinned
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed (extra 'dev')")
    return found


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]])
def test_ruff(command: list[str]) -> None:
    done = subprocess.run(
        [_ruff(), *command, "."], cwd=REPO, check=False, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
