"""Issue 12, item 13: no secret of the endpoint is stored or printed.

Before: the Basic auth token made from ``user:password@`` in a base URL
landed in ``records.jsonl``, on stderr and in ``ask`` output when a server
echoed the request's headers, and a ``?api_key=`` in the base URL was printed
in ``report.json``/``report.md`` (and broke the request URL). Now the URL's
query goes out as the client's default query, and the token, the password,
``user:password``, the API key and secret query values are masked in every
error, log line, completion and report.

Real ``linc`` processes against the real fault server of
``tests/llm/conftest.py``, whose ``echo``/``echo500`` answers repeat the
request line and headers.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from linc_process import assert_clean, linc_env, run_linc

from linc.config import LLMConfig, redact_url

USER, PASSWORD = "alice", "s3cret-pa55word"
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
QUERY_SECRET = "qs-canary-9f3e1d"
API_KEY = "sk-canary-key-4b7a0c"
LEAKS = (TOKEN, PASSWORD, f"{USER}:{PASSWORD}", QUERY_SECRET, API_KEY)


def secret_url(url: str, *, credentials: bool = True) -> str:
    """The fault server's URL with credentials and a secret (and a harmless) query value."""
    if credentials:
        url = url.replace("http://", f"http://{USER}:{PASSWORD}@")
    return f"{url}?api_key={QUERY_SECRET}&api-version=2024-06"


def assert_no_leak(where: str, text: str | bytes) -> None:
    for leak in LEAKS:
        found = leak.encode() in text if isinstance(text, bytes) else leak in text
        assert not found, f"{leak!r} leaked into {where}"


def assert_secrets_were_sent(fault_server, *, credentials: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The secrets did reach the server (so a request without them would be noticed):
    the URL's user and password as Basic auth (it replaces the key), else the API key."""
    first = fault_server.log.requests[0]
    expected = f"Basic {TOKEN}" if credentials else f"Bearer {API_KEY}"
    assert first["authorization"] == expected
    path = first["path"]
    assert path.startswith("/v1/chat/completions?"), path
    assert f"api_key={QUERY_SECRET}" in path and "api-version=2024-06" in path


def test_eval_run_keeps_no_secret_in_records_reports_or_output(
    fault_server, tmp_path: Path
) -> None:
    fault_server.set_script(["echo500", "echo"])
    problems = tmp_path / "problems.jsonl"
    row = {"id": "q0", "premises": ["All dogs bark.", "Rex is a dog."], "conclusion": "Rex barks."}
    problems.write_text(json.dumps(row) + "\n", encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    done = run_linc(
        "-v", "-v", "eval", "run", "--dataset", "jsonl", "--path", problems,
        "--base-url", secret_url(fault_server.url), "--model", "m", "--k", "2", "--shots", "1",
        "--workers", "1", "--no-progress", "--out", out, "--json",
        cwd=tmp_path, env=linc_env(cache, OPENAI_API_KEY=API_KEY), timeout=180,
    )  # fmt: skip
    assert_clean(done, [0])
    assert_no_leak("stdout", done.stdout)
    assert_no_leak("stderr", done.stderr)
    for path in [*out.rglob("*"), *cache.rglob("*")]:
        if path.is_file():
            assert_no_leak(str(path.relative_to(tmp_path)), path.read_bytes())
    report = json.loads(done.stdout)
    assert report["errors"] == {} and report["config"]["retries"] >= 1
    assert report["config"]["base_url"] == (fault_server.url + "?api_key=***&api-version=2024-06")
    # the echoes did arrive (masked), in the completions kept in the records
    kept = (out / "records.jsonl").read_text(encoding="utf-8")
    assert "authorization: basic ***" in kept.lower() and "api_key=***" in kept
    assert_secrets_were_sent(fault_server)


@pytest.mark.parametrize(("as_json", "credentials"), [(False, True), (True, True), (True, False)])
def test_ask_prints_no_secret_a_server_echoes(
    fault_server, tmp_path: Path, as_json: bool, credentials: bool
) -> None:
    fault_server.set_script(["echo500", "echo", "400"])
    done = run_linc(
        "-v", "-v", "ask", "-p", "All dogs bark.", "-p", "Rex is a dog.", "-c", "Rex barks.",
        "--base-url", secret_url(fault_server.url, credentials=credentials), "--model", "m",
        "--k", "2", "--no-cache", "--repair-rounds", "0", *(["--json"] if as_json else []),
        cwd=tmp_path, env=linc_env(tmp_path / "cache", OPENAI_API_KEY=API_KEY), timeout=180,
    )  # fmt: skip
    assert_clean(done, [0])
    assert_no_leak("stdout", done.stdout)
    assert_no_leak("stderr", done.stderr)
    assert "***" in done.stdout + done.stderr, "the echo was shown, masked"
    assert_secrets_were_sent(fault_server, credentials=credentials)


def test_query_secrets_are_masked_in_stored_urls() -> None:
    assert redact_url("http://u:p@h:8/v1?api_key=abc&api-version=1") == (
        "http://h:8/v1?api_key=***&api-version=1"
    )
    for name in ("key", "token", "access_token", "x-api-key", "client_secret", "sig"):
        assert redact_url(f"http://h/v1?{name}=abc") == f"http://h/v1?{name}=***"
    assert redact_url("http://h/v1?model=m&x=1") == "http://h/v1?model=m&x=1"
    config = LLMConfig(model="m", base_url=f"https://h/v1?token={QUERY_SECRET}")
    assert QUERY_SECRET not in config.model_dump_json()


def test_the_request_url_carries_the_query_and_no_credentials() -> None:
    from linc.parsers.llm_client import split_url

    endpoint = split_url(
        f"http://{USER}:{PASSWORD}@h:8/v1?api_key={QUERY_SECRET}&v=1", api_key=API_KEY
    )
    assert endpoint.url == "http://h:8/v1"
    assert endpoint.query == {"api_key": QUERY_SECRET, "v": "1"}
    assert endpoint.headers == {"Authorization": f"Basic {TOKEN}"}
    echoed = f"GET /v1?api_key={QUERY_SECRET}; Authorization: Basic {TOKEN}; pw {PASSWORD}"
    assert_no_leak("a scrubbed message", endpoint.secrets.scrub(echoed))
    assert_no_leak("a scrubbed completion", endpoint.secrets.scrub_completion(echoed))
    # a completion is touched only where a secret stands: formulas stay as written
    formula = "FOL:\tall x. (Key(x) -> token=x)"
    assert endpoint.secrets.scrub_completion(formula) == formula
