"""Issue 12 item 15 (Z3): the prover limit covers Z3's translation.

Before: only the solver had a timeout, and translating 20 000 premises to
Z3 terms took 15 s under ``--prover-timeout 3`` (100 000 here: translation has
since become several times faster). Now the translation checks
the deadline at every formula node and ends with an ``UNKNOWN`` ("limit
reached while translating"); the solver gets what is left of the limit.
"""

from __future__ import annotations

import time

import pytest

from linc.ir import Const, ForAll, Formula, Implies, Pred, Var
from linc.results import Limits, ProofStatus

pytest.importorskip("z3", reason="these tests run the z3 backend")

PREMISES = 100_000
LIMIT = 3.0
SLACK = 1.5
"""Seconds past the limit a call may take (closing the formulas, building the result)."""


def _chain(n: int) -> tuple[list[Formula], Formula]:
    x = Var("x")
    premises: list[Formula] = [
        ForAll(x, Implies(Pred(f"P{i}", (x,)), Pred(f"P{i + 1}", (x,)))) for i in range(n)
    ]
    premises.append(Pred("P0", (Const("a"),)))
    return premises, Pred(f"P{n}", (Const("a"),))


def test_translating_a_huge_problem_stops_at_the_limit() -> None:
    from linc.backends.z3 import TRANSLATING, Z3Backend

    premises, goal = _chain(PREMISES)
    began = time.monotonic()
    result = Z3Backend().entails(premises, goal, limits=Limits(seconds=LIMIT))
    seconds = time.monotonic() - began
    assert seconds < LIMIT + SLACK, f"the call took {seconds:.1f} s under a {LIMIT:g} s limit"
    assert result.status is ProofStatus.UNKNOWN and result.reason == TRANSLATING


def test_decide_with_z3_stays_within_the_limit_per_direction() -> None:
    from linc.decide import decide

    premises, goal = _chain(PREMISES)
    began = time.monotonic()
    decision = decide(premises, goal, backend="z3", timeout=LIMIT, parallel=False)
    seconds = time.monotonic() - began
    assert seconds < 2 * (LIMIT + SLACK), f"decide took {seconds:.1f} s (two calls of {LIMIT:g} s)"
    assert decision.timed_out


def test_a_small_problem_is_still_solved() -> None:
    from linc.backends.z3 import Z3Backend

    a = Const("a")
    premises: list[Formula] = [
        Implies(Pred(f"P{i}", (a,)), Pred(f"P{i + 1}", (a,))) for i in range(50)
    ]
    premises.append(Pred("P0", (a,)))
    goal = Pred("P50", (a,))
    result = Z3Backend().entails(premises, goal, limits=Limits(seconds=LIMIT))
    assert result.status is ProofStatus.PROVED
    assert result.used_premises == tuple(range(51))
