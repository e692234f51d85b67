"""IR to text: ``render`` for the nltk, unicode and lean syntaxes.

Each printer puts in the parentheses its own parser needs to read the same
IR back, and a few more for the reader: nested ``→ ↔ ⊕`` always get
parentheses, as does an ``∧``/``∨`` inside another (n-ary ``And``/``Or``
keep their grouping). The walk over formulas is iterative, so any depth
prints. ``prover9`` and ``tptp`` are printed by their backends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from importlib import import_module
from itertools import count
from typing import ClassVar

from linc import walk
from linc.errors import LincError
from linc.ir import (
    And,
    Binary,
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
    atoms_terms,
    subformulas,
)
from linc.walk import Piece, cat, join

RENDER_SYNTAXES = ("nltk", "unicode", "lean", "prover9", "tptp")
"""Output syntaxes ``render`` accepts."""

_DELEGATES = {"prover9": "linc.backends.prover9", "tptp": "linc.backends.eprover"}
COMPARISONS = frozenset({">", "<", ">=", "<=", "∈"})


class RenderError(LincError):
    """A formula that cannot be written in the requested syntax (a name the
    syntax cannot spell, or a printer that is not installed)."""


def render(formula: Formula, *, syntax: str) -> str:
    """Print ``formula`` in ``syntax`` (see ``RENDER_SYNTAXES``)."""
    if syntax in _DELEGATES:
        return _delegate(formula, syntax)
    printer = _PRINTERS.get(syntax)
    if printer is None:
        raise RenderError(
            f"cannot render to {syntax!r}; choose one of {', '.join(RENDER_SYNTAXES)}"
        )
    return printer().render(formula)


def _delegate(formula: Formula, syntax: str) -> str:
    module_name = _DELEGATES[syntax]
    try:
        module = import_module(module_name)
        format_formula: Callable[[Formula], str] = module.format_formula
    except (ImportError, AttributeError) as exc:
        raise RenderError(
            f"rendering to {syntax!r} needs {module_name}.format_formula, which is not available ({exc})"
        ) from exc
    return format_formula(formula)


# ------------------------------------------------------------------ printers

ATOM = 0
Printed = tuple[Piece, int]
"""A printed formula and its precedence level."""


class _Printer:
    """Precedence levels: a child whose level exceeds what its parent allows
    gets parentheses. Subclasses give the symbols and the levels."""

    NOT: ClassVar[str]
    NOT_LEVEL: ClassVar[int]
    NOT_OPERAND = 1  # highest child level printed bare under a negation
    AND_SYM: ClassVar[str]
    OR_SYM: ClassVar[str]
    XOR_SYM: ClassVar[str]
    IMP_SYM: ClassVar[str]
    IFF_SYM: ClassVar[str]
    TOP: ClassVar[str]
    BOTTOM: ClassVar[str]
    AND, OR, XOR, IMPLIES, IFF = 3, 4, 5, 6, 7
    QUANT = 1
    QUANT_BODY = 1
    EQ = 0

    def render(self, formula: Formula) -> str:
        # children right to left: which bad name is reported first stays as it was
        return str(walk.fold(formula, self.node, reverse=True)[0])

    @staticmethod
    def wrap(child: Printed, limit: int) -> Piece:
        text, level = child
        return cat("(", text, ")") if level > limit else text

    def node(self, f: Formula, kids: list[Printed]) -> Printed:
        if isinstance(f, Pred):
            if f.name in COMPARISONS and len(f.args) == 2:
                left, right = (self.term(t) for t in f.args)
                return cat(left, " ", self.comparison(f.name), " ", right), self.EQ
            return self.atom(f), ATOM
        if isinstance(f, Eq):
            left, right = self.term(f.left), self.term(f.right)
            return cat(left, " = ", right), self.EQ
        if isinstance(f, Not):
            if isinstance(f.body, Eq):
                return cat(self.NOT, "(", kids[0][0], ")"), self.NOT_LEVEL
            return cat(self.NOT, self.wrap(kids[0], self.NOT_OPERAND)), self.NOT_LEVEL
        if isinstance(f, (And, Or)):
            conjunction = isinstance(f, And)
            level = self.AND if conjunction else self.OR
            sep = self.AND_SYM if conjunction else self.OR_SYM
            # an And inside an And keeps its parentheses
            parts = [self.wrap(kid, level - 1) for kid in kids]
            return join(f" {sep} ", parts), level
        if isinstance(f, (Implies, Iff, Xor)):
            kind = type(f)
            level = {Implies: self.IMPLIES, Iff: self.IFF, Xor: self.XOR}[kind]
            left, right = (self.wrap(kid, level - 1) for kid in kids)
            return self.binary(kind, left, right), level
        if isinstance(f, (ForAll, Exists)):
            universal = isinstance(f, ForAll)
            return self.quantifier(universal, self.variable(f.var.name), kids[0]), self.QUANT
        if isinstance(f, Top):
            return self.TOP, ATOM
        if isinstance(f, Bottom):
            return self.BOTTOM, ATOM
        raise RenderError(f"not a formula: {f!r}")

    def binary(self, kind: type[Binary], left: Piece, right: Piece) -> Piece:
        sym = {Implies: self.IMP_SYM, Iff: self.IFF_SYM, Xor: self.XOR_SYM}[kind]
        return cat(left, f" {sym} ", right)

    def comparison(self, name: str) -> str:
        return name

    def atom(self, f: Pred) -> Piece:
        name = self.name(f.name)
        if not f.args:
            return name
        return cat(name, "(", join(", ", [self.term(t) for t in f.args]), ")")

    def term(self, t: Term) -> Piece:
        # names are checked parent first, arguments left to right
        return walk.fold(t, self.term_node, enter=self.term_enter, terms=True)

    def term_enter(self, t: Term) -> None:
        if isinstance(t, Func):
            self.name(t.name)
        elif not isinstance(t, (Var, Const)):
            raise RenderError(f"not a term: {t!r}")

    def term_node(self, t: Term, args: list[Piece]) -> Piece:
        if isinstance(t, Func):
            return cat(self.name(t.name), "(", join(", ", args), ")")
        if isinstance(t, Var):
            return self.variable(t.name)
        return self.name(t.name)

    def name(self, name: str) -> str:  # pragma: no cover - overridden
        return name

    def variable(self, name: str) -> str:
        return self.name(name)

    def quantifier(self, universal: bool, var: str, body: Printed) -> Piece:  # pragma: no cover
        raise NotImplementedError


class NltkPrinter(_Printer):
    """LINC's prompt syntax; what NLTK reads, NLTK reads the same way."""

    NOT, NOT_LEVEL, NOT_OPERAND = "-", 1, 1
    AND_SYM, OR_SYM, XOR_SYM, IMP_SYM, IFF_SYM = "&", "|", "⊕", "->", "<->"
    EQ = 2
    QUANT = 1
    TOP, BOTTOM = "⊤", "⊥"
    # valid for both NLTK grammars: no whitespace of any kind, no < or >
    _NAME = re.compile(r"[^\s\-\\.(),!&^|=<>~¬∧∨→↔∀∃⊕≠≤≥∈⊤⊥⇒⇔⟷]+\Z")
    _NUMBER = re.compile(r"\d+(?:\.\d+)+[^\s\-\\.(),!&^|=<>~¬∧∨→↔∀∃⊕≠≤≥∈⊤⊥⇒⇔⟷]*\Z")
    _VARIABLE = re.compile(r"[a-zA-Z]\d*\Z")
    _RESERVED = frozenset("all forall exists exist some iota and or not implies iff xor".split())

    def name(self, name: str) -> str:
        if name in self._RESERVED or not (self._NAME.match(name) or self._NUMBER.match(name)):
            raise RenderError(f"name {name!r} cannot be written in NLTK syntax")
        return name

    def render(self, formula: Formula) -> str:
        # NLTK binds only variable-like names (x, y1, P): rename the others
        # (every binder of one name to one fresh name, which keeps scopes)
        bad = {
            f.var.name
            for f in subformulas(formula)
            if isinstance(f, (ForAll, Exists)) and not self._VARIABLE.match(f.var.name)
        }
        self.renamed: dict[str, str] = {}
        if bad:
            used = {t.name for t in atoms_terms(formula)}
            fresh = (f"x{i}" for i in count(1))
            for old in sorted(bad):
                new = next(n for n in fresh if n not in used)
                self.renamed[old] = new
        return super().render(formula)

    def variable(self, name: str) -> str:
        return self.renamed.get(name, name)

    def quantifier(self, universal: bool, var: str, body: Printed) -> Piece:
        word = "all" if universal else "exists"
        return cat(word, " ", var, ". ", self.wrap(body, 2))


class UnicodePrinter(_Printer):
    """FOLIO's Unicode syntax."""

    NOT, NOT_LEVEL, NOT_OPERAND = "¬", 1, 1
    AND_SYM, OR_SYM, XOR_SYM, IMP_SYM, IFF_SYM = "∧", "∨", "⊕", "→", "↔"
    AND, OR, XOR, IMPLIES, IFF = 2, 3, 4, 5, 6
    EQ = 1
    QUANT = 1
    TOP, BOTTOM = "⊤", "⊥"
    _NAME = re.compile(r"[\w$](?:[\w’'+$]|[.\-](?=[\w$]))*\Z")

    def name(self, name: str) -> str:
        if not self._NAME.match(name):
            raise RenderError(f"name {name!r} cannot be written in the unicode syntax")
        return name

    def comparison(self, name: str) -> str:
        return {">=": "≥", "<=": "≤"}.get(name, name)

    def quantifier(self, universal: bool, var: str, body: Printed) -> Piece:
        sym = "∀" if universal else "∃"
        text, level = body
        first = text[0] if isinstance(text, str) else text.first
        if level == ATOM or (level == 1 and first in "¬∀∃"):
            return cat(sym, var, " ", text)
        return cat(sym, var, " (", text, ")")


class LeanPrinter(_Printer):
    """Lean 4 propositions; a binder reaches as far right as it can, so a
    quantifier is parenthesised unless it is the whole formula or a body."""

    NOT, NOT_LEVEL, NOT_OPERAND = "¬", 2, 2
    AND_SYM, OR_SYM, XOR_SYM, IMP_SYM, IFF_SYM = "∧", "∨", "⊕", "→", "↔"
    AND, OR, XOR, IMPLIES, IFF = 3, 4, 5, 6, 7
    EQ = 1
    QUANT = 9
    TOP, BOTTOM = "True", "False"
    _IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_']*\Z")
    _KEYWORDS = frozenset(
        "fun λ let have show from by at in if then else do match with end where deriving instance "
        "theorem lemma def example abbrev axiom structure class inductive mutual namespace section "
        "variable universe open import export local private protected partial unsafe noncomputable "
        "macro syntax notation infix infixl infixr prefix postfix set_option attribute calc sorry "
        "forall exists Type Prop Sort True False Xor' Not And Or Iff".split()
    )

    def name(self, name: str) -> str:
        if self._IDENT.match(name) and name not in self._KEYWORDS:
            return name
        if not name or "»" in name or "«" in name or "\n" in name:
            raise RenderError(f"name {name!r} cannot be written in Lean syntax")
        return f"«{name}»"

    def comparison(self, name: str) -> str:
        return {">=": "≥", "<=": "≤"}.get(name, name)

    def atom(self, f: Pred) -> Piece:
        return join(" ", [self.name(f.name), *(self.argument(t) for t in f.args)])

    def term_node(self, t: Term, args: list[Piece]) -> Piece:
        if isinstance(t, Func):
            wrapped = [
                cat("(", a, ")") if isinstance(arg, Func) else a for arg, a in zip(t.args, args)
            ]
            return join(" ", [self.name(t.name), *wrapped])
        return super().term_node(t, args)

    def argument(self, t: Term) -> Piece:
        text = self.term(t)
        return cat("(", text, ")") if isinstance(t, Func) else text

    def binary(self, kind: type[Binary], left: Piece, right: Piece) -> Piece:
        if kind is Xor:
            return cat("Xor' ", self.operand(left), " ", self.operand(right))
        return super().binary(kind, left, right)

    def render(self, formula: Formula) -> str:
        self.parens: dict[int, tuple[int, float]] = {}
        return super().render(formula)

    def operand(self, text: Piece) -> Piece:
        if isinstance(text, str):
            bare = text[1:-1] if text.startswith("(") and text.endswith(")") else text
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_']*|«[^»]*»", bare):
                return bare
        # else a linked Text, which is never one name (names are str, and no
        # printed formula is a name in parentheses)
        if text.startswith("(") and _balanced_outer(text, self.parens):
            return text
        return cat("(", text, ")")

    def node(self, f: Formula, kids: list[Printed]) -> Printed:
        if isinstance(f, Xor):
            return self.binary(Xor, self.wrap(kids[0], 100), self.wrap(kids[1], 100)), ATOM
        return super().node(f, kids)

    def quantifier(self, universal: bool, var: str, body: Printed) -> Piece:
        sym = "∀" if universal else "∃"
        return cat(sym, " ", var, ", ", body[0])


def _balanced_outer(text: Piece, known: dict[int, tuple[int, float]]) -> bool:
    """Whether the first ``(`` of ``text``, its first character, closes at its last one.

    ``known`` keeps what ``_parens`` learnt of each ``Text`` for later calls.
    """
    total, low = _parens(text, known)
    return total == 0 and low >= 1


def _parens(text: Piece, known: dict[int, tuple[int, float]]) -> tuple[int, float]:
    """The depth of ``text``'s parentheses at its end, and the lowest depth after
    any of its proper prefixes (``inf`` for one character)."""
    if isinstance(text, str):
        return _string_parens(text)
    done = known
    stack: list[tuple[Piece, bool]] = [(text, False)]
    while stack:
        piece, ready = stack.pop()
        if isinstance(piece, str):
            done[id(piece)] = _string_parens(piece)
        elif ready:
            total, low = done[id(piece.pieces[0])]
            for part in piece.pieces[1:]:
                t, lo = done[id(part)]
                total, low = total + t, min(low, total, total + lo)
            done[id(piece)] = total, low
        elif id(piece) not in done:
            stack.append((piece, True))
            stack.extend((part, False) for part in piece.pieces)
    return done[id(text)]


def _string_parens(text: str) -> tuple[int, float]:
    if "(" not in text and ")" not in text:
        return 0, (0 if len(text) > 1 else math.inf)
    depth, low = 0, math.inf
    for ch in text[:-1]:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        low = min(low, depth)
    return depth + (text[-1] == "(") - (text[-1] == ")"), low


_PRINTERS: dict[str, type[_Printer]] = {
    "nltk": NltkPrinter,
    "unicode": UnicodePrinter,
    "lean": LeanPrinter,
}
