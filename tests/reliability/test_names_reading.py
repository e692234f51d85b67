"""Issue 12 item 14: names hold no control characters, and no invisible character
silently makes a name another symbol.

Before: NUL, ESC and DEL were read as parts of names and echoed raw (an ESC
in an error message drives the terminal); a zero-width space, a no-break
space or a BOM inside a name made another symbol, which turned a True into
an Uncertain with no word said. Now a control character is a ``ParseError``
at its line and column (shown as U+FFFD); an invisible character is one too,
unless the text is read with repairs: then it is dropped (a space becomes a
space, the text is NFKC-normalised) and the edit is a ``Repair``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from linc_process import ERROR, assert_clean, run_linc

from linc.decide import decide
from linc.errors import ParseError
from linc.ir import Const, Pred
from linc.parsers import read
from linc.results import Verdict

CONTROLS = {"NUL": "\x00", "ESC": "\x1b", "DEL": "\x7f", "BEL": "\x07", "CSI": "\x9b"}
INVISIBLES = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "BOM": "\ufeff",
    "soft hyphen": "\u00ad",
    "right-to-left mark": "\u200f",
}
SPACES = {"no-break space": "\u00a0", "ideographic space": "\u3000", "line separator": "\u2028"}
REX = Pred("Dog", (Const("rex"),))


@pytest.mark.parametrize("repair", [False, True], ids=["as written", "with repair"])
@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
def test_a_control_character_is_an_error_at_its_place(char: str, repair: bool) -> None:
    text = f"Cat(tom) &\n  Dog(re{char}x)"
    with pytest.raises(ParseError) as caught:
        read(text, repair=repair)
    error = caught.value
    assert (error.line, error.column) == (2, 9)
    assert f"U+{ord(char):04X}" in str(error)
    assert char not in str(error)  # never echoed raw


@pytest.mark.parametrize("syntax", ["nltk", "nltk-strict", "unicode", "lean"])
def test_every_syntax_refuses_control_characters(syntax: str) -> None:
    text = {"lean": "Dog re\x1bx"}.get(syntax, "Dog(re\x1bx)")
    with pytest.raises(ParseError, match="control character U[+]001B"):
        read(text, syntax=syntax)


@pytest.mark.parametrize(
    "char", [*INVISIBLES.values(), *SPACES.values()], ids=[*INVISIBLES, *SPACES]
)
def test_an_invisible_character_is_an_error_as_written(char: str) -> None:
    with pytest.raises(ParseError) as caught:
        read(f"Dog(re{char}x)")
    assert (caught.value.line, caught.value.column) == (1, 7)
    assert "repair" in str(caught.value)


@pytest.mark.parametrize("char", INVISIBLES.values(), ids=INVISIBLES.keys())
def test_an_invisible_character_is_dropped_as_a_repair(char: str) -> None:
    parsed = read(f"Dog(re{char}x)", repair=True)
    assert parsed.formula == REX
    assert [r.kind for r in parsed.repairs] == ["invisible-character"]
    assert parsed.repairs[0].position == 6 and f"U+{ord(char):04X}" in parsed.repairs[0].detail


@pytest.mark.parametrize("char", SPACES.values(), ids=SPACES.keys())
def test_an_unusual_space_is_a_space_as_a_repair(char: str) -> None:
    parsed = read(f"Dog(rex{char})", repair=True)
    assert parsed.formula == REX
    assert [r.kind for r in parsed.repairs] == ["unusual-space"]


def test_full_width_letters_are_nfkc_normalised_as_a_repair() -> None:
    parsed = read("Ｄog(ｒex)", repair=True)
    assert parsed.formula == REX
    assert [r.kind for r in parsed.repairs] == ["nfkc"] and parsed.repairs[0].position == 0


def test_a_bom_before_the_formula_with_other_repairs() -> None:
    parsed = read("\ufeffDog(rex).", repair=True)
    assert parsed.formula == REX
    assert [r.kind for r in parsed.repairs] == ["invisible-character", "trailing-dot"]


def test_plain_text_has_no_repairs() -> None:
    assert read("∀x (Dog(x) → Animal(x))", repair=True).repairs == ()
    assert read("all x.(Dog(x) -> Animal(x))", repair=True).repairs == ()


@pytest.mark.parametrize(
    "conclusion",
    ["Dog(re\u200bx)", "Dog(rex\u00a0)", "Dog(\ufeffrex)"],
    ids=["ZWSP inside", "NBSP after", "BOM before"],
)
def test_an_invisible_character_no_longer_flips_true_to_uncertain(conclusion: str) -> None:
    decision = decide(["Dog(rex)"], conclusion, repair=True)
    assert decision.verdict is Verdict.TRUE
    assert decision.repairs and decision.repairs[0].startswith(("invisible", "unusual"))
    with pytest.raises(ParseError):
        decide(["Dog(rex)"], conclusion)


def test_linc_prove_names_the_control_character_and_never_echoes_it(tmp_path: Path) -> None:
    done = run_linc("prove", "-p", "Dog(rex)", "-c", "Dog(re\x1b[31mx)", cwd=tmp_path)
    assert_clean(done, [ERROR])
    assert "conclusion: line 1, column 7: control character U+001B" in done.stderr, str(done)
    assert "\x1b" not in done.stderr and "\x1b" not in done.stdout


def test_linc_prove_with_repair_reads_through_a_zero_width_space(tmp_path: Path) -> None:
    done = run_linc("prove", "--repair", "-p", "Dog(rex)", "-c", "Dog(re\u200bx)", cwd=tmp_path)
    assert_clean(done, [0])
    assert "verdict: True" in done.stdout and "invisible-character" in done.stdout, str(done)
