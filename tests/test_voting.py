"""The vote rules: LINC's parity rule (ties, errors, all-error) and ``best``."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linc.errors import ArityError, BackendError, BackendUnavailable, ParseError
from linc.results import Verdict
from linc.voting import Answer, ErrorCause, Sample, classify_error, vote

T, F, U, E = Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN, Verdict.ERROR


def test_majority_wins():
    assert vote([T, F, T, U, T]).label is T
    assert vote(["False", "False", "Uncertain"]).label is F


def test_tie_goes_to_the_verdict_seen_first():
    answer = vote([F, T, T, F])
    assert answer.label is F
    assert answer.tie and answer.tied == [F, T]
    assert vote([T, F, F, T]).label is T
    assert vote([U, E, T]).label is U


def test_errors_are_dropped_before_counting():
    answer = vote([E, E, E, U, T, T])
    assert answer.label is T
    assert answer.votes == {U: 1, T: 2}
    assert answer.errors[:3] == [ErrorCause.OTHER] * 3


def test_all_error_problem_has_no_label():
    answer = vote([E] * 10)
    assert answer.label is E
    assert answer.votes == {} and answer.winners == []


def test_linc_counts_inconsistent_samples_as_true():
    samples = [
        Sample(verdict=T, inconsistent=True),
        Sample(verdict=T, inconsistent=True),
        Sample(verdict=U),
    ]
    assert vote(samples, policy="linc").label is T
    answer = vote(samples, policy="best")
    assert answer.label is U
    assert answer.abstained == [0, 1]
    assert answer.inconsistent


def test_best_falls_back_to_inconsistent_samples_when_alone():
    samples = [Sample(verdict=T, inconsistent=True), E]
    answer = vote(samples, policy="best")
    assert answer.label is T and answer.abstained == []


def test_best_counts_uncertain_a_tenth():
    # 3 Uncertain vs 2 True: LINC says Uncertain; under best a proof outweighs 9 Uncertain
    samples = [U, T, T, U, U]
    assert vote(samples, policy="linc").label is U
    best = vote(samples, policy="best")
    assert best.label is T
    assert best.scores == pytest.approx({U: 0.3, T: 2.0})
    assert vote([U] * 9 + [T], policy="best").label is T
    assert vote([U] * 11 + [T], policy="best").label is U
    tie = vote([U] * 10 + [T], policy="best")  # 10 x 0.1 is a tie despite rounding
    assert tie.tie and tie.label is U  # the first seen
    assert vote([U, U, E], policy="best").label is U


def test_uncertain_weight_is_a_parameter_of_best_only():
    samples = [U, T, T, U, U]
    assert vote(samples, policy="best", uncertain_weight=1.0).label is U
    assert vote(samples, policy="best", uncertain_weight=0.6).label is T
    assert vote(samples, policy="best", uncertain_weight=0.6).scores[U] == pytest.approx(1.8)
    assert vote(samples, policy="linc", uncertain_weight=0.25).label is U
    with pytest.raises(ValueError, match="uncertain_weight"):
        vote(samples, policy="best", uncertain_weight=0)


def test_best_tie_prefers_fewer_repaired_samples():
    samples = [
        Sample(verdict=T, repairs=2),
        Sample(verdict=F),
        Sample(verdict=T),
        Sample(verdict=F),
    ]
    assert vote(samples, policy="linc").label is T  # first seen
    assert vote(samples, policy="best").label is F  # True leans on a repaired sample


def test_winners_and_evidence():
    samples = [
        Sample(verdict=T, evidence="prover9 proved it"),
        Sample(verdict=F),
        Sample(verdict=T, evidence="z3: unsat"),
    ]
    answer = vote(samples)
    assert answer.winners == [0, 2]
    assert answer.evidence == ["prover9 proved it", "z3: unsat"]


def test_exceptions_are_classified_by_type():
    parse_error = ParseError("bad", text="P(", line=1, column=3, expected=[")"])
    assert Sample.coerce(parse_error).error is ErrorCause.PARSE
    assert Sample.coerce(ArityError("Owns", 2, 3)).error is ErrorCause.ARITY
    assert Sample.coerce(BackendError("prover9 failed")).error is ErrorCause.BACKEND
    assert classify_error(BackendUnavailable("lean", "not installed")) is ErrorCause.UNAVAILABLE
    answer = vote([parse_error, T, BackendError("boom")])
    assert answer.label is T
    assert answer.errors == [ErrorCause.PARSE, None, ErrorCause.BACKEND]


def test_decision_like_objects_vote():
    class Decided:  # the attributes linc.decide.Decision carries
        def __init__(self, verdict, *, inconsistent=False, timed_out=False):
            self.verdict, self.inconsistent, self.timed_out = verdict, inconsistent, timed_out

    answer = vote(
        [Decided(T, inconsistent=True), Decided(F), Decided(F, timed_out=True)], policy="best"
    )
    assert answer.label is F
    assert answer.timed_out and answer.inconsistent


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown vote policy"):
        vote([T], policy="unanimous")


def test_answer_round_trips_through_json():
    answer = vote([Sample(verdict=T, evidence="x"), E, U, T], policy="best")
    again = Answer.model_validate_json(answer.model_dump_json())
    assert again == answer


@given(st.lists(st.sampled_from([T, F, U, E]), min_size=1, max_size=12))
def test_linc_policy_is_counter_most_common(samples):
    kept = [s for s in samples if s is not E]
    expected = Counter(kept).most_common(1)[0][0] if kept else E
    assert vote(samples, policy="linc").label is expected
