"""``Reasoner``: natural-language premises and conclusion in, a voted answer out.

The LINC pipeline end to end: the LLM semantic parser samples k translations
(``linc.parsers.llm``), each translation is decided by the provers
(``linc.decide``), and the vote (``linc.voting``) gives the label.

>>> r = Reasoner(k=3)                      # the embedded Gemma 3 270M model
>>> r = Reasoner(model="gpt-4o-mini", k=5)  # OpenAI, key from $OPENAI_API_KEY
>>> r = Reasoner(base_url="http://127.0.0.1:8080/v1", model="gemma")  # llama.cpp, vLLM, Ollama
>>> answer = r.ask(["All men are mortal.", "Socrates is a man."], "Socrates is mortal.")
>>> answer.label, answer.votes, answer.translations[0].premises
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from linc.cache import Cache
from linc.config import LLMConfig, Target, resolve_config
from linc.errors import LincError
from linc.ir import Formula
from linc.parsers.llm import Failure, SemanticParser, Translation
from linc.problems import Problem
from linc.results import Verdict
from linc.voting import (
    UNCERTAIN_WEIGHT,
    Answer,
    ErrorCause,
    Sample,
    check_vote_options,
    vote,
)

log = logging.getLogger(__name__)

PROOF_CACHE_NAMESPACE = "proofs"

_FAILURE_CAUSE = {
    Failure.NO_FORMULAS: ErrorCause.NO_FORMULAS,
    Failure.PARSE: ErrorCause.PARSE,
    Failure.ARITY: ErrorCause.ARITY,
    Failure.REQUEST: ErrorCause.OTHER,
}


class Tokens(BaseModel):
    prompt: int = 0
    completion: int = 0
    total: int = 0


class ReasonedAnswer(Answer):
    """An ``Answer`` with how it was reached: per-sample translations and decisions.

    ``samples``/``errors``/``details`` come from the vote, one entry per
    sample; ``translations[i]`` is sample i's completion, formulas and
    attempts; ``decisions[i]`` its prover outcome (None when it had no
    formulas); ``evidence`` the winning samples' proof or countermodel.
    """

    model: str = ""
    target: str = Target.FOL.value
    translations: list[Translation] = Field(default_factory=list)
    decisions: list[dict[str, Any] | None] = Field(default_factory=list)
    tokens: Tokens = Field(default_factory=Tokens)
    cost: float | None = Field(default=None, description="USD, when the model's prices are known")
    requests: int = Field(
        default=0, description="HTTP requests sent (0 when all came from the cache)"
    )
    seconds: float = 0.0

    @property
    def winning(self) -> Translation | None:
        """The first translation that voted for the label."""
        return self.translations[self.winners[0]] if self.winners else None


ProgressCallback = Callable[[int, ReasonedAnswer | BaseException], None]


class Reasoner:
    """Answers reasoning problems the LINC way through any chat model.

    ``model``/``base_url``: which model (default: the embedded Gemma 3 270M;
    ``$LINC_MODEL``/``$LINC_BASE_URL`` apply). ``k``: samples per problem.
    ``backends``: prover names (an ensemble when several). ``voting``: a
    ``linc.voting`` policy; ``uncertain_weight``: what an ``Uncertain`` vote
    counts under ``best`` (default ``linc.voting.UNCERTAIN_WEIGHT``).
    ``rename_arity``: when a sample's arities still clash after the re-asks,
    rename the symbols apart (``linc.rename``, as replay's best mode does)
    instead of counting the sample as an error; default: on under the
    ``best`` vote only. ``target``: ``"fol"`` (NLTK syntax) or ``"lean"``.
    Further ``LLMConfig`` options (``temperature``, ``shots``, ``grammar``,
    ``repair_rounds``, ``timeout``, ``max_retries``, ``concurrency``, ...)
    pass through ``llm_options``. ``cache``: False disables both the request
    and the proof cache.
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        k: int | None = None,
        backends: str | Sequence[str] = ("prover9",),
        voting: str = "linc",
        uncertain_weight: float | None = None,
        rename_arity: bool | None = None,
        target: str | Target = Target.FOL,
        prover_timeout: float = 10.0,
        cache: bool = True,
        config: LLMConfig | None = None,
        **llm_options: Any,
    ) -> None:
        if config is None:
            config = resolve_config(
                model=model, base_url=base_url, k=k, target=Target(target), **llm_options
            )
        self.config = config
        self.backends = [backends] if isinstance(backends, str) else list(backends)
        self.voting = voting
        self.uncertain_weight = UNCERTAIN_WEIGHT if uncertain_weight is None else uncertain_weight
        check_vote_options(self.voting, self.uncertain_weight)
        self.rename_arity = voting == "best" if rename_arity is None else rename_arity
        self.prover_timeout = prover_timeout
        self.parser = SemanticParser(config, cache=None if cache else False, base_url=base_url)
        self.proof_cache: Cache | None = Cache(PROOF_CACHE_NAMESPACE) if cache else None
        self._decide_slots = 2

    @property
    def stats(self) -> dict[str, int]:
        """Request counters of this reasoner's client (requests, retries, cache hits, tokens)."""
        return self.parser.client.stats.as_dict()

    # ------------------------------------------------------------------ one problem

    def ask(self, premises: Sequence[str], conclusion: str) -> ReasonedAnswer:
        """Blocking ``aask``."""
        return asyncio.run(self._closing(self.aask(premises, conclusion)))

    async def aask(self, premises: Sequence[str], conclusion: str) -> ReasonedAnswer:
        """Translate k times, decide each translation, vote."""
        if not premises:
            raise LincError("a problem needs at least one premise")
        start = time.perf_counter()
        translations = await self.parser.atranslate(list(premises), conclusion)
        semaphore = asyncio.Semaphore(self._decide_slots)

        async def judge(t: Translation) -> tuple[Sample, dict[str, Any] | None]:
            async with semaphore:
                return await asyncio.to_thread(self._decide, t)

        judged = await asyncio.gather(*(judge(t) for t in translations))
        samples = [s for s, _ in judged]
        answer = vote(samples, policy=self.voting, uncertain_weight=self.uncertain_weight)
        prompt = sum(t.prompt_tokens for t in translations)
        completion = sum(t.completion_tokens for t in translations)
        return ReasonedAnswer(
            **answer.model_dump(),
            model=self.config.model_id,
            target=self.config.target.value,
            translations=translations,
            decisions=[d for _, d in judged],
            tokens=Tokens(prompt=prompt, completion=completion, total=prompt + completion),
            cost=self.config.price(prompt, completion),
            requests=sum(t.requests for t in translations),
            seconds=time.perf_counter() - start,
        )

    def _decide(self, translation: Translation) -> tuple[Sample, dict[str, Any] | None]:
        """One sample's verdict (runs in a worker thread)."""
        from linc.decide import decide

        repairs = len(translation.repairs) + max(0, len(translation.attempts) - 1)
        renamed = self._renamed(translation)
        if renamed is not None:
            premises, goal = renamed
            repairs += 1
        elif translation.ok:
            premises, goal = translation.formulas()
        else:
            cause = _FAILURE_CAUSE[translation.failure] if translation.failure else ErrorCause.OTHER
            detail = (
                translation.error
                if translation.failure is not Failure.REQUEST
                else f"request: {translation.error}"
            )
            return Sample(verdict=Verdict.ERROR, error=cause, detail=detail, repairs=repairs), None
        try:
            decision = decide(
                premises,
                goal,
                backend=self.backends,
                timeout=self.prover_timeout,
                cache=self.proof_cache,
            )
        except LincError as exc:
            sample = Sample.from_exception(exc)
            return sample.model_copy(update={"repairs": repairs}), None
        sample = Sample(
            verdict=decision.verdict,
            inconsistent=decision.inconsistent,
            timed_out=decision.timed_out,
            repairs=repairs,
            evidence=decision.evidence(),
        )
        return sample, decision.model_dump(mode="json")

    def _renamed(self, translation: Translation) -> tuple[tuple[Formula, ...], Formula] | None:
        """An arity-clashing sample's formulas renamed apart (with kind axioms), if enabled."""
        from linc.rename import rename_apart

        parsed = translation.parsed_formulas()
        if not self.rename_arity or translation.failure is not Failure.ARITY or parsed is None:
            return None
        renaming = rename_apart([*parsed[0], parsed[1]])
        return (*renaming.formulas[:-1], *renaming.axioms), renaming.formulas[-1]

    # ------------------------------------------------------------------ many problems

    def ask_many(
        self,
        problems: Sequence[Problem],
        *,
        concurrency: int = 2,
        progress: bool | ProgressCallback = False,
    ) -> list[ReasonedAnswer | BaseException]:
        """Answer many problems concurrently, in input order.

        A problem whose answer could not be produced at all gets the exception
        in its place (the others still run). ``progress=True`` shows a progress
        bar on stderr; a callable is called as ``progress(index, result)``.
        """
        return asyncio.run(
            self._closing(self.aask_many(problems, concurrency=concurrency, progress=progress))
        )

    async def aask_many(
        self,
        problems: Sequence[Problem],
        *,
        concurrency: int = 2,
        progress: bool | ProgressCallback = False,
    ) -> list[ReasonedAnswer | BaseException]:
        """Async ``ask_many``."""
        results: list[ReasonedAnswer | BaseException | None] = [None] * len(problems)
        semaphore = asyncio.Semaphore(max(1, concurrency))
        bar, callback = _progress(progress, len(problems))

        async def one(index: int, problem: Problem) -> None:
            async with semaphore:
                try:
                    result: ReasonedAnswer | BaseException = await self.aask(
                        problem.premises, problem.conclusion
                    )
                except Exception as exc:  # noqa: BLE001 - recorded on its problem, the run goes on
                    log.error("problem %s failed: %s", problem.id, exc)
                    result = exc
            results[index] = result
            if callback is not None:
                callback(index, result)

        try:
            await asyncio.gather(*(one(i, p) for i, p in enumerate(problems)))
        finally:
            if bar is not None:
                bar.stop()
        return [r if r is not None else LincError("not answered") for r in results]

    async def _closing(self, job: Any) -> Any:
        try:
            return await job
        finally:
            await self.parser.aclose()


def _progress(progress: bool | ProgressCallback, total: int) -> tuple[Any, ProgressCallback | None]:
    if callable(progress):
        return None, progress
    if not progress:
        return None, None
    from rich.console import Console
    from rich.progress import Progress

    bar = Progress(console=Console(stderr=True), transient=True)
    task = bar.add_task("problems", total=total)
    bar.start()

    def advance(index: int, result: ReasonedAnswer | BaseException) -> None:
        bar.advance(task)

    return bar, advance
