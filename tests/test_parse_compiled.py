"""lark-cython's compiled parser reads every real line exactly as lark's
pure-Python parser does: same formula and depth, or the same error."""

from __future__ import annotations

from pathlib import Path

import pytest
from lark.exceptions import UnexpectedInput

from linc.evals.corpora import folio_gold_strings, linc_fol_lines, logiclm_formulas
from linc.parsers.build import Builder, BuildError
from linc.parsers.grammar import COMPILED, lark_parser
from linc.parsers.reader import _as_parse_error

pytestmark = pytest.mark.skipif(not COMPILED, reason="lark-cython is not installed")


def _outcome(grammar: str, text: str, *, compiled: bool) -> object:
    try:
        # the NLTK grammars may end on a bare atom, which the reader makes a formula
        return Builder.formula(lark_parser(grammar, compiled=compiled).parse(text))
    except (BuildError, UnexpectedInput) as exc:
        error = _as_parse_error(text, exc, grammar)
        return (str(error), error.line, error.column, error.expected)


def _assert_same(grammar: str, texts: list[str]) -> None:
    assert texts
    differ = [
        t
        for t in texts
        if _outcome(grammar, t, compiled=True) != _outcome(grammar, t, compiled=False)
    ]
    assert differ == []


def test_compiled_parser_is_the_default() -> None:
    assert lark_parser("nltk-core").options._plugins
    assert not lark_parser("nltk-core", compiled=False).options._plugins


def test_engine_switch_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    from linc import parse
    from linc.parsers import grammar

    monkeypatch.setattr(grammar, "use_compiled", False)
    assert not lark_parser("nltk-core").options._plugins
    assert parse("all x. (P(x) -> Q(x))", syntax="nltk") == grammar.lark_parser(
        "nltk-core", compiled=True
    ).parse("all x. (P(x) -> Q(x))")


@pytest.mark.parametrize("grammar", ["nltk-core", "nltk-strict", "nltk-extended"])
def test_linc_lines_read_alike(shared_data: Path, grammar: str) -> None:
    files = sorted((shared_data / "recorded" / "linc").glob("*_generations_raw.json"))
    lines = sorted({line for path in files for line in linc_fol_lines(path)})
    _assert_same(grammar, lines)


def test_unicode_strings_read_alike(shared_data: Path) -> None:
    texts = folio_gold_strings(shared_data / "folio-v0")
    for path in sorted((shared_data / "recorded" / "logiclm").glob("*.json")):
        texts += logiclm_formulas(path)
    _assert_same("unicode", sorted(set(texts)))


def test_error_cases_read_alike() -> None:
    bad = ["", "(", "P(a", "all x.", "P(a) & & Q", "-", "P(a) -> ", "x(a)", "all P. Q", "P(a))"]
    bad += ["¬", "∀x (P(x) ∧", "P(a) ⊕", "ω∆ ≈ 3", "a\nb & (", "all x.\n  (P(x) ->\n Q"]
    for grammar in ("nltk-core", "nltk-strict", "nltk-extended", "unicode", "lean"):
        _assert_same(grammar, bad)


def test_one_parser_serves_many_threads_alike(shared_data: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from linc import ParseError, parse

    path = shared_data / "recorded" / "linc"
    files = sorted(path.glob("*_generations_raw.json"))[:1]
    lines = sorted({line for p in files for line in linc_fol_lines(p)})[:3000]

    def read_all(chunk: list[str]) -> list[object]:
        out: list[object] = []
        for text in chunk:
            try:
                out.append(parse(text, syntax="nltk"))
            except ParseError as exc:
                out.append(str(exc))
        return out

    alone = read_all(lines)
    chunks = [lines[i::4] for i in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(read_all, chunks * 2))
    for i, got in enumerate(together):
        assert got == alone[i % 4 :: 4]
