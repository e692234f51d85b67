"""Acceptance of the parsers on real data: FOLIO gold FOL, LINC's recorded
FOL lines (against NLTK as the oracle) and Logic-LM's recorded programs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc import ParseError, parse, read, render
from linc.evals.corpora import folio_gold_strings, linc_fol_lines, logiclm_formulas
from linc.parsers import RenderError


def test_folio_gold_parses_as_unicode_and_round_trips(shared_data: Path) -> None:
    strings = folio_gold_strings(shared_data / "folio-v0")
    assert len(strings) == 6527
    parsed, failed = 0, []
    for text in strings:
        try:
            f = parse(text, syntax="unicode")
        except ParseError as exc:
            assert exc.column >= 1 and exc.line >= 1
            failed.append(text)
            continue
        parsed += 1
        assert parse(render(f, syntax="unicode"), syntax="unicode") == f, text
    assert parsed >= 6470
    repaired, left = 0, []
    for text in failed:
        try:
            result = read(text, syntax="unicode", repair=True)
        except ParseError:
            left.append(text)
            continue
        assert result.repairs, text
        repaired += 1
    assert repaired >= 30  # stray and missing parentheses, multi-word constants, a trailing dot
    # what is left is truly malformed: empty strings and missing connectives
    assert len([t for t in left if t.strip()]) <= 5


@pytest.mark.parametrize("model", ["gpt-3.5-turbo", "text-davinci-003"])
def test_logiclm_programs_parse(shared_data: Path, model: str) -> None:
    path = shared_data / "recorded" / "logiclm" / f"FOLIO_dev_{model}.json"
    if not path.exists():
        pytest.skip(f"{path} not present")
    formulas = logiclm_formulas(path)
    assert len(formulas) > 1000
    ok = 0
    for text in formulas:
        try:
            f = parse(text, syntax="unicode")
        except ParseError:
            continue
        ok += 1
        assert parse(render(f, syntax="unicode"), syntax="unicode") == f, text
    assert ok / len(formulas) >= 0.98


# -------------------------------------------------------------- LINC / NLTK


def _nltk_first_order(expr: object) -> bool:
    """Whether NLTK's reading is first-order: every argument and every side
    of an equation is a term, every predicate head a constant."""
    from nltk.sem import logic as L

    def term(e: object) -> bool:
        if isinstance(e, L.AbstractVariableExpression):
            return True
        if isinstance(e, L.ApplicationExpression):
            head, args = e.uncurry()
            return isinstance(head, L.AbstractVariableExpression) and all(term(a) for a in args)
        return False

    stack = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, L.ApplicationExpression):
            if not term(e):
                return False
        elif isinstance(e, L.EqualityExpression):
            if not (term(e.first) and term(e.second)):
                return False
        elif isinstance(e, L.NegatedExpression):
            stack.append(e.term)
        elif isinstance(e, L.BinaryExpression):
            stack.extend((e.first, e.second))
        elif isinstance(e, (L.AllExpression, L.ExistsExpression)):
            stack.append(e.term)
        elif not isinstance(e, L.AbstractVariableExpression):
            return False  # lambda, iota
    return True


@pytest.mark.slow
def test_linc_fol_lines_agree_with_nltk(shared_data: Path) -> None:
    logic = pytest.importorskip("nltk.sem.logic", reason="nltk is the reference oracle (dev extra)")
    files = sorted((shared_data / "recorded" / "linc").glob("*_generations_raw.json"))
    if not files:
        pytest.skip("no recorded LINC generations")
    lines = sorted({line for path in files for line in linc_fol_lines(path)})
    assert len(lines) > 10000

    def nltk_read(text: str) -> object | None:
        try:
            return logic.Expression.fromstring(text)
        except Exception:  # noqa: BLE001 - NLTK raises several kinds
            return None

    counts = {"nltk": 0, "both": 0, "ours_only": 0, "nltk_only": 0, "tilde": 0, "not_fo": 0}
    disagree: list[tuple[str, str]] = []
    ours_missing: list[str] = []
    for line in lines:
        theirs = nltk_read(line)
        try:
            ours = parse(line, syntax="nltk")
        except ParseError:
            ours = None
        if ours is not None:
            # every line we read prints back and reads the same
            assert parse(render(ours, syntax="nltk"), syntax="nltk") == ours, line
        if theirs is None:
            counts["ours_only"] += ours is not None
            continue
        counts["nltk"] += 1
        if ours is None:
            counts["nltk_only"] += 1
            if _nltk_first_order(theirs):
                ours_missing.append(line)
            continue
        counts["both"] += 1
        mine = nltk_read(render(ours, syntax="nltk"))
        if mine == theirs:
            continue
        if "~" in line or "¬" in line:
            # NLTK reads "~P" / "¬P" as a name; we read negation, which is
            # what NLTK reads once the sign is written "-"
            counts["tilde"] += 1
            if mine == nltk_read(line.replace("~", "-").replace("¬", "-")):
                continue
        elif not _nltk_first_order(theirs):
            counts["not_fo"] += 1  # e.g. "-x = c": NLTK reads (-x) = c
            continue
        disagree.append((line, render(ours, syntax="nltk")))
    assert disagree == []
    assert (
        ours_missing == []
    )  # the only lines NLTK reads and we do not have a non-first-order reading
    assert counts["nltk_only"] <= 5
    assert counts["ours_only"] >= 300


@pytest.mark.slow
def test_nltk_strict_is_nltk(shared_data: Path) -> None:
    """``nltk-strict`` reads a line iff NLTK does (first-order readings), the same way."""
    logic = pytest.importorskip("nltk.sem.logic", reason="nltk is the reference oracle (dev extra)")
    path = (
        shared_data
        / "recorded"
        / "linc"
        / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"
    )
    if not path.exists():
        pytest.skip(f"{path} not present")
    lines = sorted(set(linc_fol_lines(path)))
    for line in lines:
        try:
            theirs = logic.Expression.fromstring(line)
        except Exception:  # noqa: BLE001
            theirs = None
        try:
            ours = parse(line, syntax="nltk-strict")
        except ParseError:
            assert theirs is None or not _nltk_first_order(theirs), line
            continue
        assert theirs is not None, line
        try:
            text = render(ours, syntax="nltk")
        except RenderError:
            continue  # names such as "~P" that only NLTK's tokenizer makes
        assert logic.Expression.fromstring(text) == theirs, line


def test_corpora_helpers_read_what_the_readme_says(tmp_path: Path) -> None:
    raw = tmp_path / "x_generations_raw.json"
    raw.write_text(json.dumps([["TEXT:\tA.\nFOL:\tP(a)\nFOL: Q(b) \n", "nothing"]]))
    assert linc_fol_lines(raw) == ["P(a)", "Q(b)"]
    program = tmp_path / "prog.json"
    text = "Predicates:\nP(x) ::: p\nPremises:\nP(a) ::: a is p\n\nConclusion:\n¬P(b) ::: b\n"
    program.write_text(json.dumps([{"raw_logic_programs": [text]}]))
    assert logiclm_formulas(program) == ["P(a)", "¬P(b)"]
