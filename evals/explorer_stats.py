"""Risk–coverage from the vote's margin: accuracy when a run answers only when sure enough.

Each problem's ``Answer.margin`` (``linc.voting.vote_margin``) says how
decided its vote was. Answering only the problems whose margin reaches a
threshold ``t`` trades coverage (the share answered) for accuracy (the share
right among those answered). ``risk_coverage`` gives one point per distinct
margin, from the most decided problems down to all of them; at full coverage
the accuracy is the run's own. Only problems with a gold label take part.
Pure computation: the run explorer draws it and ``eval compare`` quotes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

if TYPE_CHECKING:  # evals.report imports this module
    from linc.evals.report import ProblemRecord

COVERAGES = (0.5, 0.8, 1.0)
"""The coverages quoted in tables (``accuracy_at_coverage``)."""


class CoveragePoint(BaseModel):
    """Answering only the problems whose margin is at least ``threshold``."""

    threshold: float
    answered: int
    correct: int
    coverage: float = Field(description="answered / problems with gold")
    accuracy: float = Field(description="correct / answered")


def margin_of(record: ProblemRecord) -> float:
    """The record's vote margin; 0 for a record without its vote (nothing says how sure)."""
    return record.answer.margin if record.answer is not None else 0.0


def risk_coverage(records: Sequence[ProblemRecord]) -> list[CoveragePoint]:
    """One point per distinct margin, thresholds from high to low (see the module doc)."""
    scored = sorted(
        ((round(margin_of(r), 9), r.correct) for r in records if r.gold is not None),
        key=lambda pair: -pair[0],
    )
    n = len(scored)
    points: list[CoveragePoint] = []
    correct = 0
    for i, (margin, right) in enumerate(scored, start=1):
        correct += right
        if i < n and scored[i][0] == margin:
            continue  # the same threshold answers every problem of that margin
        points.append(
            CoveragePoint(
                threshold=margin, answered=i, correct=correct, coverage=i / n, accuracy=correct / i
            )
        )
    return points


class CoverageQuote(BaseModel):
    """The accuracy at one coverage, two ways (margins tie in groups)."""

    coverage: float = Field(description="the coverage asked for")
    expected_accuracy: float = Field(
        description="answering exactly round(coverage * n) problems, most decided first, "
        "ties in margin broken at random (expected accuracy)"
    )
    threshold: float = Field(description="the highest threshold answering at least coverage")
    reached_coverage: float = Field(description="what that threshold answers")
    reached_accuracy: float


def accuracy_at_coverage(
    points: Sequence[CoveragePoint], coverages: Sequence[float] = COVERAGES
) -> list[CoverageQuote]:
    """A ``CoverageQuote`` per coverage (none without points)."""
    if not points:
        return []
    n = points[-1].answered
    out: list[CoverageQuote] = []
    for c in coverages:
        want = max(1, round(c * n))
        at = next(p for p in points if p.answered >= want)
        before = [p for p in points if p.answered < want]
        done, right = (before[-1].answered, before[-1].correct) if before else (0, 0)
        share = (at.correct - right) / (at.answered - done)  # accuracy within the tied group
        out.append(
            CoverageQuote(
                coverage=c,
                expected_accuracy=(right + (want - done) * share) / want,
                threshold=at.threshold,
                reached_coverage=at.coverage,
                reached_accuracy=at.accuracy,
            )
        )
    return out
