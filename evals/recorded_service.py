"""The OpenAI-compatible answers of ``linc serve-recorded``, without HTTP.

The request models (chat and completions, lenient about extra fields), the
error answer, and ``RecordedService``, which turns a parsed JSON body into
the response built from the recorded completion of the matching problem.

**Samples.** The request's ``seed`` picks the sample: ``seed`` modulo the
problem's number of completions (no seed: sample 0). The live client sends
``config.seed + i`` for sample ``i`` with ``config.seed`` 0 by default, so
live sample ``i`` gets recorded completion ``i``. With ``n`` > 1, choice
``j`` is the sample of ``seed + j``.

**Usage.** Token counts are rough: whitespace-separated words of the
request's message contents (or prompt) and of the completion.
"""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from linc.evals.served_problems import ProblemIndex

OWNER = "linc"

# ------------------------------------------------------------------ requests


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatMessage(_Lenient):
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "\n".join(
                str(p.get("text", "")) for p in self.content if p.get("type") == "text"
            )
        return self.content or ""


class _Sampling(_Lenient):
    model: str = ""
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=128)
    stream: bool | None = False


class ChatRequest(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)

    def match_text(self) -> str:
        return "\n".join(m.text() for m in self.messages if m.role == "user")

    def all_text(self) -> str:
        return "\n".join(m.text() for m in self.messages)


class CompletionRequest(_Sampling):
    prompt: str | list[str]

    def match_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else "\n".join(self.prompt)

    all_text = match_text


def count_tokens(text: str) -> int:
    """A rough token count: whitespace-separated words."""
    return len(text.split())


class RequestFailure(Exception):
    """An HTTP error answer: status, OpenAI-style error type and message."""

    def __init__(self, status: HTTPStatus, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "code": int(self.status)}}


@dataclass
class RecordedService:
    """The answers, without HTTP: what each endpoint returns for a parsed JSON body."""

    index: ProblemIndex
    model: str
    _matches: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # the k samples of a problem send the same text: match it once
        self._matches = functools.lru_cache(maxsize=1024)(self.index.match)

    def models(self) -> dict[str, Any]:
        entry = {"id": self.model, "object": "model", "created": 0, "owned_by": OWNER}
        return {"object": "list", "data": [entry]}

    def answer(self, body: Any, *, chat: bool) -> tuple[dict[str, Any], str]:
        """The response to a chat or completions request, and a note for the log."""
        request = _parse(ChatRequest if chat else CompletionRequest, body)
        if request.stream:
            raise RequestFailure(
                HTTPStatus.BAD_REQUEST,
                "invalid_request_error",
                "stream is not supported: this server answers with whole recorded completions",
            )
        found = self._matches(request.match_text())
        if found.problem is None:
            raise RequestFailure(HTTPStatus.NOT_FOUND, "not_found", found.reason)
        seed = request.seed or 0
        samples = [found.problem.completion(seed + j) for j in range(request.n)]
        choices: list[dict[str, Any]] = []
        for j, (_, text) in enumerate(samples):
            choice: dict[str, Any] = {"index": j, "finish_reason": "stop", "logprobs": None}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            choices.append(choice)
        prompt_tokens = count_tokens(request.all_text())
        completion_tokens = sum(count_tokens(text) for _, text in samples)
        response = {
            "id": ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex,
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": request.model or self.model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        note = f"{found.problem.id} sample {','.join(str(s) for s, _ in samples)}"
        return response, note


def _parse(model: type[_Sampling], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise RequestFailure(
            HTTPStatus.BAD_REQUEST, "invalid_request_error", f"invalid request: {problems}"
        ) from None
