"""Outcomes shared by backends, ``decide`` and voting."""

from __future__ import annotations

from enum import Enum
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProofStatus(str, Enum):
    """What one prover call established."""

    PROVED = "proved"
    NOT_PROVED = "not_proved"  # search finished, or a countermodel exists
    UNKNOWN = "unknown"  # a limit was reached first


class Verdict(str, Enum):
    """The answer for one sample (or one problem)."""

    TRUE = "True"
    FALSE = "False"
    UNCERTAIN = "Uncertain"
    PARADOX = "Paradox"  # both follow (LogicNLI's D); voted only where a dataset has the label
    ERROR = "Error"


MAX_SECONDS = 1_000_000.0
"""The largest ``Limits.seconds`` (about 11.6 days; Z3 takes its timeout in 32-bit milliseconds)."""
MAX_MEMORY_MB = 1_048_576
"""The largest ``Limits.memory_mb`` (1 TiB)."""


class Limits(BaseModel):
    """Resource limits for one prover call.

    ``seconds`` is finite, > 0 and at most ``MAX_SECONDS``; ``memory_mb`` is
    None (no limit) or from 1 to ``MAX_MEMORY_MB``. Anything else is a
    ``linc.errors.ConfigError`` (also a ``ValueError``) naming the field.
    ``options`` holds solver-specific knobs (``{"rlimit": 5_000_000}`` for
    z3, say); a backend ignores the keys it does not know.
    """

    model_config = ConfigDict(frozen=True)

    seconds: float = Field(default=10.0, gt=0, le=MAX_SECONDS, allow_inf_nan=False)
    memory_mb: int | None = Field(default=2048, gt=0, le=MAX_MEMORY_MB)
    options: dict[str, Any] = Field(default_factory=dict)

    def __init__(self, **data: Any) -> None:
        from pydantic import ValidationError

        from linc.errors import ConfigError, validation_message

        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise ConfigError(f"limits: {validation_message(exc)}") from None

    @cached_property
    def as_json(self) -> dict[str, Any]:
        """``model_dump(mode="json")``, computed once (proof-cache keys use it per call)."""
        return self.model_dump(mode="json")


class TokenUsage(BaseModel):
    """Tokens an LLM took: one model for answers, records and reports."""

    prompt: int = 0
    completion: int = 0
    total: int = 0

    @classmethod
    def of(cls, prompt: int, completion: int) -> TokenUsage:
        return cls(prompt=prompt, completion=completion, total=prompt + completion)


class ProofResult(BaseModel):
    """The outcome of ``entails(premises, goal)`` on one backend.

    ``used_premises`` are indices into the premises the proof needed (when a
    proof was found and the backend reports them); ``countermodel`` is a
    readable model of the premises and the goal's negation, when found.
    """

    model_config = ConfigDict(frozen=True)

    status: ProofStatus
    backend: str
    seconds: float = 0.0
    version: str = ""
    reason: str = ""
    used_premises: tuple[int, ...] | None = None
    countermodel: str | None = None


_LABELS = {
    "true": Verdict.TRUE,
    "false": Verdict.FALSE,
    "uncertain": Verdict.UNCERTAIN,
    "unknown": Verdict.UNCERTAIN,
}


def label_of(text: object, *, error_ok: bool = False) -> Verdict:
    """The verdict a label names: ``True``/``False``/``Uncertain``/``Unknown``, any case.

    ``Unknown`` (ProofWriter's word) means ``Uncertain``. ``Error`` is a label
    only where ``error_ok`` (a recording's own per-sample answers). Anything
    else, a non-string included, raises ``DataError``.
    """
    from linc.errors import DataError

    if not isinstance(text, str):
        raise DataError(f"not a label: {text!r} (expected a string such as 'True')")
    key = text.strip().lower()
    if error_ok and key == "error":
        return Verdict.ERROR
    verdict = _LABELS.get(key)
    if verdict is None:
        raise DataError(f"not a label: {text!r}")
    return verdict
