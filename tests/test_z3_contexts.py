"""Z3 contexts are pooled: reused after a clean answer, dropped after a limit.

Creating a ``z3.Context`` costs milliseconds, a large share of a small
problem, so the backend keeps idle contexts. A context that an answer left
in doubt (a limit, an interrupt) is never reused, and a reused context
gives the same answers as a fresh one.
"""

from __future__ import annotations

import pytest

from linc.parsers import parse
from linc.results import Limits, ProofStatus

pytest.importorskip("z3", reason="these tests run the z3 backend")

LIMITS = Limits(seconds=10, options={"countermodel": False})
# Answers known by hand: (premises, goal, status).
CASES = [
    (["all x. (Dog(x) -> Animal(x))", "Dog(rex)"], "Animal(rex)", ProofStatus.PROVED),
    (["all x. (Dog(x) -> Animal(x))", "Dog(rex)"], "-Animal(rex)", ProofStatus.NOT_PROVED),
    (["all x. (Dog(x) -> Animal(x))"], "Animal(rex)", ProofStatus.NOT_PROVED),
    (["Dog(rex) | Cat(rex)", "-Dog(rex)"], "Cat(rex)", ProofStatus.PROVED),
    (["all x. (P(x) -> Q(x, f(x)))", "P(a)"], "exists y. Q(a, y)", ProofStatus.PROVED),
    # the same names with other arities and kinds than above, in the same contexts
    (
        ["Dog(rex, tom)", "all x. all y. (Dog(x, y) -> Animal(y))"],
        "Animal(tom)",
        ProofStatus.PROVED,
    ),
    (["Animal(f(rex))"], "exists x. Animal(x)", ProofStatus.PROVED),
]


def _backend():  # type: ignore[no-untyped-def]
    from linc.backends.z3 import Z3Backend

    return Z3Backend()


def test_a_clean_answer_returns_its_context_to_the_pool() -> None:
    backend = _backend()
    premises, goal, _ = CASES[0]
    backend.entails([parse(p) for p in premises], parse(goal), limits=LIMITS)
    first = list(backend._contexts._idle)
    assert len(first) == 1
    backend.entails([parse(p) for p in premises], parse(goal), limits=LIMITS)
    assert backend._contexts._idle == first  # the same context served the second call


def test_a_context_that_hit_its_limit_is_dropped() -> None:
    backend = _backend()
    hard = ["all x. all y. (R(x, y) -> exists z. (R(y, z) & -(z = x)))", "R(a, b)"]
    limits = Limits(seconds=10, options={"countermodel": False, "rlimit": 1})
    result = backend.entails([parse(p) for p in hard], parse("R(b, a)"), limits=limits)
    assert result.status is ProofStatus.UNKNOWN
    assert backend._contexts._idle == []


def test_reused_contexts_answer_as_fresh_ones() -> None:
    pooled = _backend()
    for premises, goal, status in CASES * 3:
        got = pooled.entails([parse(p) for p in premises], parse(goal), limits=LIMITS)
        fresh = _backend().entails([parse(p) for p in premises], parse(goal), limits=LIMITS)
        assert got.status is fresh.status is status, (premises, goal)
        assert got.used_premises == fresh.used_premises
