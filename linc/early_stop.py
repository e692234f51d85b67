"""Cheap self-consistency: stop sampling once the vote cannot change.

``settled(samples, remaining, settings)`` tries every outcome the remaining
samples could have (True, False, Uncertain, Error, inconsistent) under the
settings' vote and says whether the label is the same in all of them. With
k = 3 and the ``best`` vote, two samples that agree on True or False settle
the answer; two Uncertain votes do not (a later proof outweighs them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from itertools import product

from linc.cache import Cache
from linc.parsers.llm import Failure, SemanticParser, Translation
from linc.pipeline import Prepared, decide_completions, vote_samples
from linc.results import Verdict
from linc.settings import Settings
from linc.voting import ErrorCause, Sample

log = logging.getLogger(__name__)

INCONSISTENT_MESSAGE = (
    "the premises you wrote contradict each other (a prover derives both the conclusion and "
    "its negation from them); check each formula against its sentence, especially negations "
    "and the direction of each implication"
)
"""The prover's finding, worded for the model (the re-ask of an inconsistent sample)."""

_OUTCOMES = (
    Sample(verdict=Verdict.TRUE),
    Sample(verdict=Verdict.FALSE),
    Sample(verdict=Verdict.UNCERTAIN),
    Sample(verdict=Verdict.ERROR, error=ErrorCause.OTHER),
    Sample(verdict=Verdict.TRUE, inconsistent=True),
)


def settled(samples: Sequence[Sample], remaining: int, settings: Settings) -> bool:
    """True when no outcome of ``remaining`` more samples changes the voted label."""
    if remaining <= 0:
        return True
    current = vote_samples(samples, settings).label
    if current is Verdict.ERROR:
        return False
    start = len(samples)
    for combo in product(_OUTCOMES, repeat=remaining):
        extra = [s.model_copy(update={"index": start + i}) for i, s in enumerate(combo)]
        if vote_samples([*samples, *extra], settings).label is not current:
            return False
    return True


async def sample_until_settled(
    parser: SemanticParser,
    premises: list[str],
    conclusion: str,
    settings: Settings,
    *,
    cache: Cache | None = None,
) -> tuple[list[Translation], list[Prepared], list[Sample]]:
    """Up to ``parser.config.k`` samples, one at a time, each decided before the next.

    A sample whose premises are inconsistent is asked again once with the
    prover's finding (``INCONSISTENT_MESSAGE``); sampling stops as soon as
    the vote is ``settled``.
    """
    k = parser.config.k
    translations: list[Translation] = []
    prepared: list[Prepared] = []
    samples: list[Sample] = []
    for index in range(k):
        translation = await parser.translate_one(premises, conclusion, index)
        ready, sample = await _decide(translation, index, settings, cache)
        if sample.inconsistent and translation.failure is None:
            log.info("sample %d: inconsistent premises; asking again", index)
            translation = await parser.reask(
                premises, conclusion, translation, INCONSISTENT_MESSAGE
            )
            ready, sample = await _decide(translation, index, settings, cache)
        translations.append(translation)
        prepared.append(ready)
        samples.append(sample)
        if translation.failure is Failure.REQUEST or settled(samples, k - index - 1, settings):
            break
    return translations, prepared, samples


async def _decide(
    translation: Translation, index: int, settings: Settings, cache: Cache | None
) -> tuple[Prepared, Sample]:
    prepared, samples, _ = await asyncio.to_thread(
        decide_completions, [translation.completion], settings, cache=cache
    )
    return prepared[0], samples[0].model_copy(update={"index": index})
