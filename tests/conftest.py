"""Shared fixtures. Real data is found through ``shared_data`` only."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path | None:
    """``$LINC_SHARED_DATA`` or ``../shared/data`` beside the checkout, if present."""
    env = os.environ.get("LINC_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The benchmark data folder; skips the test when it is absent."""
    path = shared_data_dir()
    if path is None:
        pytest.skip(
            "shared benchmark data not found: put it at ../shared/data or set LINC_SHARED_DATA"
        )
    return path
