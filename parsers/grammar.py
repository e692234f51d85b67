"""The LALR parsers, one per grammar, built once per process on first use."""

from __future__ import annotations

from functools import cache
from importlib import resources

from lark import Lark
from lark.lexer import PatternStr

try:  # compiled LALR parser and lexer (same grammar, same callbacks, ~30 % faster)
    import lark_cython

    _PLUGINS: dict = lark_cython.plugins
except ImportError:  # pragma: no cover - platforms without a lark-cython wheel
    _PLUGINS = {}

from linc.parsers.build import Builder, LeanBuilder, NltkBuilder, NltkExtendedBuilder

_NLTK_SPACE = " \\t\\n"
_NLTK_SYMBOLS = "\\-\\\\.(),!&^|="
OPERATOR_CHARS = "~¬∧∨→↔∀∃⊕≠≤≥⊤⊥⇒⇔⟷"
"""Characters our ``nltk`` syntax reads as operators and NLTK as name
characters: text with one of them is read by the extended grammar only."""

NLTK_NAME = f"(?:[^{_NLTK_SPACE}{_NLTK_SYMBOLS}<]|<(?!->|=>))+"
"""A name exactly as NLTK's tokenizer cuts it: a run of anything that is not
whitespace or the start of an NLTK symbol (``<`` is a name character unless
it starts ``<->`` or ``<=>``; ``>``, ``~``, quotes, digits and so on are)."""

NLTK_CORE_NAME = f"(?:[^{_NLTK_SPACE}{_NLTK_SYMBOLS}<{OPERATOR_CHARS}]|<(?!->|=>))+"
"""NLTK's name run minus ``~``, ``¬`` and the Unicode logic symbols, which
our ``nltk`` syntax reads as operators."""

_NLTK_KEYWORDS = (
    "all",
    "forall",
    "exists",
    "exist",
    "some",
    "iota",
    "not",
    "and",
    "or",
    "implies",
    "iff",
)
_EXTENDED_KEYWORDS = (
    *_NLTK_KEYWORDS,
    "xor",
    "All",
    "ALL",
    "Forall",
    "ForAll",
    "FORALL",
    "Exists",
    "Exist",
    "EXISTS",
)
_EXTENDED_NAME = r"[^\s\-\\.(),!&^|=<>~¬∧∨→↔∀∃⊕≠≤≥∈⊤⊥⇒⇔⟷]+"
_EXTENDED_NUMBER = r"\d+(?:\.\d+)+[^\s\-\\.(),!&^|=<>~¬∧∨→↔∀∃⊕≠≤≥∈⊤⊥⇒⇔⟷]*"
UNICODE_NAME = r"[\w$](?:[\w’'+$]|[.\-](?=[\w$]))*"


def flat_atom(name: str, space: str, keywords: tuple[str, ...] = ()) -> str:
    """A regex for a whole atom ``head(arg, ..., arg)`` whose arguments are
    names; a head that is a keyword is left to the grammar rules."""
    guard = f"(?!(?:{'|'.join(keywords)}){space}*\\()" if keywords else ""
    return (
        f"{guard}(?:{name}){space}*\\({space}*(?:{name})(?:{space}*,{space}*(?:{name}))*{space}*\\)"
    )


def quantifier_prefix(name: str) -> str:
    """A regex for ``all x y.`` (NLTK's quantifier words, names, a dot)."""
    return f"(?:all|forall|exists|exist|some)(?:[ \\t\\n]+(?:{name}))+[ \\t\\n]*\\.[ \\t\\n]*"


GRAMMARS = {
    # name: (grammar file, {placeholder: regex}, builder class, keywords)
    "nltk-strict": (
        "nltk_strict",
        {
            "NAME": NLTK_NAME,
            "ATOM": flat_atom(NLTK_NAME, "[ \\t\\n]", _NLTK_KEYWORDS),
            "PREFIX": quantifier_prefix(NLTK_NAME),
        },
        NltkBuilder,
    ),
    "nltk-core": (
        "nltk_strict",
        {
            "NAME": NLTK_CORE_NAME,
            "ATOM": flat_atom(NLTK_CORE_NAME, "[ \\t\\n]", _NLTK_KEYWORDS),
            "PREFIX": quantifier_prefix(NLTK_CORE_NAME),
        },
        NltkBuilder,
    ),
    "nltk-extended": (
        "nltk",
        {"ATOM": flat_atom(f"{_EXTENDED_NUMBER}|{_EXTENDED_NAME}", "\\s", _EXTENDED_KEYWORDS)},
        NltkExtendedBuilder,
    ),
    "unicode": ("unicode", {"ATOM": flat_atom(UNICODE_NAME, "\\s")}, Builder),
    "lean": ("lean", {}, LeanBuilder),
}
_START = {"nltk-strict": "formula", "nltk-core": "formula"}
"""Grammars whose start rule is not ``start`` (their top rule is used inside
parentheses too, which saves a reduction per text; the value may be a bare
atom, which the reader turns into a formula)."""
KEYWORDS = {
    "nltk-strict": _NLTK_KEYWORDS,
    "nltk-core": _NLTK_KEYWORDS,
    "nltk-extended": _EXTENDED_KEYWORDS,
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
    file, fills, _ = GRAMMARS[name]
    text = resources.files("linc.parsers.grammars").joinpath(f"{file}.lark").read_text("utf-8")
    for placeholder, regex in fills.items():
        text = text.replace(f"@{placeholder}@", regex)
    return text


COMPILED = bool(_PLUGINS)
"""Whether lark-cython (a compiled LALR parser and lexer) is installed."""

use_compiled = COMPILED
"""The engine ``lark_parser`` uses when not told, read at each call: set it
to ``False`` for lark's pure-Python engine everywhere (as on platforms
without a lark-cython wheel; ``benchmarks/parse.py --engine pure``)."""


def lark_parser(name: str, *, compiled: bool | None = None) -> Lark:
    """The LALR parser for grammar ``name``; callbacks build IR directly.

    ``compiled`` picks lark-cython's parser and lexer (when installed) over
    lark's pure-Python ones (default: ``use_compiled``); both read the same
    grammar into the same IR.
    """
    return _lark_parser(name, use_compiled if compiled is None else compiled)


@cache
def _lark_parser(name: str, compiled: bool) -> Lark:
    _, _, builder = GRAMMARS[name]
    parser = Lark(
        grammar_text(name),
        parser="lalr",
        lexer="basic",
        transformer=builder(KEYWORDS.get(name, ())),
        maybe_placeholders=False,
        start=_START.get(name, "start"),
        _plugins=_PLUGINS if compiled else {},
    )
    # lark names rules with lexer Tokens, a str subclass whose Python-level
    # __eq__ then runs in every goto lookup (once per reduction) of its
    # pure-Python LALR loop; plain strings, equal and with equal hashes,
    # compare in C
    for rule in parser.rules:
        rule.origin.name = str(rule.origin.name)
    return parser


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
        group = next(
            (label for prefixes, label in _GROUPS if terminal.name.startswith(prefixes)), None
        )
        if group:
            out[terminal.name] = group
        elif isinstance(terminal.pattern, PatternStr):
            out[terminal.name] = repr(terminal.pattern.value)
    return out
