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


FOLIO8_RAW = "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"


@pytest.fixture(scope="session")
def folio8_replays(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``--out`` folders of a parity (``linc``) and a ``best`` replay of FOLIO 8-shot's first 20
    problems (10 samples each), made once per test session."""
    from linc.cli import main

    root = tmp_path_factory.mktemp("folio8-replays")
    out = {}
    for mode in ("linc", "best"):
        folder = root / mode
        code = main(
            ["eval", "replay", "--format", "linc", "--generations", str(shared_data / FOLIO8_RAW),
             "--voting", mode, "--limit", "20", "--workers", "2",
             "--cache-dir", str(root / "cache"), "--out", str(folder), "--json"]
        )  # fmt: skip
        assert code == 0
        out[mode] = folder
    return out
