"""Several servers of one model as one chat backend (``--base-url`` repeated).

Each request goes to the usable endpoint with the least load (requests in
flight or waiting there), through that endpoint's own concurrency limit.
An endpoint whose request fails in a retryable way (refused connection,
5xx, 429, timeout, malformed answer) is taken out for a backoff that
doubles with each failure in a row (``backoff`` up to ``backoff_max``
seconds), and the request goes at once to the next endpoint; when every
endpoint has failed it, the error goes to ``LLMClient``'s own retries. An
endpoint whose backoff is over gets requests again, and an answer puts it
back for good. When all are out, the one out longest is tried (a probe).

Which endpoint answered is not part of the request cache key
(``LLMClient.cache_key``): a rerun hits the cache whichever server answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .llm_client import ChatBackend, Completion, Message, RetryableError

log = logging.getLogger(__name__)


@dataclass(eq=False)
class EndpointState:
    """One server: its backend, its load and its health."""

    name: str  # the URL without credentials
    backend: ChatBackend
    load: int = 0  # requests in flight or waiting for its limit
    answered: int = 0
    failures: int = 0  # requests that failed here, in total
    streak: int = 0  # failures in a row (the backoff's exponent)
    out_until: float = 0.0  # monotonic time before which it gets no request
    gate: dict[int, asyncio.Semaphore] = field(default_factory=dict)  # per event loop

    def usable(self, now: float) -> bool:
        return now >= self.out_until


class Spread:
    """Chat requests spread over several endpoints (see the module doc)."""

    def __init__(
        self,
        endpoints: Sequence[tuple[str, ChatBackend]],
        *,
        limit: int,
        backoff: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        if not endpoints:
            raise ValueError("Spread needs at least one endpoint")
        self.endpoints = [EndpointState(name, backend) for name, backend in endpoints]
        self.limit = max(1, limit)
        self.backoff = backoff
        self.backoff_max = max(backoff_max, backoff)

    def pick(self, tried: set[int]) -> int | None:
        """The index of the endpoint for the next attempt; None when all were tried."""
        now = time.monotonic()
        left = [i for i in range(len(self.endpoints)) if i not in tried]
        if not left:
            return None
        usable = [i for i in left if self.endpoints[i].usable(now)]
        if usable:
            return min(usable, key=lambda i: (self.endpoints[i].load, i))
        return min(left, key=lambda i: self.endpoints[i].out_until)

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion:
        tried: set[int] = set()
        last: RetryableError | None = None
        while (index := self.pick(tried)) is not None:
            tried.add(index)
            endpoint = self.endpoints[index]
            endpoint.load += 1
            try:
                async with self._gate(endpoint):
                    completion = await endpoint.backend.chat(
                        messages, params=params, grammar=grammar
                    )
            except RetryableError as exc:
                self._failed(endpoint, exc)
                last = exc
                continue
            finally:
                endpoint.load -= 1
            endpoint.answered += 1
            endpoint.streak, endpoint.out_until = 0, 0.0
            return completion
        assert last is not None  # at least one endpoint was tried
        raise last

    def _gate(self, endpoint: EndpointState) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        gate = endpoint.gate.get(loop)
        if gate is None:
            gate = asyncio.Semaphore(self.limit)
            endpoint.gate = {loop: gate}
        return gate

    def _failed(self, endpoint: EndpointState, exc: RetryableError) -> None:
        endpoint.failures += 1
        endpoint.streak += 1
        pause = min(self.backoff_max, self.backoff * 2 ** (endpoint.streak - 1))
        if exc.wait is not None:
            pause = min(self.backoff_max, max(pause, exc.wait))
        endpoint.out_until = time.monotonic() + pause
        log.warning("endpoint %s: %s; out for %.1fs", endpoint.name, exc, pause)

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests answered and failed per endpoint (by URL without credentials)."""
        return {e.name: {"answered": e.answered, "failed": e.failures} for e in self.endpoints}

    async def aclose(self) -> None:
        for endpoint in self.endpoints:
            await endpoint.backend.aclose()
