"""The LALR parsers, one per grammar, built once per process on first use."""

from __future__ import annotations

from functools import cache
from importlib import resources

from lark import Lark
from lark.lexer import PatternStr

from linc.parsers.build import Builder, LeanBuilder, NltkBuilder, NltkExtendedBuilder

_NLTK_SPACE = " \\t\\n"
_NLTK_SYMBOLS = "\\-\\\\.(),!&^|="
_OPERATOR_CHARS = "~¬∧∨→↔∀∃⊕≠≤≥⊤⊥⇒⇔⟷"

NLTK_NAME = f"(?:[^{_NLTK_SPACE}{_NLTK_SYMBOLS}<]|<(?!->|=>))+"
"""A name exactly as NLTK's tokenizer cuts it: a run of anything that is not
whitespace or the start of an NLTK symbol (``<`` is a name character unless
it starts ``<->`` or ``<=>``; ``>``, ``~``, quotes, digits and so on are)."""

NLTK_CORE_NAME = f"(?:[^{_NLTK_SPACE}{_NLTK_SYMBOLS}<{_OPERATOR_CHARS}]|<(?!->|=>))+"
"""NLTK's name run minus ``~``, ``¬`` and the Unicode logic symbols, which
our ``nltk`` syntax reads as operators."""

GRAMMARS = {
    # name: (grammar file, NAME regex to fill in or None, builder class)
    "nltk-strict": ("nltk_strict", NLTK_NAME, NltkBuilder),
    "nltk-core": ("nltk_strict", NLTK_CORE_NAME, NltkBuilder),
    "nltk-extended": ("nltk", None, NltkExtendedBuilder),
    "unicode": ("unicode", None, Builder),
    "lean": ("lean", None, LeanBuilder),
}

_DISPLAY = {
    "NAME": "name",
    "VAR": "variable",
    "NUMBER": "number",
    "QUANT": "quantifier",
    "NOT": "negation",
    "AND": "conjunction",
    "OR": "disjunction",
    "XOR": "'⊕'",
    "IMP": "implication",
    "IFF": "equivalence",
    "EQOP": "'='",
    "$END": "end of input",
}


def grammar_text(name: str) -> str:
    """The lark source of grammar ``name`` (a key of ``GRAMMARS``)."""
    file, name_regex, _ = GRAMMARS[name]
    text = resources.files("linc.parsers.grammars").joinpath(f"{file}.lark").read_text("utf-8")
    if name_regex is not None:
        text = text.replace("@NAME@", name_regex)
    return text


@cache
def lark_parser(name: str) -> Lark:
    """The LALR parser for grammar ``name``; callbacks build IR directly."""
    _, _, builder = GRAMMARS[name]
    return Lark(
        grammar_text(name),
        parser="lalr",
        lexer="basic",
        transformer=builder(),
        maybe_placeholders=False,
    )


_GROUPS = (
    (("ALL", "FORALL", "EXIST", "SOME", "QUANT"), "quantifier"),
    (("NOT",), "negation"),
    (("AND",), "conjunction"),
    (("OR",), "disjunction"),
    (("XOR",), "'⊕'"),
    (("IMP",), "implication"),
    (("IFF",), "equivalence"),
)


@cache
def display_names(name: str) -> dict[str, str]:
    """Readable names of the grammar's terminals, for error messages."""
    out = dict(_DISPLAY)
    for terminal in lark_parser(name).terminals:
        if terminal.name in out:
            continue
        group = next((label for prefixes, label in _GROUPS if terminal.name.startswith(prefixes)), None)
        if group:
            out[terminal.name] = group
        elif isinstance(terminal.pattern, PatternStr):
            out[terminal.name] = repr(terminal.pattern.value)
    return out
