"""Outcomes shared by backends, ``decide`` and voting."""

from __future__ import annotations

from enum import Enum
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
    ERROR = "Error"


class Limits(BaseModel):
    """Resource limits for one prover call.

    ``options`` holds solver-specific knobs (``{"rlimit": 5_000_000}`` for
    z3, say); a backend ignores the keys it does not know.
    """

    model_config = ConfigDict(frozen=True)

    seconds: float = Field(default=10.0, gt=0)
    memory_mb: int | None = Field(default=2048, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)


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
