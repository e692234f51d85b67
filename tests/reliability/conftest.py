"""Fixtures of the reliability tests (helpers in ``linc_process``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from linc_process import replay, write_linc_run


@pytest.fixture
def tiny_run(tmp_path: Path) -> Path:
    """The generations file of the hand-written LINC run."""
    return write_linc_run(tmp_path / "recorded")


@pytest.fixture
def replayed(tmp_path: Path, tiny_run: Path) -> Path:
    """The ``--out`` folder of a parity replay of the tiny run."""
    out = tmp_path / "replayed"
    done = replay(tiny_run, out, cwd=tmp_path)
    assert done.returncode == 0, str(done)
    return out
