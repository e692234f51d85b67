"""Several LLM endpoints (``--base-url`` repeated): spread, per-endpoint limit, a dead one
taken out, a cache key that ignores which server answered.

Real HTTP against ``linc serve-recorded`` servers in threads (no Ray needed).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from recorded_server import serving

from linc.cache import Cache
from linc.config import LLMConfig
from linc.evals.recorded import RecordedRun, load_linc_run
from linc.evals.serve_recorded import RecordedHTTPServer, served_problems
from linc.parsers.llm_client import CACHE_NAMESPACE, LLMClient
from linc.parsers.llm_prompts import build_messages

PW4 = "recorded/linc/gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json"


@pytest.fixture(scope="module")
def pw(shared_data: Path) -> RecordedRun:
    return load_linc_run(shared_data / PW4, limit=8)


class Watch:
    """Counts a server's answers and the most it answered at once (each takes 20 ms)."""

    def __init__(self, server: RecordedHTTPServer) -> None:
        self.answered = 0
        self.now = 0
        self.most = 0
        self._lock = threading.Lock()
        answer = server.service.answer

        def watched(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.now += 1
                self.most = max(self.most, self.now)
            try:
                time.sleep(0.02)
                return answer(*args, **kwargs)
            finally:
                with self._lock:
                    self.now -= 1
                    self.answered += 1

        server.service.answer = watched  # type: ignore[method-assign]


@pytest.fixture
def two(pw: RecordedRun) -> Iterator[tuple[Watch, Watch, list[str]]]:
    with serving(pw) as a, serving(pw) as b:
        yield Watch(a), Watch(b), [a.url, b.url]


def requests(pw: RecordedRun) -> list[tuple[list[dict[str, str]], int]]:
    """Every sample of the served problems: (messages, sample index)."""
    out = []
    for problem in served_problems(pw):
        messages = build_messages(list(problem.premises), problem.conclusion, shots=8)
        out += [(messages, i) for i in range(5)]
    return out


def ask_all(client: LLMClient, asks: list[tuple[list[dict[str, str]], int]]) -> list[str]:
    async def go() -> list[str]:
        try:
            done = await asyncio.gather(*(client.complete(m, index=i) for m, i in asks))
        finally:
            await client.aclose()
        return [c.text for c in done]

    return asyncio.run(go())


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more


def test_requests_spread_over_both_servers_within_each_ones_limit(pw, two):
    a, b, urls = two
    config = LLMConfig(model="recorded", base_url=urls[0], concurrency=2)
    asks = requests(pw)
    texts = ask_all(LLMClient(config, cache=False, base_urls=urls), asks)
    by_problem = {p.id: p.completions for p in pw.problems}
    expected = [by_problem[p.id][i] for p in served_problems(pw) for i in range(5)]
    assert texts == expected
    assert a.answered + b.answered == len(asks) == 40
    assert a.answered >= 10 and b.answered >= 10  # spread, not all on one
    assert a.most <= 2 and b.most <= 2  # the per-endpoint limit
    assert a.most + b.most > 2  # both servers busy at once: more than one server's limit


def test_a_dead_endpoint_is_taken_out_and_the_other_answers(pw, two):
    a, _, urls = two
    dead = closed_port_url()
    config = LLMConfig(model="recorded", base_url=dead, concurrency=2, backoff=30.0)
    client = LLMClient(config, cache=False, base_urls=[dead, urls[0]])
    asks = requests(pw)[:20]
    texts = ask_all(client, asks)
    assert len(texts) == 20 and a.answered == 20
    stats = client.endpoint_stats()
    assert stats is not None
    assert stats[dead]["answered"] == 0
    assert 1 <= stats[dead]["failed"] <= 2  # out after its first failures, not asked again
    assert stats[urls[0]]["answered"] == 20
    assert client.stats.failures == 0


def test_the_cache_key_does_not_depend_on_the_endpoint(pw, two, tmp_path):
    a, b, urls = two
    cache = Cache(CACHE_NAMESPACE, directory=tmp_path)
    config = LLMConfig(model="recorded", base_url=urls[0])
    asks = requests(pw)[:15]
    first = ask_all(LLMClient(config, cache=cache, base_urls=urls), asks)
    served = a.answered + b.answered
    assert served == 15
    with serving(pw) as c:  # another server, alone: every answer comes from the cache
        other = LLMConfig(model="recorded", base_url=c.url)
        client = LLMClient(other, cache=cache)
        assert ask_all(client, asks) == first
        assert client.stats.cache_hits == 15 and client.stats.requests == 0
    assert a.answered + b.answered == served
