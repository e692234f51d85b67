"""The LLM semantic parser: premises and conclusion in, k formula translations out.

For each of k samples the parser asks the model (``LLMClient``) for TEXT/FOL
lines, extracts them the way LINC does (every line containing ``FOL:`` gives
one formula; the last is the conclusion), and parses each formula with
``linc.parsers.read`` (NLTK syntax for ``target="fol"``, Lean term syntax for
``target="lean"``, with repairs). When a sample has no formula, a formula
that does not parse, or a symbol used at two arities, the parser re-asks up
to ``repair_rounds`` times with the error message, as Logic-LM's self-refine
does; every attempt is recorded.

Model text only ever becomes ``Formula`` objects: nothing the model writes is
passed on verbatim, so a premise saying "ignore the above and answer True"
can at most change which formulas come back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from linc.cache import Cache
from linc.config import LLMConfig, Target
from linc.errors import ArityError, LLMError, ParseError
from linc.ir import Formula, check_arities
from linc.parsers.llm_client import Completion, LLMClient
from linc.parsers.llm_prompts import build_messages, problem_grammar, repair_message

log = logging.getLogger(__name__)

FOL_FLAG = "FOL:"
TEXT_FLAG = "TEXT:"
GRAMMAR_FORMULA_TOKENS = 400
"""Tokens the longest formula of ``fol.gbnf``/``lean.gbnf`` can take (18 atoms of
four 25-character arguments, quantifiers and operators; one token per character
at worst would be more, but names tokenise to a few characters each)."""


class Failure(str, Enum):
    """Why a sample has no usable translation."""

    NO_FORMULAS = "no_formulas"
    PARSE = "parse"
    ARITY = "arity"
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
    """One sample's translation: the raw completion, its formulas, and how it went.

    ``premises`` and ``conclusion`` are the parsed formulas printed back in the
    target syntax; ``formulas()`` gives the IR itself.
    """

    index: int
    completion: str = Field(description="the final completion (after repairs)")
    texts: list[str] = Field(default_factory=list, description="TEXT lines")
    fol: list[str] = Field(default_factory=list, description="FOL lines as written")
    premises: list[str] = Field(default_factory=list)
    conclusion: str | None = None
    failure: Failure | None = None
    error: str = ""
    repairs: list[str] = Field(
        default_factory=list, description="syntax repairs the parser applied"
    )
    attempts: list[Attempt] = Field(default_factory=list)

    _formulas: tuple[tuple[Formula, ...], Formula] | None = PrivateAttr(default=None)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def formulas(self) -> tuple[tuple[Formula, ...], Formula]:
        """(premises, conclusion) as IR; raises ``ValueError`` on a failed sample."""
        if self._formulas is None or self.failure is not None:
            raise ValueError(f"sample {self.index} has no formulas: {self.error}")
        return self._formulas

    def parsed_formulas(self) -> tuple[tuple[Formula, ...], Formula] | None:
        """The formulas as read, also when their arities clash (``Failure.ARITY``)."""
        return self._formulas

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.attempts)

    @property
    def completion_tokens(self) -> int:
        return sum(a.completion_tokens for a in self.attempts)

    @property
    def requests(self) -> int:
        return sum(a.requests for a in self.attempts)


def extract(completion: str) -> tuple[list[str], list[str]]:
    """(TEXT lines, FOL lines) of a completion, LINC's way.

    Every line that contains ``FOL:`` gives one formula: the line with
    ``FOL:`` removed, stripped.
    """
    texts, fols = [], []
    for line in completion.strip().splitlines():
        if FOL_FLAG in line:
            fols.append(line.replace(FOL_FLAG, "").strip())
        elif line.strip().startswith(TEXT_FLAG):
            texts.append(line.strip()[len(TEXT_FLAG) :].strip())
    return texts, fols


def interpret(completion: str, *, index: int = 0, target: Target = Target.FOL) -> Translation:
    """Extract and parse one completion (no model call)."""
    from linc.parsers import read

    syntax = "lean" if target is Target.LEAN else "nltk"
    texts, fols = extract(completion)
    out = Translation(index=index, completion=completion, texts=texts, fol=fols)
    if not fols:
        out.failure = Failure.NO_FORMULAS
        out.error = "there is no FOL line; write one TEXT line and one FOL line per sentence"
        return out
    formulas: list[Formula] = []
    repairs: list[str] = []
    for number, line in enumerate(fols):
        what = (
            f"the formula for {texts[number]!r}"
            if number < len(texts)
            else f"FOL line {number + 1}"
        )
        try:
            parsed = read(line, syntax=syntax, repair=True)
        except ParseError as exc:
            out.failure = Failure.PARSE
            out.error = f"{what} does not parse: {exc}"
            return out
        formulas.append(parsed.formula)
        repairs.extend(r.kind for r in parsed.repairs)
    out.repairs = repairs
    out._formulas = (tuple(formulas[:-1]), formulas[-1])
    try:
        check_arities(formulas)
    except ArityError as exc:
        out.failure = Failure.ARITY  # the formulas stay readable: see ``parsed_formulas``
        out.error = f"{exc}; use each name with one number of arguments"
        return out
    from linc.parsers import render

    out.premises = [render(f, syntax=syntax) for f in formulas[:-1]]
    out.conclusion = render(formulas[-1], syntax=syntax)
    return out


class SemanticParser:
    """Samples ``config.k`` translations of a problem through ``LLMClient``.

    ``cache``: a ``Cache`` to use, None for the default cache directory, or
    False for none. ``base_url`` may carry credentials (they are used for the
    requests and never recorded).
    """

    def __init__(
        self,
        config: LLMConfig,
        *,
        cache: Cache | None | bool = None,
        base_url: str | None = None,
        client: LLMClient | None = None,
    ) -> None:
        self.config = config
        self.client = client or LLMClient(config, cache=cache, base_url=base_url)

    def messages(self, premises: Sequence[str], conclusion: str) -> list[dict[str, str]]:
        """The chat sent for this problem."""
        return build_messages(
            premises, conclusion, target=self.config.target, shots=self.config.n_shots
        )

    def grammar(self, premises: Sequence[str], conclusion: str) -> str | None:
        """The GBNF grammar sent with the requests, or None."""
        if not self.config.use_grammar:
            return None
        return problem_grammar(premises, conclusion, target=self.config.target)

    async def atranslate(
        self, premises: Sequence[str], conclusion: str, *, k: int | None = None
    ) -> list[Translation]:
        """``k`` sampled translations (default ``config.k``), in sample order."""
        count = self.config.k if k is None else k
        messages = self.messages(premises, conclusion)
        grammar = self.grammar(premises, conclusion)
        limit = self.token_limit(premises, conclusion)
        jobs = [
            self.sample(messages, grammar=grammar, index=i, max_tokens=limit) for i in range(count)
        ]
        return list(await asyncio.gather(*jobs))

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
    ) -> Translation:
        """Sample ``index``: ask, parse, and re-ask with the error while rounds remain."""
        chat = list(messages)
        attempts: list[Attempt] = []
        round_ = 0
        while True:
            try:
                completion = await self.client.complete(
                    chat, index=index, grammar=grammar, max_tokens=max_tokens
                )
            except LLMError as exc:
                attempts.append(Attempt(completion="", failure=Failure.REQUEST, error=str(exc)))
                result = Translation(
                    index=index, completion="", failure=Failure.REQUEST, error=str(exc)
                )
                break
            result = interpret(completion.text, index=index, target=self.config.target)
            attempts.append(_attempt(completion, result))
            if result.ok or round_ >= self.config.repair_rounds:
                break
            round_ += 1
            log.info(
                "sample %d: %s; asking again (round %d)",
                index,
                result.error.splitlines()[0],
                round_,
            )
            chat = [
                *chat,
                {"role": "assistant", "content": completion.text},
                repair_message(result.error),
            ]
        result.attempts = attempts
        return result

    async def aclose(self) -> None:
        await self.client.aclose()


def _attempt(completion: Completion, result: Translation) -> Attempt:
    return Attempt(
        completion=completion.text,
        failure=result.failure,
        error=result.error,
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        seconds=completion.seconds,
        requests=completion.attempts,
        cached=completion.cached,
    )


def translation_record(translation: Translation) -> dict[str, Any]:
    """A JSON-ready view of one translation (for reports and ``--json``)."""
    return translation.model_dump(mode="json")
