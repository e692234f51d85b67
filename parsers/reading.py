"""Reading one formula text the way a preset asks: LINC's strict way or our best way.

``strict`` (the ``linc`` preset) reads a formula as LINC does: the argument
rewrite (``linc_rewrite``), then NLTK's own syntax and meaning.

The best way reads with our grammars and their repairs, falling back to
LINC's rewritten text, and then repairs what models write at the level of
the IR: ``no x.`` as ``-exists x.``, quoted names, and quantifiers whose
scope stops short of the variable they bind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from linc.errors import LincError, ParseError
from linc.ir import (
    And,
    Const,
    Exists,
    ForAll,
    Formula,
    Func,
    Iff,
    Implies,
    Or,
    Pred,
    Xor,
    free_vars,
)
from linc.parsers.linc_rewrite import negated_terms, rewrite_arguments
from linc.walk import Walk, children, rebuild, recurse, rewrite

Reader = Callable[[str], tuple[Formula, tuple[str, ...]]]
"""Text to (formula, kinds of the repairs applied)."""


def make_reader(*, strict: bool, syntax: str, repair: bool) -> Reader:
    """The reader of a preset: ``strict`` is LINC's own reading (NLTK syntax only)."""
    from linc.parsers import read

    if strict:
        if syntax == "nltk":
            return strict_reader()
        return lambda text: (read(text, syntax=syntax).formula, ())
    return best_reader(syntax=syntax, repair=repair)


@dataclass
class ReadMemo:
    """A memo of formula text → IR (samples repeat each other); cleared past ``limit`` entries."""

    reader: Reader
    memo: dict[str, tuple[Formula, tuple[str, ...]] | LincError] = field(default_factory=dict)
    limit: int = 50_000

    def __call__(self, text: str) -> tuple[Formula, tuple[str, ...]]:
        hit = self.memo.get(text)
        if hit is None:
            try:
                hit = self.reader(text)
            except LincError as exc:
                hit = exc
            if len(self.memo) >= self.limit:
                self.memo.clear()
            self.memo[text] = hit
        if isinstance(hit, LincError):
            raise hit
        return hit


def strict_reader() -> Reader:
    """LINC's reading: the argument rewrite, then NLTK's own syntax and meaning."""
    from linc.parsers import read

    def run(text: str) -> tuple[Formula, tuple[str, ...]]:
        return read(negated_terms(rewrite_arguments(text)), syntax="nltk-strict").formula, ()

    return run


_NO_QUANTIFIER = re.compile(r"-?(?<![A-Za-z0-9_])(?:no|none|No|None)\s+([a-z][A-Za-z0-9_]*)\s*\.")


def no_quantifier(text: str) -> str:
    """Read the quantifier ``no x.`` (also ``none x.``) as ``-exists x.``.

    Models write ``no x. P(x)`` for "no one is P"; a ``-`` glued to it
    (``-no x.``) appears only next to sentences that say "no one ..." in
    the recorded runs, so it is read as the same ``no``, not as a double
    negation.
    """
    return _NO_QUANTIFIER.sub(lambda m: f"-exists {m.group(1)}.", text)


def best_reader(*, syntax: str, repair: bool) -> Reader:
    """Our reading: the grammar with repairs; LINC's rewritten text as a fallback."""
    from linc.parsers import read

    def run(text: str) -> tuple[Formula, tuple[str, ...]]:
        if not repair:  # our grammar on LINC's rewritten text, nothing else
            rewritten = rewrite_arguments(text) if syntax == "nltk" else text
            return read(rewritten, syntax=syntax).formula, ()
        fixed: tuple[str, ...] = ()
        if syntax == "nltk":
            spelled = no_quantifier(text)
            if spelled != text:
                text, fixed = spelled, ("no_quantifier",)
        formula, kinds = _read_with_fallback(text, syntax=syntax)
        unquoted = unquote_names(formula)
        if unquoted != formula:
            fixed += ("unquote",)
        widened = widen_quantifier_scope(unquoted)
        if widened != unquoted:
            fixed += ("quantifier_scope",)
        return widened, fixed + kinds

    return run


def _read_with_fallback(text: str, *, syntax: str) -> tuple[Formula, tuple[str, ...]]:
    from linc.parsers import read

    try:
        parsed = read(text, syntax=syntax, repair=True)
        kinds: tuple[str, ...] = ()
    except ParseError:
        rewritten = rewrite_arguments(text)
        if rewritten == text:
            raise
        parsed = read(rewritten, syntax=syntax, repair=True)
        kinds = ("linc_rewrite",)
    # the free variables the parser closed are closed again later, after
    # the quantifier-scope repair has had a chance to bind them
    return _strip_closure(parsed.formula, parsed.closed), kinds + tuple(
        r.kind for r in parsed.repairs
    )


def _strip_closure(formula: Formula, names: Sequence[str]) -> Formula:
    """Undo the parser's universal closure over ``names`` (outermost first)."""
    body = formula
    for name in names:
        if isinstance(body, ForAll) and body.var.name == name:
            body = body.body
        else:
            return formula
    return body


def widen_quantifier_scope(formula: Formula) -> Formula:
    """Give an unparenthesised quantifier the scope its variable asks for.

    ``∀x P(x) → Q(x)`` parses (in NLTK and in FOL convention) as
    ``(∀x P(x)) → Q(x)``, which leaves the second ``x`` free; models mean
    ``∀x (P(x) → Q(x))``. When a quantifier is the left operand of a binary
    connective (or the first of a conjunction/disjunction) and its variable
    occurs free in a later operand, the quantifier is moved out to cover
    them all. Formulas where the variable does not recur are unchanged.
    """
    return recurse(_widen(formula))


def _widen(formula: Formula) -> Walk[Formula]:
    """One step of ``widen_quantifier_scope``, top-down (see ``linc.walk.recurse``)."""
    moved = _quantifier_to_move(formula)
    if moved is not None:
        quantifier, inner = moved
        body = yield _widen(inner)
        return type(quantifier)(quantifier.var, body)
    parts = []
    for kid in children(formula):
        parts.append((yield _widen(kid)))
    return rebuild(formula, parts)


def _quantifier_to_move(formula: Formula) -> tuple[ForAll | Exists, Formula] | None:
    """The quantifier that should cover ``formula``'s later operands, and what it covers."""
    if isinstance(formula, (Implies, Iff, Xor)):
        left, right = formula.left, formula.right
        if isinstance(left, (ForAll, Exists)) and left.var.name in free_vars(right):
            return left, type(formula)(left.body, right)
    elif isinstance(formula, (And, Or)):
        first, rest = formula.args[0], formula.args[1:]
        if isinstance(first, (ForAll, Exists)) and any(
            first.var.name in free_vars(r) for r in rest
        ):
            return first, type(formula)((first.body, *rest))
    return None


def _bare(name: str) -> str:
    return name[1:-1] if len(name) > 2 and name[0] == name[-1] == '"' else name


_UNQUOTE = {
    Pred: lambda p: Pred(_bare(p.name), p.args),
    Func: lambda f: Func(_bare(f.name), f.args),
    Const: lambda c: Const(_bare(c.name)),
}


def unquote_names(formula: Formula) -> Formula:
    """``"Walden"`` and ``Walden`` name the same thing: drop the quotes of names."""
    return rewrite(formula, _UNQUOTE)
