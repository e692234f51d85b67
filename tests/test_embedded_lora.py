"""The ``lora`` lever: the adapter is part of the model's identity, and a missing one is named."""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

import pytest

from linc.config import EMBEDDED_ADAPTER, EMBEDDED_MODEL_ID, LLMConfig
from linc.errors import ConfigError
from linc.parsers import llm_client

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs tomllib or tomli")


def test_the_adapter_changes_the_model_id_so_cached_completions_are_not_shared() -> None:
    plain = LLMConfig(levers=["formulas"])
    adapted = LLMConfig(levers=["formulas", "lora"])
    assert plain.model_id == EMBEDDED_MODEL_ID
    assert adapted.model_id != plain.model_id
    assert EMBEDDED_ADAPTER.removesuffix(".gguf") in adapted.model_id


def test_a_missing_adapter_is_a_config_error_that_names_the_file_and_the_recipe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(llm_client, "EMBEDDED_ADAPTER", "no-such-adapter.gguf")
    with pytest.raises(ConfigError, match=r"no-such-adapter\.gguf.*lora_train"):
        llm_client.adapter_path()


def test_the_adapter_ships_in_the_package_and_is_small() -> None:
    """A wheel carries the adapter (package data), and it stays under the 50 MB the issue allows."""
    root = Path(__file__).resolve().parents[1]
    package_data = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["linc.parsers"]
    shipped = sorted((root / "parsers" / "adapters").iterdir())
    assert shipped, "parsers/adapters is empty"
    for path in shipped:
        relative = f"adapters/{path.name}"
        assert any(fnmatch.fnmatch(relative, glob) for glob in package_data), relative
    assert llm_client.adapter_path().stat().st_size <= 50 * 1024 * 1024
