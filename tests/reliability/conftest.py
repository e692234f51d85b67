"""Fixtures of the reliability tests (helpers in ``linc_process``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from linc_process import REPO, replay, write_linc_run


def _fault_server_module():  # type: ignore[no-untyped-def]
    """``tests/llm/conftest.py``, whose ``fault_server`` fixture the LLM reliability tests share."""
    name = "llm_fault_server"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "llm" / "conftest.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


fault_server = _fault_server_module().fault_server


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
