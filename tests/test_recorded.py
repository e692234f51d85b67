"""Loaders for recorded runs, LINC's extraction and argument rewrite, Prover9's reading."""

from __future__ import annotations

import json

import pytest

from linc.errors import DataError
from linc.evals.recorded import (
    find_depths,
    load_linc_run,
    load_logiclm_programs,
    run_name,
)
from linc.ir import Const, ForAll, Not, Pred, Var
from linc.parsers.extract import extract_fol, split_program
from linc.parsers.linc_rewrite import (
    negated_terms,
    order_sensitive,
    prover9_closure,
    prover9_readable,
    rewrite_arguments,
)
from linc.results import Verdict

LINC = "recorded/linc"
FOLIO8 = "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot"
PW = "gpt-4-0613_proofwriter-neurosymbolic-8shot"

# ------------------------------------------------------------- extraction


def test_extraction_reads_every_fol_line_last_is_conclusion():
    text = "TEXT:\tAll men die.\nFOL:\tall x. (Man(x) -> Dies(x))\nTEXT:\tS.\nFOL:\tMan(S)\nFOL:\tDies(S)\n"
    got = extract_fol("\n\n" + text)
    assert got is not None
    assert got.premises == ("all x. (Man(x) -> Dies(x))", "Man(S)")
    assert got.conclusion == "Dies(S)"


def test_extraction_without_fol_line_is_none():
    assert extract_fol("TEXT:\tnothing to see\nANSWER: True") is None


def test_only_one_formula_means_no_premises():
    got = extract_fol("FOL:\tP(a)")
    assert got is not None and got.premises == () and got.conclusion == "P(a)"


def test_space_after_flag_is_read_by_released_not_by_published():
    text = "TEXT: A.\nFOL: P(a)\nTEXT: B.\nFOL: P(b)"
    released = extract_fol(text, extraction="released")
    assert released is not None and released.conclusion == "P(b)"
    assert extract_fol(text, extraction="published") is None
    with pytest.raises(ValueError):
        extract_fol(text, extraction="newest")


def test_flag_anywhere_in_a_line_counts_and_is_removed_everywhere():
    got = extract_fol("TEXT: x FOL: P(a) FOL:")
    assert got is not None and got.conclusion == "TEXT: x  P(a)"


# ---------------------------------------------------------------- rewrite


def test_rewrite_spells_out_digits_dots_and_spaces():
    assert rewrite_arguments("Born(x, 1984)") == "Born(x, OneNineEightFour)"
    assert rewrite_arguments("Costs(x, 2.5)") == "Costs(x, TwoDotFive)"
    assert rewrite_arguments("Owns(Tom's dog, red-car)") == "Owns(Toms_dog, red_car)"
    assert rewrite_arguments("Likes(Ann, Bob’s cat)") == "Likes(Ann, Bobs_cat)"


def test_rewrite_replaces_over_the_whole_formula():
    # the piece "2" is replaced everywhere, also inside a predicate name
    assert rewrite_arguments("Top2(x) & Rank(x, 2)") == "TopTwo(x) & Rank(x, Two)"
    # only innermost groups give pieces: "(P(a) & Q(b))" is not one
    assert rewrite_arguments("(P(a b) & Q(c))") == "(P(a_b) & Q(c))"


def test_rewrite_order_sensitivity_is_detected():
    assert order_sensitive("Year(1984) & Year(1984.5)")
    assert not order_sensitive("Born(x, 1984) & Died(x, 2001)")


def test_negated_term_in_equation_becomes_a_function():
    assert negated_terms("all x. (Man(x) & -x=Michael -> Tall(x))") == (
        "all x. (Man(x) & LincNegatedTerm(x)=Michael -> Tall(x))"
    )
    assert negated_terms("A -> -B(x)") == "A -> -B(x)"


# ------------------------------------------------------ Prover9's reading


def test_prover9_closes_free_names_from_u_to_z():
    formula = Pred("Born", (Const("yOneNineEightFour"), Const("Jerry"), Const("x")))
    closed, names = prover9_closure(formula)
    assert names == ("yOneNineEightFour", "x")
    assert closed == ForAll(
        Var("yOneNineEightFour"),
        ForAll(Var("x"), Pred("Born", (Var("yOneNineEightFour"), Const("Jerry"), Var("x")))),
    )


def test_prover9_closes_a_negated_goal_after_negating():
    goal = Pred("Tall", (Const("x"),))
    closed, _ = prover9_closure(Not(goal))
    assert closed == ForAll(Var("x"), Not(Pred("Tall", (Var("x"),))))


@pytest.mark.parametrize(
    ("name", "readable"),
    [
        ("Dog", True),
        ('"Walden"', True),
        ("?", True),
        ("y_>_z", True),
        ("[Fever", True),
        ("¬Eats", False),
        ("IgaŚwiątek", False),
        ('"Walden"ByThoreau', False),
        ("~Likes", False),
        ("d_<", False),
    ],
)
def test_prover9_readable_names(name, readable):
    assert prover9_readable(name) is readable


# ---------------------------------------------------------- real files


def test_run_name_from_any_file():
    assert run_name(f"/x/{PW}_generations_raw.json") == PW
    assert run_name(f"{PW}_references.json") == PW


def test_load_linc_folio_run(shared_data):
    run = load_linc_run(shared_data / LINC / f"{FOLIO8}_generations_raw.json")
    assert run.n == 182 and run.model == "gpt-3.5-turbo-16k-0613"
    assert run.task == "folio" and run.shots == 8
    assert all(len(p.completions) == 10 for p in run.problems)
    assert {p.label for p in run.problems} == {Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN}
    assert all(p.depth is None for p in run.problems)  # no depths for FOLIO
    assert run.problems[0].recorded is not None and len(run.problems[0].recorded) == 10
    assert run.published_accuracy == pytest.approx(0.6264, abs=1e-4)


def test_load_proofwriter_run_finds_depths(shared_data):
    run = load_linc_run(shared_data / LINC / f"{PW}_generations_raw.json")
    assert run.n == 360
    depths = json.loads((shared_data / LINC / "pw-qdeps.json").read_text())
    assert [p.depth for p in run.problems] == depths
    assert {p.depth for p in run.problems} == set(range(6))
    assert find_depths(shared_data / LINC / f"{PW}_references.json", task="folio") is None
    no_depths = load_linc_run(
        shared_data / LINC / f"{PW}_generations_raw.json", depths=False, limit=3
    )
    assert no_depths.n == 3 and no_depths.problems[0].depth is None


def test_mismatched_references_are_refused(shared_data):
    with pytest.raises(DataError, match="labels"):
        load_linc_run(
            shared_data / LINC / f"{PW}_generations_raw.json",
            shared_data / LINC / f"{FOLIO8}_references.json",
        )


def test_load_logiclm_programs(shared_data):
    for name, n_broken in (("gpt-3.5-turbo", 0), ("text-davinci-003", 1)):
        programs = load_logiclm_programs(
            shared_data / "recorded/logiclm" / f"FOLIO_dev_{name}.json"
        )
        assert len(programs) == 204
        assert sum(1 for p in programs if p.problem) == n_broken
        assert {p.label for p in programs} == {Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN}
        ok = [p for p in programs if not p.problem]
        assert all(p.premises and p.conclusions for p in ok)
        assert all(":::" not in line.formula for p in ok for line in p.premises)


def test_split_program_sections():
    text = (
        "Predicates:\nDog(x) ::: x is a dog.\nPremises:\n∀x (Dog(x) → Animal(x)) ::: Dogs are animals.\n"
        "Dog(rex) ::: Rex is a dog.\nConclusion:\nAnimal(rex) ::: Rex is an animal."
    )
    sections = split_program(text)
    assert [line.formula for line in sections["premises"]] == [
        "∀x (Dog(x) → Animal(x))",
        "Dog(rex)",
    ]
    assert sections["conclusions"][0].formula == "Animal(rex)"
    assert sections["conclusions"][0].comment == "Rex is an animal."
    assert sections["predicates"][0].formula == "Dog(x)"
