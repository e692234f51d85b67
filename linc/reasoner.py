"""``Reasoner``: natural-language premises and conclusion in, a voted answer out.

The LINC pipeline end to end: the LLM semantic parser samples k completions
(``linc.parsers.llm``), and the one pipeline (``linc.pipeline``) reads,
decides and votes them under a ``linc.settings.Settings`` (default: the
``best`` preset), exactly as a replay of the same completions would.

>>> r = Reasoner(k=3)                      # the embedded Gemma 3 270M model
>>> r = Reasoner(model="gpt-4o-mini", k=5)  # OpenAI, key from $OPENAI_API_KEY
>>> r = Reasoner(base_url="http://127.0.0.1:8080/v1", model="gemma")  # llama.cpp, vLLM, Ollama
>>> r = Reasoner(voting="linc")             # LINC's evaluation rule for rule
>>> answer = r.ask(["All men are mortal.", "Socrates is a man."], "Socrates is mortal.")
>>> answer.label, answer.votes, answer.translations[0].premises
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import Field

from linc.cache import Cache
from linc.config import LLMConfig, Target, resolve_config
from linc.early_stop import sample_until_settled
from linc.errors import LincError
from linc.parsers.llm import Checked, Failure, SemanticParser, Translation
from linc.parsers.llm_client import LLMClient
from linc.pipeline import (
    PROOF_NAMESPACE,
    Prepared,
    decide_readings,
    prepare_completion,
    reader_for,
    request_failed,
    vote_samples,
)
from linc.problems import Problem
from linc.procedure import usable
from linc.results import TokenUsage
from linc.settings import Settings, settings_for
from linc.voting import Answer, ErrorCause, Sample

log = logging.getLogger(__name__)

READINGS_KEPT = 10_000
"""Completions whose readings a reasoner keeps (then it starts again)."""


class ReasonedAnswer(Answer):
    """An ``Answer`` with how it was reached.

    ``records[i]`` is sample i's per-sample record (verdict, error cause,
    repairs, evidence); ``translations[i]`` its completion, attempts and the
    formulas as decided; ``preset`` the settings' preset that decided.
    """

    model: str = ""
    target: str = Target.FOL.value
    preset: str = ""
    translations: list[Translation] = Field(default_factory=list)
    records: list[Sample] = Field(default_factory=list)
    tokens: TokenUsage = Field(default_factory=TokenUsage)
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
    ``$LINC_MODEL``/``$LINC_BASE_URL`` apply); ``base_urls``: several servers of
    the model, requests spread over them. ``k``: samples per problem.
    ``voting``: ``best`` (the default preset), ``linc`` (LINC's rule for
    rule) or ``majority`` (``best`` with a plain plurality vote); or pass
    ``settings`` (a ``linc.settings.Settings``) outright. ``backends``,
    ``prover_timeout``, ``uncertain_weight`` and ``rename_arity`` override
    the preset. ``target``: ``"fol"`` (NLTK syntax) or ``"lean"``. Further
    ``LLMConfig`` options (``temperature``, ``shots``, ``grammar``,
    ``repair_rounds``, ``timeout``, ``max_retries``, ``concurrency``, ...)
    pass through ``llm_options``. ``cache``: False disables both the request
    and the proof cache.
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        base_url: str | None = None,
        base_urls: Sequence[str] = (),
        k: int | None = None,
        voting: str | None = None,
        settings: Settings | None = None,
        backends: str | Sequence[str] | None = None,
        uncertain_weight: float | None = None,
        rename_arity: bool | None = None,
        prover_timeout: float | None = None,
        target: str | Target = Target.FOL,
        cache: bool = True,
        config: LLMConfig | None = None,
        **llm_options: Any,
    ) -> None:
        if config is None:
            base_url = base_url or (base_urls[0] if base_urls else None)
            config = resolve_config(
                model=model, base_url=base_url, k=k, target=Target(target), **llm_options
            )
        self.config = config
        self.settings = usable(
            settings_for(
                voting,
                settings=settings,
                backends=backends,
                uncertain_weight=uncertain_weight,
                rename_arity=rename_arity,
                prover_timeout=prover_timeout,
                syntax="lean" if config.target is Target.LEAN else None,
            )
        )
        client = None
        if len(base_urls) > 1:  # several servers: the parser's client spreads over them
            client = LLMClient(
                config, cache=None if cache else False, base_url=base_url, base_urls=base_urls
            )
        self.parser = SemanticParser(
            config,
            check=self._checked,
            cache=None if cache else False,
            base_url=base_url,
            client=client,
        )
        self.proof_cache: Cache | None = Cache(PROOF_NAMESPACE) if cache else None
        self._read = reader_for(self.settings)  # one memo: samples repeat each other's formulas
        self._readings: dict[str, Prepared] = {}  # and often whole completions

    @property
    def stats(self) -> dict[str, int]:
        """Request counters of this reasoner's client (requests, retries, cache hits, tokens)."""
        return self.parser.client.stats.as_dict()

    def read(self, completion: str) -> Prepared:
        """``completion`` read as the pipeline reads it: a task, or why it is an Error.

        Readings are kept (up to ``READINGS_KEPT``): a model's samples of one problem are
        often the very same text (a third of them in LINC's gpt-3.5 FOLIO run).
        """
        found = self._readings.get(completion)
        if found is None:
            found = prepare_completion(completion, self.settings, read=self._read)
            if len(self._readings) >= READINGS_KEPT:
                self._readings.clear()
            self._readings[completion] = found
        return found

    def check(self, completion: str) -> str | None:
        """How the pipeline reads ``completion``: None when it gives a task, else the error
        (worded for the model: the parser re-asks with it)."""
        return _worded(self.read(completion))

    def _checked(self, completion: str) -> Checked:
        """``check`` with the reading itself, which each translation carries on
        (``Translation.reading``), so a caller deciding it need not read it again."""
        prepared = self.read(completion)
        return Checked(_worded(prepared), prepared)

    def readings(self, translations: Sequence[Translation]) -> list[Prepared]:
        """Each translation's final completion as read (the check's reading when it has one)."""
        return [
            t.reading if isinstance(t.reading, Prepared) else self.read(t.completion)
            for t in translations
        ]

    # ------------------------------------------------------------------ one problem

    def ask(self, premises: Sequence[str], conclusion: str) -> ReasonedAnswer:
        """Blocking ``aask``."""
        return asyncio.run(self._closing(self.aask(premises, conclusion)))

    async def aask(self, premises: Sequence[str], conclusion: str) -> ReasonedAnswer:
        """Translate k times, decide each translation through the pipeline, vote."""
        if not premises:
            raise LincError("a problem needs at least one premise")
        start = time.perf_counter()
        if "early_stop" in self.config.active_levers:
            translations, prepared, samples = await sample_until_settled(
                self.parser, list(premises), conclusion, self.settings, cache=self.proof_cache
            )
        else:
            translations = await self.parser.atranslate(list(premises), conclusion)
            prepared = self.readings(translations)  # as the parser's check read them
            samples, _ = await asyncio.to_thread(
                decide_readings, prepared, self.settings, cache=self.proof_cache
            )
        unusable = self.parser.client.unusable()
        if unusable is not None:  # no request reached the model: say so, do not answer Error
            raise unusable
        samples = [
            request_failed(t.index, t.error) if t.failure is Failure.REQUEST else s
            for t, s in zip(translations, samples)
        ]
        for translation, p in zip(translations, prepared):
            _show_formulas(translation, p, self.config.target)
        answer = vote_samples(samples, self.settings)
        prompt = sum(t.prompt_tokens for t in translations)
        completion = sum(t.completion_tokens for t in translations)
        return ReasonedAnswer(
            **answer.model_dump(),
            model=self.config.model_id,
            target=self.config.target.value,
            preset=self.settings.preset,
            translations=translations,
            records=samples,
            tokens=TokenUsage.of(prompt, completion),
            cost=self.config.price(prompt, completion),
            requests=sum(t.requests for t in translations),
            seconds=time.perf_counter() - start,
        )

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
        For evaluation runs with records, resume and reports, use
        ``linc eval run`` (``linc.evals.live.run_live``).
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


def _worded(prepared: Prepared) -> str | None:
    """None when ``prepared`` is a task, else its error worded for the model (the parser
    re-asks with it)."""
    if prepared.task is not None:
        return None
    if prepared.error is ErrorCause.NO_FORMULAS:
        return "there is no FOL line; write one TEXT line and one FOL line per sentence"
    if prepared.error is ErrorCause.PARSE:
        return f"a formula does not parse: {prepared.detail}"
    if prepared.error is ErrorCause.ARITY:
        return f"{prepared.detail}; use each name with one number of arguments"
    return prepared.detail or "the formulas cannot be decided"


def _show_formulas(translation: Translation, prepared: Prepared, target: Target) -> None:
    """Fill in the formulas a sample was decided on, printed in the target syntax."""
    from linc.parsers import render

    if prepared.task is None:
        return
    syntax = "lean" if target is Target.LEAN else "nltk"
    translation.premises = [render(f, syntax=syntax) for f in prepared.task.premises]
    translation.conclusion = render(prepared.task.goal, syntax=syntax)


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
