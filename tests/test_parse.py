"""Parsers and printers: each syntax's precedence, scope, names and errors."""

from __future__ import annotations

import pytest

from linc import ParseError, parse, read, render
from linc.errors import ConfigError, LincError
from linc.ir import (
    And,
    Bottom,
    Const,
    Eq,
    Exists,
    ForAll,
    Func,
    Iff,
    Implies,
    Not,
    Or,
    Pred,
    Top,
    Var,
    Xor,
)
from linc.parsers import RenderError

x, y = Var("x"), Var("y")
P, Q, R = Pred("P"), Pred("Q"), Pred("R")


def px(name: str, *args: object) -> Pred:
    return Pred(name, tuple(args))  # type: ignore[arg-type]


# ------------------------------------------------------------------ nltk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("all x. (Man(x) -> Mortal(x))", ForAll(x, Implies(px("Man", x), px("Mortal", x)))),
        # the body of a quantifier is one unit: & stays outside, as in NLTK
        ("all x. P(x) & Q(x)", And((ForAll(x, px("P", x)), px("Q", Const("x"))))),
        ("exists x. P(x) -> Q", Implies(Exists(x, px("P", x)), Q)),
        # ... but = after the body belongs to it
        ("all x. x = a", ForAll(x, Eq(x, Const("a")))),
        ("all x y. R(x, y)", ForAll(x, ForAll(y, px("R", x, y)))),
        ("all x.all y.R(x,y)", ForAll(x, ForAll(y, px("R", x, y)))),
        # binary operators are left-associative in NLTK
        ("P -> Q -> R", Implies(Implies(P, Q), R)),
        ("P <-> Q <-> R", Iff(Iff(P, Q), R)),
        ("P & Q | R", Or((And((P, Q)), R))),
        ("P | Q & R", Or((P, And((Q, R))))),
        ("P -> Q | R & P", Implies(P, Or((Q, And((R, P)))))),
        # n-ary chains keep the grouping the text wrote
        ("P & Q & R", And((P, Q, R))),
        ("P & (Q & R)", And((P, And((Q, R))))),
        ("(P & Q) & R", And((And((P, Q)), R))),
        ("-P & Q", And((Not(P), Q))),
        ("--P", Not(Not(P))),
        ("-(a = b)", Not(Eq(Const("a"), Const("b")))),
        ("a != b", Not(Eq(Const("a"), Const("b")))),
        ("F(mother(a), b)", px("F", Func("mother", (Const("a"),)), Const("b"))),
        ("not P and Q or R implies P iff Q", Iff(Implies(Or((And((Not(P), Q)), R)), P), Q)),
        ("P(x)", px("P", Const("x"))),  # free names are constants
    ],
)
def test_nltk_precedence_and_scope(text: str, expected: object) -> None:
    assert parse(text, syntax="nltk") == expected
    assert parse(text, syntax="nltk-strict") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Exists x. P(x)", Exists(x, px("P", x))),
        ("All x. P(x)", ForAll(x, px("P", x))),
        ("all x, y. R(x, y)", ForAll(x, ForAll(y, px("R", x, y)))),
        ("all x Man(x)", ForAll(x, px("Man", x))),
        ("~P", Not(P)),
        ("~exists x. P(x)", Not(Exists(x, px("P", x)))),
        ("¬P(a) ∧ Q", And((Not(px("P", Const("a"))), Q))),
        ("∀x (P(x) → Q(x))", ForAll(x, Implies(px("P", x), px("Q", x)))),
        ("P xor Q", Xor(P, Q)),
        ("P ⊕ Q", Xor(P, Q)),
        ("Rating(a) > 9", Pred(">", (Func("Rating", (Const("a"),)), Const("9")))),
        ("x <= 1500", Pred("<=", (Const("x"), Const("1500")))),
        ("Price(a) ≥ b", Pred(">=", (Func("Price", (Const("a"),)), Const("b")))),
        ("x ∈ S", Pred("∈", (Const("x"), Const("S")))),
        ("ValuedAt(yale, 42.3Billion)", px("ValuedAt", Const("yale"), Const("42.3Billion"))),
        ("-x = Michael", Not(Eq(Const("x"), Const("Michael")))),
        (
            "Exists(y, Child(john, y))",
            px("Exists", Const("y"), Func("Child", (Const("john"), Const("y")))),
        ),
    ],
)
def test_nltk_extensions(text: str, expected: object) -> None:
    assert parse(text, syntax="nltk") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Exists x. P(x)",  # not an NLTK quantifier
        "all x, y. R(x, y)",
        "P ⊕ Q",
        "Rating(a) > 9",
        "all John. P(John)",  # NLTK binds only variable-like names
        "x(a)",  # an individual variable cannot take arguments
        "-x = Michael",  # NLTK reads (-x) = Michael: not first-order
        r"\x.P(x)",
        "P(iota)",
    ],
)
def test_nltk_strict_rejects_what_nltk_rejects_or_is_not_first_order(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text, syntax="nltk-strict")


def test_nltk_strict_keeps_nltk_tokens_as_names() -> None:
    # NLTK reads "~P(a)" as a predicate named "~P"; strict mode says so too
    assert parse("~P(a)", syntax="nltk-strict") == px("~P", Const("a"))
    assert parse("P(2000$, Joe'sPlate)", syntax="nltk-strict") == px(
        "P", Const("2000$"), Const("Joe'sPlate")
    )
    # while the nltk syntax reads the same text as negation
    assert parse("~P(a)", syntax="nltk") == Not(px("P", Const("a")))


def test_nltk_binding_and_shadowing() -> None:
    f = parse("all x. (P(x) & exists x. Q(x)) & R(x)", syntax="nltk")
    assert f == And((ForAll(x, And((px("P", x), Exists(x, px("Q", x))))), px("R", Const("x"))))


# --------------------------------------------------------------- unicode


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("∀x (Student(x) → Human(x))", ForAll(x, Implies(px("Student", x), px("Human", x)))),
        ("¬A ∧ B ∨ C ⊕ D → E ↔ F", None),
        ("A → B → C", Implies(Pred("A"), Implies(Pred("B"), Pred("C")))),
        ("A ↔ B ↔ C", Iff(Pred("A"), Iff(Pred("B"), Pred("C")))),
        ("A ⊕ B ⊕ C", Xor(Xor(Pred("A"), Pred("B")), Pred("C"))),
        ("A ∧ ∃y P(y)", And((Pred("A"), Exists(y, px("P", y))))),
        ("∀x ∃y L(x, y)", ForAll(x, Exists(y, px("L", x, y)))),
        ("Support(anti-abortion, l-2021)", px("Support", Const("anti-abortion"), Const("l-2021"))),
        ("WrittenIn(p, c++)", px("WrittenIn", Const("p"), Const("c++"))),
        ("Novel(y1984)", px("Novel", Const("y1984"))),
        ("Visit(mr.smith, k)", px("Visit", Const("mr.smith"), Const("k"))),
        ("a ≠ b", Not(Eq(Const("a"), Const("b")))),
        ("∀x (x ∈ s → P(x))", ForAll(x, Implies(Pred("∈", (x, Const("s"))), px("P", x)))),
        ("⊤ ∨ ⊥", Or((Top(), Bottom()))),
    ],
)
def test_unicode(text: str, expected: object) -> None:
    f = parse(text, syntax="unicode")
    if expected is None:  # ¬ tightest, then ∧ ∨ ⊕ → ↔
        a, b, c, d, e, g = (Pred(n) for n in "ABCDEF")
        expected = Iff(Implies(Xor(Or((And((Not(a), b)), c)), d), e), g)
    assert f == expected


def test_unicode_closes_free_u_to_z() -> None:
    parsed = read("Perform(x) → Attend(x, k)", syntax="unicode")
    assert parsed.closed == ("x",)
    assert parsed.formula == ForAll(x, Implies(px("Perform", x), px("Attend", x, Const("k"))))
    # other free names stay constants
    assert read("Likes(a, b1)", syntax="unicode").closed == ()
    # a quantifier binds tightly, so the x after → is free and closed
    parsed = read("∀x P(x) → Q(x)", syntax="unicode")
    assert parsed.closed == ("x",)
    assert parsed.formula == ForAll(x, Implies(ForAll(x, px("P", x)), px("Q", x)))


# ------------------------------------------------------------------ lean


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("∀ x, P x → Q x", ForAll(x, Implies(px("P", x), px("Q", x)))),
        ("∃ x, P x ∧ Q x", Exists(x, And((px("P", x), px("Q", x))))),
        ("∀ x y, R x y", ForAll(x, ForAll(y, px("R", x, y)))),
        ("∀ (x : U), P x", ForAll(x, px("P", x))),
        ("∀ x : U, P x", ForAll(x, px("P", x))),
        ("A ∧ ∀ x, P x ∨ Q", And((Pred("A"), ForAll(x, Or((px("P", x), Q)))))),
        ("¬ a = b", Not(Eq(Const("a"), Const("b")))),
        ("P (f a) b", px("P", Func("f", (Const("a"),)), Const("b"))),
        ("A → B → C", Implies(Pred("A"), Implies(Pred("B"), Pred("C")))),
        ("Xor' A (B x)", Xor(Pred("A"), px("B", Const("x")))),
        ("True ∨ False", Or((Top(), Bottom()))),
        ("P «weird-name»", px("P", Const("weird-name"))),
    ],
)
def test_lean(text: str, expected: object) -> None:
    assert parse(text, syntax="lean") == expected


# ------------------------------------------------------------------ auto


@pytest.mark.parametrize(
    ("text", "syntax"),
    [
        ("all x. (Man(x) -> Mortal(x))", "nltk"),
        ("∀x (Man(x) → Mortal(x))", "unicode"),
        ("∀ x, Man x → Mortal x", "lean"),
        ("Exists x. P(x) & -Q(x)", "nltk"),
        ("P(a) & Q(b)", "nltk"),
    ],
)
def test_auto_says_which_syntax(text: str, syntax: str) -> None:
    assert read(text).syntax == syntax


# ------------------------------------------------------------------ render


SAMPLES = [
    ForAll(x, Implies(px("Man", x), px("Mortal", x))),
    And((P, And((Q, R)))),
    Or((And((P, Q)), Not(Or((Q, R))))),
    Implies(Implies(P, Q), R),
    Implies(P, Implies(Q, R)),
    Iff(Iff(P, Q), R),
    Xor(P, Xor(Q, R)),
    Not(ForAll(x, Exists(y, px("L", x, y)))),
    And((ForAll(x, px("P", x)), px("Q", Const("c")))),
    Not(Eq(Const("a"), Func("f", (Const("b"),)))),
    Pred(">", (Func("Rating", (Const("s"),)), Const("9"))),
    Exists(x, Eq(x, Const("c"))),
    Or((Top(), Bottom())),
]


@pytest.mark.parametrize("syntax", ["nltk", "unicode", "lean"])
@pytest.mark.parametrize("formula", SAMPLES, ids=range(len(SAMPLES)))
def test_render_round_trips(formula: object, syntax: str) -> None:
    text = render(formula, syntax=syntax)  # type: ignore[arg-type]
    assert parse(text, syntax=syntax) == formula, text


def test_render_shapes() -> None:
    f = ForAll(x, Implies(px("Student", x), Exists(y, And((px("Course", y), px("Takes", x, y))))))
    assert render(f, syntax="unicode") == "∀x (Student(x) → ∃y (Course(y) ∧ Takes(x, y)))"
    assert render(f, syntax="nltk") == "all x. (Student(x) -> exists y. (Course(y) & Takes(x, y)))"
    assert render(f, syntax="lean") == "∀ x, Student x → (∃ y, Course y ∧ Takes x y)"


def test_render_refuses_names_a_syntax_cannot_spell() -> None:
    with pytest.raises(RenderError):
        render(px("P", Const("anti-abortion")), syntax="nltk")
    # NLTK binds only variable-like names: others are renamed apart
    person = ForAll(Var("person"), px("P", Var("person"), Const("x1")))
    assert render(person, syntax="nltk") == "all x2. P(x2, x1)"
    assert render(px("P", Const("anti-abortion")), syntax="lean") == "P «anti-abortion»"
    assert issubclass(RenderError, LincError)


def test_render_unknown_syntax_is_a_linc_error() -> None:
    with pytest.raises(LincError):
        render(P, syntax="klingon")


# ------------------------------------------------------------------ errors


def test_errors_point_at_the_column() -> None:
    with pytest.raises(ParseError) as info:
        parse("all x. (P(x) & )", syntax="nltk")
    err = info.value
    assert (err.line, err.column) == (1, 16)
    assert "name" in err.expected
    assert str(err).splitlines()[-1].index("^") == 2 + 15  # caret under column 16


def test_error_at_end_of_text() -> None:
    with pytest.raises(ParseError) as info:
        parse("∀x (P(x) → Q(x)", syntax="unicode")
    assert info.value.column == len("∀x (P(x) → Q(x)") + 1
    assert "')'" in info.value.expected


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(text: str) -> None:
    with pytest.raises(ParseError):
        parse(text)


def test_unknown_syntax_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        parse("P", syntax="klingon")


def test_formulas_of_any_depth_parse() -> None:
    # the depth cap is gone: the parsers and the walker are iterative
    from linc.ir import depth

    assert depth(parse("-" * 5000 + "P", syntax="nltk")) == 5001
    assert depth(parse(" -> ".join(["P"] * 150), syntax="nltk")) == 150


def test_bytes_are_read_as_utf8() -> None:
    assert parse("∀x P(x)".encode(), syntax="unicode") == ForAll(x, px("P", x))
    with pytest.raises(ParseError):
        parse(b"\xff\xfe P", syntax="nltk")


# ------------------------------------------------------------------ repair


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("P(a).", "trailing-dot", px("P", Const("a"))),
        ("((P(a) & Q(b))", "close-paren", And((px("P", Const("a")), px("Q", Const("b"))))),
        ("¬WorkAtPool(mary))", "stray-paren", Not(px("WorkAtPool", Const("mary")))),
        ("P(a), Q(b)", "comma-and", And((px("P", Const("a")), px("Q", Const("b"))))),
        ("Superhero(captain america)", "multiword-name", px("Superhero", Const("captain_america"))),
        (
            "∀x ∀y (M(x), N(x, y) → G(y))",
            "comma-and",
            ForAll(x, ForAll(y, Implies(And((px("M", x), px("N", x, y))), px("G", y)))),
        ),
    ],
)
def test_repairs_are_recorded(text: str, kind: str, expected: object) -> None:
    with pytest.raises(ParseError):
        parse(text)  # without repair the text means exactly what it says
    parsed = read(text, repair=True)
    assert parsed.formula == expected
    assert [r.kind for r in parsed.repairs] == [kind] * len(parsed.repairs)
    assert all(0 <= r.position <= len(text) for r in parsed.repairs)


def test_repair_does_not_touch_text_that_parses() -> None:
    assert read("P(a) & Q(b)", repair=True).repairs == ()


def test_repair_gives_up_with_the_original_error() -> None:
    with pytest.raises(ParseError) as info:
        read("∃x (Country(x) Nearby(m, x))", syntax="unicode", repair=True)
    assert info.value.column == len("∃x (Country(x) ") + 1


def test_prover9_and_tptp_come_from_the_backends() -> None:
    f = ForAll(x, Implies(px("Man", x), px("Mortal", x)))
    prover9 = pytest.importorskip("linc.backends.prover9", reason="the Prover9 printer (helper B)")
    assert render(f, syntax="prover9") == prover9.format_formula(f)
    eprover = pytest.importorskip("linc.backends.eprover", reason="the TPTP printer (helper B)")
    assert render(f, syntax="tptp") == eprover.format_formula(f)
