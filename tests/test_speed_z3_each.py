"""``Z3Backend.entails_each``: both directions of a task in one solver answer as separate calls.

The replay's procedure asks the portfolio's first backend for the goal and
its negation of every task; Z3 translates and asserts the premises once and
checks each goal in a scope of its own. The statuses are those of separate
calls; a check that is not clean leaves the goals after it to calls of their own.
"""

from __future__ import annotations

import pytest

from linc.ir import Not
from linc.parsers import parse
from linc.results import Limits, ProofStatus

pytest.importorskip("z3", reason="these tests run the z3 backend")

LIMITS = Limits(seconds=10, options={"countermodel": False})
CASES = [
    (["all x. (Dog(x) -> Animal(x))", "Dog(rex)"], "Animal(rex)"),
    (["all x. (Dog(x) -> Animal(x))"], "Animal(rex)"),
    (["Dog(rex) | Cat(rex)", "-Dog(rex)"], "Cat(rex)"),
    (["all x. (P(x) -> Q(x, f(x)))", "P(a)"], "exists y. Q(a, y)"),
    (["all x. (Dog(x) & HasFur(x))", "all x. (Dog(x) -> -HasFur(x))"], "Dog(rex)"),
    ([], "P(a) | -P(a)"),
]


def _backend():  # type: ignore[no-untyped-def]
    from linc.backends.z3 import Z3Backend

    return Z3Backend()


@pytest.mark.parametrize(("premises", "goal"), CASES)
def test_each_goal_answers_as_a_call_of_its_own(premises: list[str], goal: str) -> None:
    backend = _backend()
    facts = [parse(p) for p in premises]
    goals = [parse(goal), Not(parse(goal))]
    both = backend.entails_each(facts, goals, limits=LIMITS)
    alone = [_backend().entails(facts, g, limits=LIMITS) for g in goals]
    assert [r.status for r in both] == [r.status for r in alone]
    assert all(r.backend == "z3" and r.version for r in both)


def test_after_a_limit_the_other_goal_gets_a_call_of_its_own() -> None:
    backend = _backend()
    hard = ["all x. all y. (R(x, y) -> exists z. (R(y, z) & -(z = x)))", "R(a, b)"]
    limits = Limits(seconds=0.001, options={"countermodel": False})
    goals = [parse("R(b, a)"), parse("-R(b, a)")]
    results = backend.entails_each([parse(p) for p in hard], goals, limits=limits)
    assert len(results) == 2
    assert results[0].status is ProofStatus.UNKNOWN


def test_a_clean_pair_returns_its_context_to_the_pool() -> None:
    backend = _backend()
    premises, goal = CASES[0]
    facts = [parse(p) for p in premises]
    backend.entails_each(facts, [parse(goal), Not(parse(goal))], limits=LIMITS)
    assert len(backend._contexts._idle) == 1


def test_a_countermodel_asks_for_calls_of_their_own() -> None:
    backend = _backend()
    premises, goal = CASES[1]
    limits = Limits(seconds=10, options={"countermodel": True})
    results = backend.entails_each([parse(p) for p in premises], [parse(goal)], limits=limits)
    assert results[0].status is ProofStatus.NOT_PROVED
    assert results[0].countermodel


def test_the_procedure_decides_the_same_with_and_without_pairs() -> None:
    from linc.procedure import backend_versions, run_task
    from linc.settings import Settings
    from linc.task import Task

    settings = Settings.preset_of("best", backends=("z3",))
    versions = backend_versions(settings)
    for premises, goal in CASES:
        task = Task.of([parse(p) for p in premises], parse(goal))
        paired, fresh, calls = run_task(task, "t", settings, {}, versions)
        single, _, _ = run_task(task, "t", settings.with_(inconsistency=False), {}, versions)
        assert calls == 2 and len(fresh) == 2
        if not paired.inconsistent:
            assert paired.verdict is single.verdict


def test_the_version_read_without_importing_z3_is_z3s_own() -> None:
    """Proof-cache keys hold the version: reading it from the distribution changes none."""
    import z3

    from linc.backends.z3 import Z3Backend, installed_version

    found = installed_version()
    if found is not None:
        assert found == z3.get_version_string()
    assert Z3Backend().available().version == z3.get_version_string()
