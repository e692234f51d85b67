"""Choosing the model: embedded by default, any OpenAI-compatible endpoint otherwise."""

from __future__ import annotations

import pytest

from linc.config import EMBEDDED_MODEL_ID, GrammarMode, LLMConfig, redact_url, resolve_config
from linc.errors import ConfigError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LINC_MODEL", "LINC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_no_model_and_no_url_means_the_embedded_model() -> None:
    cfg = resolve_config()
    assert cfg.embedded and cfg.model_id.startswith(EMBEDDED_MODEL_ID)
    assert cfg.use_grammar and cfg.n_shots == 2 and cfg.price(1000, 1000) == 0.0


def test_a_server_url_without_a_model_name_sends_default() -> None:
    cfg = resolve_config(base_url="http://127.0.0.1:8080/v1")
    assert not cfg.embedded and cfg.model == "default" and cfg.n_shots == 8
    assert not cfg.use_grammar and cfg.api_key() == "no-key"
    assert resolve_config(base_url="http://h/v1", grammar=GrammarMode.ON).use_grammar


def test_environment_chooses_model_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINC_MODEL", "gemma")
    monkeypatch.setenv("LINC_BASE_URL", "http://127.0.0.1:9/v1")
    cfg = resolve_config()
    assert (cfg.model, cfg.base_url) == ("gemma", "http://127.0.0.1:9/v1")
    assert resolve_config(model="other").model == "other"


def test_openai_without_a_key_says_what_to_set() -> None:
    cfg = resolve_config(model="gpt-4o-mini")
    with pytest.raises(ConfigError, match=r"\$OPENAI_API_KEY"):
        cfg.api_key()


def test_key_is_read_from_the_named_variable_and_never_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_KEY", "sk-abc123")
    cfg = resolve_config(model="gpt-4o-mini", api_key_env="MY_KEY")
    assert cfg.api_key() == "sk-abc123"
    assert "sk-abc123" not in cfg.model_dump_json()


def test_embedded_with_a_url_is_refused() -> None:
    with pytest.raises(ConfigError):
        resolve_config(model="embedded", base_url="http://h/v1")


def test_bad_options_are_config_errors_naming_the_option() -> None:
    with pytest.raises(ConfigError, match=r"^model option k: Input should be greater than"):
        resolve_config(k=0)
    with pytest.raises(ConfigError, match=r"^model option shots: "):
        resolve_config(shots=9)
    with pytest.raises(ConfigError, match=r"temperature: .*; max_tokens: "):
        resolve_config(temperature=-1, max_tokens=0)


def test_url_credentials_are_dropped() -> None:
    assert redact_url("https://u:p@example.com:8443/v1?x=1") == "https://example.com:8443/v1?x=1"
    assert redact_url("http://h/v1") == "http://h/v1"
    assert LLMConfig(model="m", base_url="http://bob:pw@h/v1").base_url == "http://h/v1"


def test_cost_needs_prices() -> None:
    cfg = resolve_config(model="m", base_url="http://h/v1")
    assert cfg.price(10, 10) is None
    priced = resolve_config(model="m", base_url="http://h/v1", price_in=1.0, price_out=2.0)
    assert priced.price(1_000_000, 500_000) == pytest.approx(2.0)


def test_missing_local_extra_says_which_pip_install_to_run(tmp_path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['llama_cpp'] = None; "  # as if the extra were not installed
        "from linc.cli import main; "
        "sys.exit(main(['ask', '-p', 'All dogs bark.', '-c', 'Rex barks.', '--k', '1', '--no-cache']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "pip install 'linc[local]'" in result.stderr
