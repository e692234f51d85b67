"""The exception tree. ``LincError`` is the root; every error carries data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydantic import ValidationError


class LincError(Exception):
    """Root of every error linc raises on purpose."""


class ParseError(LincError):
    """Text that does not read as a formula.

    ``line`` and ``column`` are 1-based; ``expected`` lists what would have
    been accepted at that point (may be empty).
    """

    def __init__(
        self,
        message: str,
        *,
        text: str,
        line: int,
        column: int,
        expected: Sequence[str] = (),
    ) -> None:
        self.reason = message
        self.text = text
        self.line = line
        self.column = column
        self.expected = tuple(expected)
        super().__init__(self._render())

    def _render(self) -> str:
        lines = self.text.splitlines() or [""]
        shown = lines[self.line - 1] if 0 < self.line <= len(lines) else ""
        if len(shown) > 200:  # keep the caret readable on huge inputs
            start = max(0, self.column - 100)
            shown, col = shown[start : start + 200], self.column - start
        else:
            col = self.column
        head = f"line {self.line}, column {self.column}: {self.reason}"
        if self.expected:
            head += f" (expected {', '.join(self.expected[:8])})"
        return f"{head}\n  {shown}\n  {' ' * max(col - 1, 0)}^"


class ArityError(LincError):
    """One symbol used with two arities, or as predicate and function."""

    def __init__(self, symbol: str, first: int, second: int, *, role: str = "pred") -> None:
        self.symbol = symbol
        self.arities = (first, second)
        self.role = role
        if role == "pred/func":
            text = f"symbol {symbol!r} is used both as a predicate and as a function or constant"
        else:
            kind = "predicate" if role == "pred" else "function"
            text = f"{kind} {symbol!r} is used with arity {first} and with arity {second}"
        super().__init__(text)


class BackendError(LincError):
    """A prover failed in a way that is not a proof outcome.

    ``cacheable`` is False for a failure that says nothing about the problem
    (a prover killed from outside): a proof cache must not keep it.
    """

    cacheable: bool = True


class BackendUnavailable(BackendError):
    """A backend cannot run here; ``hint`` says how to install it."""

    def __init__(self, backend: str, reason: str, hint: str = "") -> None:
        self.backend = backend
        self.reason = reason
        self.hint = hint
        msg = f"backend {backend!r} is unavailable: {reason}"
        super().__init__(f"{msg}. {hint}" if hint else msg)


class UnknownBackend(BackendError, KeyError):
    """No backend is registered under this name."""

    def __init__(self, name: str, installed: Sequence[str], suggestion: str | None = None) -> None:
        self.name = name
        self.installed = tuple(installed)
        self.suggestion = suggestion
        msg = f"no backend named {name!r}; installed: {', '.join(self.installed) or 'none'}"
        if suggestion:
            msg += f". Did you mean {suggestion!r}?"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class LLMError(LincError):
    """A language-model request failed for good (after its retries)."""


class NoLLMResponse(LLMError):
    """No request of a run reached the model: the endpoint is down or refuses every request.

    The CLI exits with status 3 on it (see the README's exit codes).
    """


class ConfigError(LincError, ValueError):
    """An option or setting that cannot be used as given (a ``ValueError`` too)."""


class DataError(LincError):
    """A dataset or recorded-output file that cannot be read as expected."""


def validation_message(exc: ValidationError) -> str:
    """``field: message`` for each problem a pydantic ``ValidationError`` lists, joined by ``; ``
    (a check of the whole model gives its message alone; a validator's ``ValueError`` is
    quoted as raised, without pydantic's ``Value error,`` in front)."""
    parts = []
    for error in exc.errors():
        raised = error.get("ctx", {}).get("error")
        message = str(raised) if isinstance(raised, ValueError) else error["msg"]
        field = ".".join(str(part) for part in error["loc"])
        parts.append(f"{field}: {message}" if field else message)
    return "; ".join(parts)
