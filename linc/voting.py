"""Aggregate the verdicts of k sampled translations into one answer.

``vote(samples, *, policy)`` takes one entry per sample, in sample order. An
entry is a ``Sample`` (verdict plus why it failed, flags and evidence), a bare
``Verdict`` or label string, an object with ``verdict``/``inconsistent``/
``timed_out`` attributes (a ``linc.decide.Decision``), or the exception that
deciding the sample raised (classified by type: ``ParseError`` is a parse
error, ``ArityError`` an arity clash, ``BackendError`` a prover failure).

Policies
--------
``linc`` (parity with LINC's released evaluation)
    Samples whose verdict is ``Error`` are dropped. The label is the most
    common verdict of the rest; a tie goes to the tied verdict that occurs
    first in sample order (this is what Python's ``Counter.most_common``
    does, which LINC uses). When every sample is ``Error`` the label is
    ``Error``, which scores as wrong against any gold label. Inconsistent
    premises are not special: LINC proves the conclusion first, so such a
    sample arrives here as ``True``; a prover timeout arrives as ``Error``.

``best``
    As ``linc``, and in addition samples whose premises are inconsistent
    abstain (anything follows from them, so their ``True`` says nothing)
    unless no other sample has a verdict,
    and an ``Uncertain`` vote counts a tenth (``UNCERTAIN_WEIGHT``): a proof
    is positive evidence from a translation, while ``Uncertain`` is also what
    every faulty translation gives (a predicate spelled two ways, a missing
    link), so one proof outweighs up to nine ``Uncertain`` votes. The weight
    was chosen on held-out recorded runs (``benchmarks/vote_weight.py``:
    chosen on four runs, scored on the fifth). A tie is broken first by
    fewer repaired samples behind a verdict (a sample that needed repairs is
    less trustworthy), then by sample order.

``majority``
    Plain plurality over non-error samples with the sample-order tie-break,
    inconsistent samples included, and no repair weighting; for ablations.

Paradox (``vote(..., paradox=True)``, only for datasets whose label set has
``Paradox``, such as LogicNLI): before the policy's vote, the samples that
prove both the conclusion and its negation (``inconsistent``) are weighed
against all the others (``paradox_vote``); when they weigh more, the answer
is ``Paradox``. Without ``paradox`` no vote ever answers it.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from linc.errors import (
    ArityError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    LincError,
    ParseError,
)
from linc.results import Verdict

POLICIES = ("linc", "best", "majority")
UNCERTAIN_WEIGHT = 0.1
"""Weight of an ``Uncertain`` vote under the ``best`` policy (1 elsewhere)."""


class ErrorCause(str, Enum):
    """Why a sample has no verdict."""

    NO_FORMULAS = "no_formulas"  # the completion held no formula at all
    PARSE = "parse"  # a formula does not parse
    ARITY = "arity"  # a symbol with two arities, or predicate and function
    BACKEND = "backend"  # the prover failed (fatal error, crash)
    UNAVAILABLE = "unavailable"  # the backend is not installed
    TIMEOUT = "timeout"  # a limit was reached before an answer
    OTHER = "other"


class Sample(BaseModel):
    """One sample's outcome: what the vote counts and what a run records.

    The one per-sample record of the project: live runs, replays and
    ``Reasoner.ask`` all produce it, and ``records.jsonl`` stores it.
    """

    model_config = ConfigDict(frozen=True)

    index: int = Field(default=0, description="the sample's position among the problem's samples")
    verdict: Verdict
    error: ErrorCause | None = None
    detail: str = Field(default="", description="why the sample failed, or its evidence")
    inconsistent: bool = False
    timed_out: bool = False
    repairs: tuple[str, ...] = Field(default=(), description="kinds of the repairs applied")
    evidence: str = Field(default="", description="backend, premises used, or a countermodel")
    decision: str | None = Field(
        default=None, description="key of the (premises, goal) decision it shares"
    )
    recorded: Verdict | None = Field(default=None, description="the recording system's own verdict")

    @field_validator("repairs", mode="before")
    @classmethod
    def _repair_kinds(cls, value: Any) -> Any:
        # a bare count (older callers) stands for that many unnamed repairs
        return ("repair",) * value if isinstance(value, int) else value

    def to_sample(self) -> Sample:
        """The sample itself (records and samples are one model)."""
        return self

    @classmethod
    def from_exception(cls, exc: BaseException) -> Sample:
        """An ``Error`` sample, its cause read from the exception's type."""
        return cls(verdict=Verdict.ERROR, error=classify_error(exc), detail=_one_line(exc))

    @classmethod
    def coerce(cls, item: Any) -> Sample:
        """Build a sample from any of the entry kinds ``vote`` accepts."""
        if isinstance(item, Sample):
            return item
        if isinstance(item, BaseException):
            return cls.from_exception(item)
        if isinstance(item, (Verdict, str)):
            verdict = Verdict(item) if not isinstance(item, Verdict) else item
            return cls(
                verdict=verdict, error=ErrorCause.OTHER if verdict is Verdict.ERROR else None
            )
        raw = getattr(item, "verdict", None)
        if raw is None:
            raise TypeError(f"cannot vote with {type(item).__name__}")
        timed_out = bool(getattr(item, "timed_out", False))
        verdict = Verdict(raw)
        error = None
        if verdict is Verdict.ERROR:
            error = ErrorCause.TIMEOUT if timed_out else ErrorCause.OTHER
        return cls(
            verdict=verdict,
            error=error,
            inconsistent=bool(getattr(item, "inconsistent", False)),
            timed_out=timed_out,
        )


def classify_error(exc: BaseException) -> ErrorCause:
    """The ``ErrorCause`` for an exception raised while deciding a sample."""
    if isinstance(exc, ParseError):
        return ErrorCause.PARSE
    if isinstance(exc, ArityError):
        return ErrorCause.ARITY
    if isinstance(exc, BackendUnavailable):
        return ErrorCause.UNAVAILABLE
    if isinstance(exc, BackendError):
        return ErrorCause.BACKEND
    if isinstance(exc, TimeoutError):
        return ErrorCause.TIMEOUT
    return ErrorCause.OTHER


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    head = text[0] if text else type(exc).__name__
    return head if isinstance(exc, LincError) else f"{type(exc).__name__}: {head}"


class Answer(BaseModel):
    """The voted answer for one problem, with everything that led to it."""

    label: Verdict
    policy: str
    votes: dict[Verdict, int] = Field(
        description="counted votes per verdict (errors and abstentions excluded)"
    )
    scores: dict[Verdict, float] = Field(
        default_factory=dict, description="weighted votes the policy compared"
    )
    samples: list[Verdict] = Field(description="each sample's verdict, in sample order")
    errors: list[ErrorCause | None] = Field(
        description="each sample's error cause, None when it has a verdict"
    )
    details: list[str] = Field(
        default_factory=list, description="each sample's error or evidence text"
    )
    winners: list[int] = Field(
        default_factory=list, description="indices of the samples that voted for the label"
    )
    evidence: list[str] = Field(default_factory=list, description="evidence of the winning samples")
    abstained: list[int] = Field(
        default_factory=list, description="samples the policy did not count"
    )
    tie: bool = False
    tied: list[Verdict] = Field(
        default_factory=list, description="the verdicts that tied for first place"
    )
    inconsistent: bool = Field(default=False, description="some sample had inconsistent premises")
    timed_out: bool = Field(default=False, description="some sample hit a time limit")
    margin: float = Field(
        default=0.0,
        description="winning score minus the runner-up's, over the samples (see vote_margin)",
    )

    @model_validator(mode="after")
    def _margin_of_older_records(self) -> Answer:
        # records written before ``margin`` existed: recompute it from their scores
        if "margin" not in self.model_fields_set:
            self.margin = vote_margin(self.scores, len(self.samples), tie=self.tie)
        return self

    @property
    def n(self) -> int:
        return len(self.samples)


def vote_margin(
    scores: dict[Verdict, float], samples: int, *, tie: bool = False, fallback: bool = False
) -> float:
    """How decided a vote is, in [0, 1]: ``(top - runner_up) / samples``.

    ``top`` and ``runner_up`` are the two highest weighted scores the policy
    compared (``runner_up`` is 0 when one verdict got every counted vote);
    ``samples`` is every sample of the problem, errors and abstentions
    included, so each sample could add at most 1. Ten ``True`` votes give 1;
    ten ``Uncertain`` votes under ``best`` give 0.1; one ``True`` and nine
    errors give 0.1. A tie, a vote with nothing counted (label ``Error``) and
    a ``fallback`` answer (read from abstaining inconsistent samples only,
    which support anything) give 0. Normalising by the counted weight
    instead ranks unanimous ``Uncertain`` votes first and loses the
    risk-coverage gain (gpt-3.5 FOLIO 8-shot, best: expected accuracy at
    50 % coverage 0.66, below the 0.71 of answering all, against 0.84).
    """
    if tie or fallback or samples <= 0 or not scores:
        return 0.0
    ranked = sorted(scores.values(), reverse=True)
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    return max(0.0, min(1.0, (ranked[0] - runner_up) / samples))


def _weight(verdict: Verdict, policy: str, uncertain_weight: float) -> float:
    """What one counted vote for ``verdict`` weighs under ``policy``."""
    return uncertain_weight if policy == "best" and verdict is Verdict.UNCERTAIN else 1.0


def check_vote_options(policy: str, uncertain_weight: float = UNCERTAIN_WEIGHT) -> None:
    """Raise ``linc.ConfigError`` for an unknown policy or a weight outside (0, 1]."""
    if policy not in POLICIES:
        raise ConfigError(f"unknown vote policy {policy!r}; choose from {', '.join(POLICIES)}")
    if not 0 < uncertain_weight <= 1:
        raise ConfigError(f"uncertain_weight must be in (0, 1], got {uncertain_weight}")


def vote(
    samples: Sequence[Any],
    *,
    policy: str = "linc",
    uncertain_weight: float = UNCERTAIN_WEIGHT,
    paradox: bool = False,
) -> Answer:
    """Aggregate per-sample outcomes into an ``Answer`` (see the module doc).

    ``uncertain_weight`` is what an ``Uncertain`` vote counts under ``best``
    (``benchmarks/vote_weight.py`` measures the choice on held-out runs).
    ``paradox`` (only for datasets whose labels include ``Paradox``): see
    ``paradox_vote``.
    """
    check_vote_options(policy, uncertain_weight)
    items = [Sample.coerce(s) for s in samples]
    if paradox:
        answer = paradox_vote(items, policy=policy, uncertain_weight=uncertain_weight)
        if answer is not None:
            return answer
    counted: list[int] = []
    abstained: list[int] = []
    for i, s in enumerate(items):
        if s.verdict is Verdict.ERROR:
            continue
        if policy == "best" and s.inconsistent:
            abstained.append(i)
            continue
        counted.append(i)

    fallback = not counted and bool(abstained)
    if fallback:
        # nothing else to defer to (a single program, say): read the
        # inconsistent samples by the decision rule after all (proved → True)
        counted, abstained = abstained, []

    votes: dict[Verdict, int] = {}
    scores: dict[Verdict, float] = {}
    first_seen: dict[Verdict, int] = {}
    repaired: dict[Verdict, int] = {}
    for i in counted:
        v = items[i].verdict
        votes[v] = votes.get(v, 0) + 1
        scores[v] = scores.get(v, 0.0) + _weight(v, policy, uncertain_weight)
        first_seen.setdefault(v, i)
        repaired[v] = repaired.get(v, 0) + (1 if items[i].repairs else 0)

    tied: list[Verdict] = []
    if scores:
        top = max(scores.values())
        # weights such as 0.1 do not add up exactly in floating point
        tied = sorted(
            (v for v, c in scores.items() if abs(c - top) < 1e-9), key=first_seen.__getitem__
        )
        if policy == "best":
            label = min(tied, key=lambda v: (repaired[v], first_seen[v]))
        else:
            label = tied[0]
    else:
        label = Verdict.ERROR

    winners = (
        [i for i in counted if items[i].verdict is label] if label is not Verdict.ERROR else []
    )
    return _answer(
        items,
        label,
        policy,
        votes,
        scores,
        winners,
        abstained=abstained,
        tie=len(tied) > 1,
        margin=vote_margin(scores, len(items), tie=len(tied) > 1, fallback=fallback),
        tied=tied if len(tied) > 1 else [],
    )


def _answer(
    items: Sequence[Sample],
    label: Verdict,
    policy: str,
    votes: dict[Verdict, int],
    scores: dict[Verdict, float],
    winners: list[int],
    **extra: Any,
) -> Answer:
    """The ``Answer`` of a counted vote: the per-sample lists and the winners' evidence."""
    return Answer(
        label=label,
        policy=policy,
        votes=votes,
        scores=scores,
        samples=[s.verdict for s in items],
        errors=[s.error for s in items],
        details=[s.detail or s.evidence for s in items],
        winners=winners,
        evidence=[items[i].evidence for i in winners if items[i].evidence],
        inconsistent=any(s.inconsistent for s in items),
        timed_out=any(s.timed_out or s.error is ErrorCause.TIMEOUT for s in items),
        **extra,
    )


def paradox_vote(
    items: Sequence[Sample], *, policy: str, uncertain_weight: float = UNCERTAIN_WEIGHT
) -> Answer | None:
    """``Paradox`` when the samples that prove both directions outweigh the rest, else None.

    An inconsistent sample (the conclusion and its negation both proved)
    counts 1 for Paradox; each other sample with a verdict counts for its
    verdict what the policy gives it (``Uncertain`` ``uncertain_weight`` under
    ``best``, else 1). Paradox needs strictly more than all the others
    together, so a tie keeps the ordinary vote.
    """
    both = [i for i, s in enumerate(items) if s.verdict is not Verdict.ERROR and s.inconsistent]
    votes: dict[Verdict, int] = {Verdict.PARADOX: len(both)}
    scores: dict[Verdict, float] = {Verdict.PARADOX: float(len(both))}
    for s in items:
        if s.verdict is Verdict.ERROR or s.inconsistent:
            continue
        votes[s.verdict] = votes.get(s.verdict, 0) + 1
        scores[s.verdict] = scores.get(s.verdict, 0.0) + _weight(
            s.verdict, policy, uncertain_weight
        )
    rest = sum(score for verdict, score in scores.items() if verdict is not Verdict.PARADOX)
    if not both or len(both) <= rest + 1e-9:
        return None
    margin = vote_margin(scores, len(items))
    return _answer(items, Verdict.PARADOX, policy, votes, scores, both, margin=margin)
