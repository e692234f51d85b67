"""Property and fuzz tests: random formulas round-trip in every syntax, and
no input (random text, bytes, huge or deeply nested) gives anything but a
formula or a ``ParseError``."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linc import ParseError, parse, read, render
from linc.ir import (
    FORMULA_TYPES,
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
    Term,
    Top,
    Var,
    Xor,
)

SYNTAXES = ("nltk", "unicode", "lean")
VARIABLES = ("x", "y", "z", "w")
CONSTANTS = ("a", "b", "c1", "john", "bonnie", "k")
PREDICATES = ("P", "Q", "Likes", "Student", "R2")
FUNCTIONS = ("mother", "age")

# ------------------------------------------------------------ strategies

names = st.sampled_from(CONSTANTS + VARIABLES)
terms: st.SearchStrategy[Term] = st.recursive(
    names.map(Const),
    lambda inner: st.builds(
        Func, st.sampled_from(FUNCTIONS), st.lists(inner, min_size=1, max_size=2).map(tuple)
    ),
    max_leaves=3,
)
atoms: st.SearchStrategy[Formula] = st.one_of(
    st.builds(Pred, st.sampled_from(PREDICATES), st.lists(terms, max_size=3).map(tuple)),
    st.builds(Eq, terms, terms),
    st.builds(
        lambda op, a, b: Pred(op, (a, b)),
        st.sampled_from([">", "<", ">=", "<=", "∈"]),
        terms,
        terms,
    ),
    st.just(Top()),
    st.just(Bottom()),
)


def _compound(inner: st.SearchStrategy[Formula]) -> st.SearchStrategy[Formula]:
    many = st.lists(inner, min_size=2, max_size=4).map(tuple)
    var = st.sampled_from(VARIABLES).map(Var)
    return st.one_of(
        st.builds(Not, inner),
        st.builds(And, many),
        st.builds(Or, many),
        st.builds(Implies, inner, inner),
        st.builds(Iff, inner, inner),
        st.builds(Xor, inner, inner),
        st.builds(ForAll, var, inner),
        st.builds(Exists, var, inner),
    )


def scoped(f: Formula, bound: frozenset[str] = frozenset()) -> Formula:
    """Bound names become ``Var``; a variable name used free becomes ``a``
    (the unicode syntax would universally close it)."""
    if isinstance(f, (ForAll, Exists)):
        return type(f)(f.var, scoped(f.body, bound | {f.var.name}))
    if isinstance(f, Pred):
        return Pred(f.name, tuple(_scoped_term(t, bound) for t in f.args))
    if isinstance(f, Eq):
        return Eq(_scoped_term(f.left, bound), _scoped_term(f.right, bound))
    if isinstance(f, Not):
        return Not(scoped(f.body, bound))
    if isinstance(f, (And, Or)):
        return type(f)(tuple(scoped(a, bound) for a in f.args))
    if isinstance(f, (Implies, Iff, Xor)):
        return type(f)(scoped(f.left, bound), scoped(f.right, bound))
    return f


def _scoped_term(t: Term, bound: frozenset[str]) -> Term:
    if isinstance(t, Const) and t.name in VARIABLES:
        return Var(t.name) if t.name in bound else Const("a")
    if isinstance(t, Func):
        return Func(t.name, tuple(_scoped_term(a, bound) for a in t.args))
    return t


formulas = st.recursive(atoms, _compound, max_leaves=12).map(scoped)


# ----------------------------------------------------------- round trips


@pytest.mark.parametrize("syntax", SYNTAXES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(formula=formulas)
def test_random_formulas_round_trip(syntax: str, formula: Formula) -> None:
    text = render(formula, syntax=syntax)
    assert parse(text, syntax=syntax) == formula, text


@settings(max_examples=150, deadline=None)
@given(formula=formulas, syntax=st.sampled_from(SYNTAXES))
def test_auto_reads_every_printer_back(formula: Formula, syntax: str) -> None:
    text = render(formula, syntax=syntax)
    assert parse(text) == formula, text


# ------------------------------------------------------------------- fuzz

ALL_SYNTAXES = ("auto", "nltk", "nltk-strict", "unicode", "lean")


def _formula_or_parse_error(text: object, syntax: str, repair: bool = False) -> None:
    try:
        parsed = read(text, syntax=syntax, repair=repair)  # type: ignore[arg-type]
    except ParseError as exc:
        assert exc.line >= 1 and exc.column >= 1
        str(exc)  # the caret message renders
        return
    assert isinstance(parsed.formula, FORMULA_TYPES)
    assert parsed.syntax != "auto"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), syntax=st.sampled_from(ALL_SYNTAXES), repair=st.booleans())
def test_random_text(text: str, syntax: str, repair: bool) -> None:
    _formula_or_parse_error(text, syntax, repair)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=80), syntax=st.sampled_from(ALL_SYNTAXES))
def test_random_bytes(data: bytes, syntax: str) -> None:
    _formula_or_parse_error(data, syntax)


VOCABULARY = (
    "(",
    ")",
    ",",
    ".",
    "all",
    "exists",
    "Exists",
    "x",
    "y",
    "P",
    "Q(x)",
    "R(a, b)",
    "f(x)",
    "&",
    "|",
    "->",
    "<->",
    "-",
    "~",
    "!",
    "=",
    "!=",
    ">",
    "<=",
    "xor",
    "∀",
    "∃",
    "¬",
    "∧",
    "∨",
    "→",
    "↔",
    "⊕",
    "≠",
    ":",
    "'",
    "42.3Billion",
    "c++",
    "mr.smith",
    "«a b»",
    "True",
    "Xor'",
    "\\",
    "iota",
    "not",
    "and",
    " ",
    "  ",
)


@settings(max_examples=400, deadline=None)
@given(
    tokens=st.lists(st.sampled_from(VOCABULARY), max_size=25),
    syntax=st.sampled_from(ALL_SYNTAXES),
    repair=st.booleans(),
)
def test_random_token_soup(tokens: list[str], syntax: str, repair: bool) -> None:
    _formula_or_parse_error(" ".join(tokens), syntax, repair)
    _formula_or_parse_error("".join(tokens), syntax, repair)


MEGABYTE = 1_000_000


@pytest.mark.parametrize("syntax", ALL_SYNTAXES)
def test_one_megabyte_inputs(syntax: str) -> None:
    rng = random.Random(4)
    alphabet = "()&|-.,xyPQ∀∃¬∧→ abc=>"
    noise = "".join(rng.choice(alphabet) for _ in range(MEGABYTE))
    _formula_or_parse_error(noise, syntax)
    _formula_or_parse_error("a" * MEGABYTE, syntax)  # one huge name
    _formula_or_parse_error(" " * MEGABYTE + "P", syntax)
    _formula_or_parse_error("P" + "\n" * MEGABYTE, syntax)


@pytest.mark.slow
def test_one_megabyte_of_tokens() -> None:
    # a million tokens: the LALR parser reads them all, in linear time
    _formula_or_parse_error("(" * MEGABYTE, "unicode")


# -------------------------------------------------------------- deep input

DEEP = 10_000


def _deep_inputs(syntax: str, n: int) -> dict[str, str]:
    if syntax == "nltk":
        neg, conn, quant = "-", " -> ", "all x. "
    elif syntax == "unicode":
        neg, conn, quant = "¬", " → ", "∀x "
    else:
        neg, conn, quant = "¬", " → ", "∀ x, "
    atom = "P x" if syntax == "lean" else "P(x)"
    term = ("age (" * n + "a" + ")" * n) if syntax == "lean" else ("age(" * n + "a" + ")" * n)
    return {
        "parentheses": "(" * n + atom + ")" * n,
        "negations": neg * n + atom,
        "implications": conn.join([atom] * n),
        "quantifiers": quant * n + atom,
        "terms": f"P ({term})" if syntax == "lean" else f"P({term})",
        "nested-implications": "".join(f"(P{i}(a){conn}" for i in range(n)) + "Q" + ")" * n
        if syntax != "lean"
        else "".join(f"(P{i} a{conn}" for i in range(n)) + "Q" + ")" * n,
    }


@pytest.mark.slow
@pytest.mark.parametrize("syntax", ["nltk", "unicode", "lean"])
def test_deep_nesting_gives_a_formula(syntax: str) -> None:
    for text in _deep_inputs(syntax, DEEP).values():
        f = parse(text, syntax=syntax)  # any depth reads (no depth cap)
        render(f, syntax=syntax)


@pytest.mark.parametrize("syntax", ["nltk", "unicode", "lean"])
def test_deep_nesting_parses_and_prints_back(syntax: str) -> None:
    n = 300
    for shape, text in _deep_inputs(syntax, n).items():
        if shape == "terms":
            continue  # a term level and the atom level add two
        f = parse(text, syntax=syntax)
        again = parse(render(f, syntax=syntax), syntax=syntax)
        # compare the printed forms: deep IR equality recurses in Python
        assert render(again, syntax=syntax) == render(f, syntax=syntax), shape
