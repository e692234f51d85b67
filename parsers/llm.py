"""The LLM semantic parser: premises and conclusion in, k completions out.

For each of k samples the parser asks the model (``LLMClient``) for TEXT/FOL
lines. The caller's ``check`` reads each completion the way the pipeline
will (``linc.pipeline``); when it names an error (no formula, a formula that
does not parse, a symbol used at two arities), the parser re-asks up to
``repair_rounds`` times with that error, as Logic-LM's self-refine does;
every attempt is recorded.

Model text only ever becomes ``Formula`` objects through the pipeline:
nothing the model writes is passed on verbatim, so a premise saying "ignore
the above and answer True" can at most change which formulas come back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from linc.cache import Cache
from linc.config import LLMConfig, Target
from linc.errors import LLMError
from linc.parsers.gbnf import line_grammars, lines_grammar, requirements, vocabulary_grammar
from linc.parsers.llm_client import Completion, LLMClient
from linc.parsers.llm_prompts import (
    Message,
    build_messages,
    problem_grammar,
    repair_message,
    select_shots,
)
from linc.parsers.shots import choose_shots, formulas_messages, formulas_repair

log = logging.getLogger(__name__)

GRAMMAR_FORMULA_TOKENS = 400
"""Tokens the longest formula of ``fol.gbnf``/``lean.gbnf`` can take (18 atoms of
four 25-character arguments, quantifiers and operators; one token per character
at worst would be more, but names tokenise to a few characters each)."""

INLINE_CHECK_CHARS = 8_000
"""Completions up to this long are checked on the event loop (a few milliseconds at most)."""


@dataclass(frozen=True)
class Checked:
    """What a check made of a completion: the error (None: it reads into a task) and the
    reading itself, which the translation hands on so its caller reads nothing twice."""

    error: str | None
    reading: object = None


Check = Callable[[str], "str | None | Checked"]
"""``check(completion)``: None when the completion reads into a task, else the error
(or a ``Checked`` with the reading as well)."""


class Failure(str, Enum):
    """Why a sample's last completion is not usable."""

    INVALID = "invalid"  # it does not read into a task (``error`` says why)
    REQUEST = "request"  # the model could not be reached (after all retries)


class Attempt(BaseModel):
    """One request of one sample (the first try, then each repair round)."""

    model_config = ConfigDict(frozen=True)

    completion: str
    failure: Failure | None = None
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    requests: int = 0  # HTTP requests it took (0 when cached)
    cached: bool = False


class Translation(BaseModel):
    """One sample: the final completion and every attempt that led to it.

    ``premises`` and ``conclusion`` are the formulas as decided, printed in
    the target syntax (filled in by the caller that decided them).
    """

    index: int
    completion: str = Field(description="the final completion (after repairs)")
    failure: Failure | None = None
    error: str = ""
    attempts: list[Attempt] = Field(default_factory=list)
    premises: list[str] = Field(default_factory=list)
    conclusion: str | None = None
    _reading: object = PrivateAttr(default=None)

    @property
    def reading(self) -> object:
        """The check's reading of ``completion`` (None when no check gave one)."""
        return self._reading

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.attempts)

    @property
    def cached(self) -> bool:
        return bool(self.attempts) and all(a.cached for a in self.attempts)


@dataclass(frozen=True)
class Prompt:
    """What the samples of one problem send: the chat, the grammar and the token limit
    (``lines``: the sentences and their grammars, to decode line by line)."""

    messages: list[dict[str, str]]
    grammar: str | None
    max_tokens: int | None
    lines: tuple[tuple[str, ...], tuple[str, ...]] | None


class SemanticParser:
    """Samples ``config.k`` translations of a problem through ``LLMClient``.

    ``check``: how the caller reads a completion (None accepts any; see the
    module doc). ``cache``: a ``Cache`` to use, None for the default cache
    directory, or False for none. ``base_url`` may carry credentials (they are used for the
    requests and never recorded).
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        check: Check | None = None,
        cache: Cache | None | bool = None,
        base_url: str | None = None,
        client: LLMClient | None = None,
    ) -> None:
        self.config = config
        self.check = check
        self.client = client or LLMClient(config, cache=cache, base_url=base_url)

    @property
    def formulas_only(self) -> bool:
        """The model writes only formulas (lever ``formulas``; FOL target only)."""
        return "formulas" in self.config.active_levers and self.config.target is Target.FOL

    @property
    def line_by_line(self) -> bool:
        """Formulas only, decoded line by line in-process (the embedded model with its grammar)."""
        return self.formulas_only and self.config.embedded and self.config.use_grammar

    def messages(self, premises: Sequence[str], conclusion: str) -> list[dict[str, str]]:
        """The chat sent for this problem (its worked examples chosen as the levers say)."""
        n = self.config.n_shots
        if "shots" in self.config.active_levers and self.config.target is Target.FOL:
            examples = choose_shots(n, premises, conclusion)
        else:
            examples = select_shots(n, premises=premises, conclusion=conclusion)
        if self.formulas_only and not self.line_by_line:
            return formulas_messages(premises, conclusion, examples)
        return build_messages(
            premises, conclusion, target=self.config.target, shots=n, examples=examples
        )

    def grammar(self, premises: Sequence[str], conclusion: str) -> str | None:
        """The GBNF grammar sent with the requests, or None."""
        if not self.config.use_grammar:
            return None
        vocabulary = "vocabulary" in self.config.active_levers
        sentences = [*premises, conclusion]
        if self.formulas_only:
            return lines_grammar(sentences, restrict=vocabulary)
        if vocabulary and self.config.target is Target.FOL:
            return vocabulary_grammar(sentences)
        return problem_grammar(premises, conclusion, target=self.config.target)

    def line_grammars(self, premises: Sequence[str], conclusion: str) -> list[str] | None:
        """One grammar per sentence when decoding line by line, else None."""
        if not self.line_by_line:
            return None
        restrict = "vocabulary" in self.config.active_levers
        return line_grammars([*premises, conclusion], restrict=restrict)

    def repair(self, error: str) -> Message:
        """The user turn that asks again with ``error``."""
        if self.formulas_only and not self.line_by_line:
            return formulas_repair(error)
        return repair_message(error)

    async def atranslate(
        self, premises: Sequence[str], conclusion: str, *, k: int | None = None
    ) -> list[Translation]:
        """``k`` sampled translations (default ``config.k``), in sample order."""
        count = self.config.k if k is None else k
        prompt = self.prompt(premises, conclusion)  # built once: the k samples share it
        return list(
            await asyncio.gather(*(self._sample(prompt, prompt.messages, i) for i in range(count)))
        )

    def prompt(self, premises: Sequence[str], conclusion: str) -> Prompt:
        """What every sample of this problem sends (the chat, grammar and token limit)."""
        lines = self.line_grammars(premises, conclusion)
        return Prompt(
            messages=self.messages(premises, conclusion),
            grammar=None if lines else self.grammar(premises, conclusion),
            max_tokens=self.token_limit(premises, conclusion),
            lines=((*premises, conclusion), tuple(lines)) if lines else None,
        )

    async def translate_one(
        self, premises: Sequence[str], conclusion: str, index: int
    ) -> Translation:
        """Sample ``index`` of this problem (with its re-asks)."""
        prompt = self.prompt(premises, conclusion)
        return await self._sample(prompt, prompt.messages, index)

    async def _sample(
        self, prompt: Prompt, messages: Sequence[dict[str, str]], index: int
    ) -> Translation:
        return await self.sample(
            messages,
            grammar=prompt.grammar,
            index=index,
            max_tokens=prompt.max_tokens,
            lines=prompt.lines,
        )

    async def reask(
        self, premises: Sequence[str], conclusion: str, translation: Translation, error: str
    ) -> Translation:
        """Sample ``translation.index`` once more, told ``error`` about its last completion.

        The attempts of both are kept; the new completion is the sample's.
        """
        prompt = self.prompt(premises, conclusion)
        chat = [
            *prompt.messages,
            {"role": "assistant", "content": translation.completion},
            self.repair(error),
        ]
        again = await self._sample(prompt, chat, translation.index)
        return again.model_copy(update={"attempts": [*translation.attempts, *again.attempts]})

    def translate(
        self, premises: Sequence[str], conclusion: str, *, k: int | None = None
    ) -> list[Translation]:
        """Blocking ``atranslate``."""
        return asyncio.run(self.atranslate(premises, conclusion, k=k))

    def token_limit(self, premises: Sequence[str], conclusion: str) -> int | None:
        """With the grammar: a token limit no grammatical completion can exceed.

        The grammar bounds every formula (``GRAMMAR_FORMULA_TOKENS``) and fixes
        the TEXT lines, so a limit that covers both can never cut a formula
        short: every constrained sample is complete, well-formed logic.
        """
        if not self.config.use_grammar:
            return None
        sentences = [*premises, conclusion]
        text = sum(len(s) // 2 + 12 for s in sentences)  # fixed TEXT lines and tags, generously
        bound = text + GRAMMAR_FORMULA_TOKENS * len(sentences)
        return max(self.config.max_tokens, bound)

    async def sample(
        self,
        messages: Sequence[dict[str, str]],
        *,
        grammar: str | None,
        index: int,
        max_tokens: int | None = None,
        lines: tuple[tuple[str, ...], tuple[str, ...]] | None = None,
    ) -> Translation:
        """Sample ``index``: ask, parse, and re-ask with the error while rounds remain.

        ``lines``: the sentences and their grammars, to decode line by line.
        """
        chat = list(messages)
        attempts: list[Attempt] = []
        needs = None
        if lines is not None and "vocabulary" in self.config.active_levers:
            needs = requirements(lines[0])  # checked on each sampled line
        for round_ in range(self.config.repair_rounds + 1):
            try:
                if lines is not None:
                    completion = await self.client.complete_lines(
                        chat, sentences=lines[0], grammars=lines[1], index=index, requirements=needs
                    )
                else:
                    completion = await self.client.complete(
                        chat, index=index, grammar=grammar, max_tokens=max_tokens
                    )
            except LLMError as exc:
                attempts.append(Attempt(completion="", failure=Failure.REQUEST, error=str(exc)))
                return Translation(
                    index=index,
                    completion="",
                    failure=Failure.REQUEST,
                    error=str(exc),
                    attempts=attempts,
                )
            checked = await self._check(completion.text)
            error = checked.error
            attempts.append(_attempt(completion, error))
            if error is None or round_ == self.config.repair_rounds:
                break
            log.info("sample %d: %s; asking again (round %d)", index, error, round_ + 1)
            chat = [
                *chat,
                {"role": "assistant", "content": completion.text},
                self.repair(error),
            ]
        translation = Translation(
            index=index,
            completion=completion.text,
            failure=None if error is None else Failure.INVALID,
            error=error or "",
            attempts=attempts,
        )
        translation._reading = checked.reading
        return translation

    async def _check(self, text: str) -> Checked:
        """The caller's check of ``text``: on the event loop when the text is short (a
        thread's hand-offs would cost more than the reading), in a thread when it is long
        (reading it may take seconds of CPU and must not stall the other requests)."""
        if self.check is None:
            return Checked(None)
        if len(text) <= INLINE_CHECK_CHARS:
            found = self.check(text)
        else:
            found = await asyncio.to_thread(self.check, text)
        return found if isinstance(found, Checked) else Checked(found)

    async def aclose(self) -> None:
        await self.client.aclose()


def _attempt(completion: Completion, error: str | None) -> Attempt:
    return Attempt(
        completion=completion.text,
        failure=None if error is None else Failure.INVALID,
        error=error or "",
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        seconds=completion.seconds,
        requests=completion.attempts,
        cached=completion.cached,
    )


def translation_record(translation: Translation) -> dict[str, Any]:
    """A JSON-ready view of one translation (for reports and ``--json``)."""
    return translation.model_dump(mode="json")
