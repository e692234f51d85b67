"""One soundness corpus, run on every available backend (as pysmt does).

Each case has a known answer; every backend that can run here must give
it. Cases are built as IR so they do not depend on any parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from linc.decide import decide
from linc.ir import (
    And,
    Bottom,
    Const,
    Eq,
    Exists,
    ForAll,
    Formula,
    Func,
    Iff,
    Implies,
    Not,
    Or,
    Pred,
    Top,
    Var,
    Xor,
    forall,
)
from linc.registry import backend_names, get_backend
from linc.results import ProofStatus, Verdict

x, y, z = Var("x"), Var("y"), Var("z")
a, b, c = Const("a"), Const("b"), Const("c")


def P(t):
    return Pred("P", (t,))


def Q(t):
    return Pred("Q", (t,))


def R(s, t):
    return Pred("R", (s, t))


@dataclass(frozen=True)
class Case:
    id: str
    premises: tuple[Formula, ...]
    conclusion: Formula
    verdict: Verdict
    inconsistent: bool = False
    timed_out: bool | None = False  # None: either is fine
    used: frozenset[int] | None = field(default=None)  # premises a proof must stay within


CASES = [
    Case(
        "syllogism",
        (
            ForAll(x, Implies(Pred("Man", (x,)), Pred("Mortal", (x,)))),
            Pred("Man", (Const("socrates"),)),
            Pred("Greek", (Const("plato"),)),
        ),
        Pred("Mortal", (Const("socrates"),)),
        Verdict.TRUE,
        used=frozenset({0, 1}),
    ),
    Case(
        "syllogism-negative",
        (ForAll(x, Implies(Pred("Man", (x,)), Not(Pred("Immortal", (x,))))), Pred("Man", (a,))),
        Pred("Immortal", (a,)),
        Verdict.FALSE,
        used=frozenset({0, 1}),
    ),
    Case(
        "affirming-the-consequent",
        (ForAll(x, Implies(P(x), Q(x))), Q(a)),
        P(a),
        Verdict.UNCERTAIN,
    ),
    Case("equality", (Eq(a, b), P(a)), P(b), Verdict.TRUE),
    Case("equality-symmetric", (Eq(a, b), Eq(b, c)), Eq(c, a), Verdict.TRUE),
    Case("disequality", (Not(Eq(a, b)), P(a)), P(b), Verdict.UNCERTAIN),
    Case("unique-names-not-assumed", (P(a), Not(P(b))), Eq(a, b), Verdict.FALSE),
    Case(
        "functions",
        (ForAll(x, Implies(P(x), P(Func("f", (x,))))), P(a)),
        P(Func("f", (Func("f", (a,)),))),
        Verdict.TRUE,
    ),
    Case(
        "function-injectivity-not-assumed",
        (Eq(Func("f", (a,)), Func("f", (b,))),),
        Eq(a, b),
        Verdict.UNCERTAIN,
    ),
    Case("xor", (Xor(P(a), Q(a)), P(a)), Q(a), Verdict.FALSE),
    Case("xor-both-false", (Xor(P(a), Q(a)), Not(P(a))), Q(a), Verdict.TRUE),
    Case("iff", (Iff(Pred("Rain"), Pred("Wet")), Not(Pred("Wet"))), Pred("Rain"), Verdict.FALSE),
    Case(
        "disjunctive-syllogism",
        (Or((P(a), Q(a), R(a, a))), Not(P(a)), Not(Q(a))),
        R(a, a),
        Verdict.TRUE,
    ),
    Case(
        "existential",
        (ForAll(x, Implies(P(x), Q(x))), Exists(x, P(x))),
        Exists(x, Q(x)),
        Verdict.TRUE,
    ),
    Case("nonempty-domain", (ForAll(x, P(x)),), Exists(x, P(x)), Verdict.TRUE),
    Case(
        "quantifier-order",
        (forall("x", Exists(y, R(x, y))),),
        Exists(y, ForAll(x, R(x, y))),
        Verdict.UNCERTAIN,
    ),
    Case("inconsistent-premises", (P(a), Not(P(a))), Q(b), Verdict.TRUE, inconsistent=True),
    Case("bottom-premise", (Bottom(),), Q(b), Verdict.TRUE, inconsistent=True),
    Case("tautology-no-premises", (), Or((P(a), Not(P(a)))), Verdict.TRUE),
    Case("top", (Top(),), P(a), Verdict.UNCERTAIN),
    Case(
        # Prover9 reads a free name starting with u-z as a variable: P(y1984) must
        # stay a fact about one individual, not become "everything is P".
        "constant-named-like-a-variable",
        (P(Const("y1984")),),
        P(b),
        Verdict.UNCERTAIN,
    ),
    Case(
        "bound-variable-named-like-a-constant",
        (ForAll(Var("a"), P(Var("a"))),),
        P(a),
        Verdict.TRUE,
    ),
    Case(
        "no-capture-of-a-constant",
        (P(a),),
        ForAll(Var("a"), P(Var("a"))),
        Verdict.UNCERTAIN,
    ),
    Case(
        "shadowed-variable",
        (ForAll(x, And((P(x), Exists(x, Q(x))))),),
        Q(a),
        Verdict.UNCERTAIN,
    ),
    Case(
        "hostile-names",
        (
            ForAll(x, Implies(Pred("set(auto)", (x,)), Pred("end_of_list.", (x,)))),
            Pred("set(auto)", (Const("formulas(sos)"),)),
        ),
        Pred("end_of_list.", (Const("formulas(sos)"),)),
        Verdict.TRUE,
    ),
    Case(
        "names-differing-only-in-punctuation",
        (Pred("is-red", (a,)),),
        Pred("is_red", (a,)),
        Verdict.UNCERTAIN,
    ),
    Case(
        "free-variables-closed-universally",
        (Implies(P(x), Q(x)), P(a)),
        Q(a),
        Verdict.TRUE,
    ),
]


def _nested(times: int, wrap, inner):
    for _ in range(times):
        inner = wrap(inner)
    return inner


# As deep as the parsers accept (linc.ir.MAX_DEPTH): printers must not recurse.
DEEP = 398
CASES += [
    Case("deep-negation", (_nested(DEEP, Not, P(a)),), P(a), Verdict.TRUE),
    Case("deep-conjunction", (_nested(DEEP, lambda f: And((f, Q(b))), P(a)),), P(a), Verdict.TRUE),
    Case(
        "deep-quantifiers",
        (forall([f"v{i}" for i in range(DEEP)], P(a)),),
        P(a),
        Verdict.TRUE,
    ),
    Case("deep-term", (P(_nested(DEEP, lambda t: Func("f", (t,)), a)),), P(a), Verdict.UNCERTAIN),
]

# Only infinite models exist (a strict order without a last element), so no
# search finishes and no finite countermodel exists: every backend must stop
# at the limit and say UNKNOWN, never PROVED.
ENDLESS = Case(
    "endless-search",
    (
        forall("xyz", Implies(And((R(x, y), R(y, z))), R(x, z))),
        ForAll(x, Not(R(x, x))),
        ForAll(x, Exists(y, R(x, y))),
    ),
    Q(a),
    Verdict.UNCERTAIN,
    timed_out=True,
)

SOUNDNESS_BACKENDS = [n for n in ("prover9", "z3", "eprover", "lean") if n in backend_names()]


@pytest.fixture(params=SOUNDNESS_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    availability = get_backend(request.param).available()
    if not availability:
        pytest.skip(f"{request.param} unavailable: {availability.reason}")
    return request.param


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_soundness_corpus(backend: str, case: Case) -> None:
    if backend == "lean" and case.verdict is not Verdict.TRUE:
        pytest.skip("lean only proves; it cannot show a non-theorem")
    decision = decide(list(case.premises), case.conclusion, backend=backend, timeout=10)
    assert decision.verdict is case.verdict, decision
    assert decision.inconsistent is case.inconsistent
    if case.timed_out is not None:
        assert decision.timed_out is case.timed_out
    proved = decision.negation if case.verdict is Verdict.FALSE else decision.conclusion
    result = proved[backend]
    if case.verdict is Verdict.UNCERTAIN:
        for r in (decision.conclusion[backend], decision.negation[backend]):
            assert r.status is ProofStatus.NOT_PROVED, r
    elif case.used is not None and result.used_premises is not None:
        assert set(result.used_premises) <= case.used
        assert result.used_premises, "a proof from these premises needs some of them"


def test_countermodels_from_z3() -> None:
    if not get_backend("z3").available():
        pytest.skip("z3 unavailable")
    for case in CASES:
        if case.verdict is not Verdict.UNCERTAIN:
            continue
        decision = decide(list(case.premises), case.conclusion, backend="z3")
        model = decision.conclusion["z3"].countermodel
        assert model and model.startswith("domain:"), (case.id, model)


@pytest.mark.slow
def test_endless_search_stops_at_the_limit(backend: str) -> None:
    if backend == "lean":
        pytest.skip("lean tactics are not a search")
    decision = decide(list(ENDLESS.premises), ENDLESS.conclusion, backend=backend, timeout=1)
    assert decision.verdict is Verdict.UNCERTAIN
    assert decision.timed_out
    for r in (decision.conclusion[backend], decision.negation[backend]):
        assert r.status is ProofStatus.UNKNOWN, r


def test_ensemble_agrees_on_the_corpus() -> None:
    names = [
        n
        for n in ("prover9", "z3", "eprover")
        if n in backend_names() and get_backend(n).available()
    ]
    if len(names) < 2:
        pytest.skip("needs two available backends")
    for case in CASES:
        decision = decide(list(case.premises), case.conclusion, backend=names)
        assert decision.agreement, (case.id, decision.per_backend)
        assert not decision.contradiction
        assert decision.verdict is case.verdict
        assert set(decision.per_backend) == set(names)
