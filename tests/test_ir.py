import pytest

from linc import ArityError
from linc.ir import (
    And,
    Const,
    Eq,
    Exists,
    ForAll,
    Func,
    Implies,
    Not,
    Pred,
    Var,
    check_arities,
    conj,
    depth,
    forall,
    free_vars,
    signature,
    substitute,
)

x, y = Var("x"), Var("y")


def test_structural_equality_and_hash():
    a = ForAll(x, Implies(Pred("P", (x,)), Pred("Q", (x,))))
    b = ForAll(Var("x"), Implies(Pred("P", (Var("x"),)), Pred("Q", (Var("x"),))))
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.var = y  # type: ignore[misc]


def test_free_vars_and_substitution_avoid_capture():
    f = Exists(y, Pred("R", (x, y)))
    assert free_vars(f) == {"x"}
    g = substitute(f, {"x": y})
    assert isinstance(g, Exists) and g.var != y
    assert free_vars(g) == {"y"}
    assert substitute(Pred("P", (x,)), {"x": Const("a")}) == Pred("P", (Const("a"),))


def test_signature_and_arity_clash():
    fs = [
        Pred("Owns", (Const("a"), Const("b"))),
        Pred("Owns", (Const("a"), Const("b"), Const("c"))),
    ]
    assert signature(fs)[("pred", "Owns")] == {2, 3}
    with pytest.raises(ArityError) as err:
        check_arities(fs)
    assert err.value.symbol == "Owns" and err.value.arities == (2, 3)
    assert "Owns" in str(err.value) and "2" in str(err.value) and "3" in str(err.value)


def test_predicate_and_function_clash():
    fs = [Pred("f", (Const("a"),)), Eq(Func("f", (Const("a"),)), Const("b"))]
    with pytest.raises(ArityError):
        check_arities(fs)
    assert check_arities([Eq(Func("f", (Const("a"),)), Const("b"))])[("func", "f")] == 1


def test_helpers():
    p, q = Pred("P"), Pred("Q")
    assert conj(p) == p and conj(p, q) == And((p, q))
    assert forall(["x", "y"], p) == ForAll(x, ForAll(y, p))
    assert depth(Not(Not(p))) == 3


def test_deep_formulas_compare_hash_and_print():
    MAX_DEPTH = 5000

    def nest(n):
        f = Pred("P", (x,))
        for _ in range(n - 1):
            f = And((f, Pred("Q")))
        return f

    def with_stack(frames, fn):  # leave room for a deep caller, as under pytest or a CLI
        return with_stack(frames - 1, fn) if frames else fn()

    a, b = nest(MAX_DEPTH), nest(MAX_DEPTH)
    assert depth(a) == MAX_DEPTH
    assert with_stack(300, lambda: a == b and hash(a) == hash(b) and len(repr(a)) > MAX_DEPTH)
