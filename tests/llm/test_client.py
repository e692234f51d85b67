"""The request layer against a real local HTTP server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from linc.cache import Cache
from linc.config import LLMConfig
from linc.errors import LLMError
from linc.parsers.llm_client import LLMClient

PROBLEM = [
    {"role": "system", "content": "translate"},
    {
        "role": "user",
        "content": "PREMISES:\nAll dogs bark.\nRex is a dog.\nCONCLUSION:\nRex barks.\n",
    },
]


def config(url: str, **options: object) -> LLMConfig:
    base = {
        "model": "m",
        "base_url": url,
        "timeout": 1.0,
        "backoff": 0.01,
        "backoff_max": 0.05,
        "max_retries": 5,
    }
    return LLMConfig(**{**base, **options})  # type: ignore[arg-type]


def test_every_fault_is_retried_until_an_answer(fault_server, tmp_path: Path) -> None:
    client = LLMClient(config(fault_server.url), cache=Cache("llm", directory=tmp_path))
    completion = asyncio.run(client.complete(PROBLEM, index=0))
    assert fault_server.log.answered == ["429", "500", "garbage", "slow", "ok"]
    assert completion.attempts == 5 and not completion.cached
    assert "FOL:\tS0(Obj)" in completion.text
    assert client.stats.requests == 5 and client.stats.retries == 4 and client.stats.failures == 0
    assert completion.prompt_tokens == 100 and completion.completion_tokens == 20


def test_empty_choices_are_malformed_and_retried(fault_server, tmp_path: Path) -> None:
    fault_server.set_script(["empty", "ok"])
    client = LLMClient(config(fault_server.url), cache=False)
    completion = asyncio.run(client.complete(PROBLEM, index=0))
    assert completion.attempts == 2 and fault_server.log.answered == ["empty", "ok"]


def test_gives_up_after_the_retries_with_an_error(fault_server) -> None:
    fault_server.set_script(["500"])
    client = LLMClient(config(fault_server.url, max_retries=2), cache=False)
    with pytest.raises(LLMError, match="gave up after 3 attempts: HTTP 500"):
        asyncio.run(client.complete(PROBLEM, index=0))
    assert len(fault_server.log.requests) == 3 and client.stats.failures == 1


def test_client_errors_are_not_retried(fault_server) -> None:
    fault_server.set_script(["404"])
    client = LLMClient(config(fault_server.url), cache=False)
    with pytest.raises(LLMError, match="HTTP 404"):
        asyncio.run(client.complete(PROBLEM, index=0))
    assert len(fault_server.log.requests) == 1


def test_rerun_is_served_from_the_cache(fault_server, tmp_path: Path) -> None:
    fault_server.set_script(["ok"])
    first = LLMClient(config(fault_server.url), cache=Cache("llm", directory=tmp_path))
    texts = [asyncio.run(first.complete(PROBLEM, index=i)).text for i in range(2)]
    assert len(fault_server.log.requests) == 2
    again = LLMClient(config(fault_server.url), cache=Cache("llm", directory=tmp_path))
    hits = [asyncio.run(again.complete(PROBLEM, index=i)) for i in range(2)]
    assert len(fault_server.log.requests) == 2, "a cached rerun must not send a request"
    assert [h.text for h in hits] == texts and all(h.cached for h in hits)
    assert again.stats.requests == 0 and again.stats.cache_hits == 2


def test_samples_are_separate_requests_with_their_own_seed(fault_server) -> None:
    fault_server.set_script(["ok"])
    client = LLMClient(config(fault_server.url, seed=7), cache=False)

    async def run() -> None:
        await asyncio.gather(*(client.complete(PROBLEM, index=i) for i in range(3)))

    asyncio.run(run())
    seeds = sorted(r["body"]["seed"] for r in fault_server.log.requests)
    assert seeds == [7, 8, 9]
    assert all(r["body"].get("n", 1) == 1 for r in fault_server.log.requests)


def test_concurrency_limit_holds(fault_server) -> None:
    fault_server.set_script(["slow"], slow_seconds=0.3)
    client = LLMClient(config(fault_server.url, timeout=5.0, concurrency=2), cache=False)

    async def run() -> None:
        await asyncio.gather(*(client.complete(PROBLEM, index=i) for i in range(6)))

    asyncio.run(run())
    assert len(fault_server.log.requests) == 6
    assert fault_server.log.max_in_flight == 2


def test_api_key_never_stored_or_logged(
    fault_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "sk-canary-4d1f9e0b7c"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    caplog.set_level(logging.DEBUG)
    fault_server.set_script(["429", "401"])
    cfg = config(fault_server.url)
    client = LLMClient(cfg, cache=Cache("llm", directory=tmp_path))
    with pytest.raises(LLMError) as refused:
        asyncio.run(client.complete(PROBLEM, index=0))
    assert "401" in str(refused.value) and secret not in str(refused.value)
    fault_server.set_script(["ok"])
    asyncio.run(client.complete(PROBLEM, index=1))
    # the key did reach the server, so a request without it would be noticed
    assert fault_server.log.requests[0]["authorization"] == f"Bearer {secret}"
    assert len(client.cache or []) == 1
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in stored
    assert secret not in caplog.text
    assert secret not in cfg.model_dump_json()


def test_url_credentials_are_used_but_never_stored_or_logged(
    fault_server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fault_server.set_script(["500", "ok"])
    url = fault_server.url.replace("http://", "http://alice:pa55word@")
    cfg = config(url)
    assert cfg.base_url == fault_server.url
    client = LLMClient(cfg, cache=Cache("llm", directory=tmp_path), base_url=url)
    asyncio.run(client.complete(PROBLEM, index=0))
    assert fault_server.log.requests[-1]["authorization"] == "Basic YWxpY2U6cGE1NXdvcmQ="
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for leak in ("pa55word", "alice", "YWxpY2U6cGE1NXdvcmQ="):
        assert leak.encode() not in stored
        assert leak not in caplog.text
        assert leak not in cfg.model_dump_json()
