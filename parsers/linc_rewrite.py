"""How LINC reads one formula before and after NLTK: the parity details.

Two facts of LINC's released evaluation that change verdicts:

1. Before parsing, every innermost parenthesised group ``(...)`` is split at
   commas, each piece is stripped and rewritten (digits to ``Zero``...
   ``Nine``, ``.`` to ``Dot``, ``’`` and ``'`` dropped, ``-`` and space to
   ``_``), and each rewrite is applied as a plain string replacement over the
   whole formula (so ``Born(x, 1984)`` reads ``Born(x, OneNineEightFour)``,
   and a piece that occurs elsewhere is rewritten there too).
2. NLTK hands names to Prover9 unchanged, and Prover9 takes every free name
   that starts with ``u``..``z`` for a variable, universally quantified over
   its formula. A free ``x`` or ``yOneNineEightFour`` is therefore a variable
   in LINC's Prover9 call. ``prover9_closure`` makes that explicit in the IR.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from linc.ir import (
    Const,
    Eq,
    Exists,
    ForAll,
    Formula,
    Pred,
    Var,
    forall,
    free_vars,
)
from linc.walk import Walk, children, preorder, rebuild, recurse, rewrite

_INNERMOST = re.compile(r"\([^()]+\)")
_TRANSLATION = (
    ("0", "Zero"),
    ("1", "One"),
    ("2", "Two"),
    ("3", "Three"),
    ("4", "Four"),
    ("5", "Five"),
    ("6", "Six"),
    ("7", "Seven"),
    ("8", "Eight"),
    ("9", "Nine"),
    (".", "Dot"),
    ("’", ""),
    ("-", "_"),
    ("'", ""),
    (" ", "_"),
)


def argument_pieces(formula: str) -> list[str]:
    """The stripped comma-separated pieces of every innermost ``(...)``.

    In order of first appearance, without repeats (LINC uses a set, so its
    order is Python's string-hash order, which changes between processes).
    """
    seen: dict[str, None] = {}
    for group in _INNERMOST.findall(formula):
        for piece in group[1:-1].split(","):
            seen.setdefault(piece.strip(), None)
    return list(seen)


def rewrite_piece(piece: str) -> str:
    """One argument rewritten with LINC's translation table, in its order."""
    for old, new in _TRANSLATION:
        piece = piece.replace(old, new)
    return piece


def rewrite_arguments(formula: str, *, order: Iterable[str] | None = None) -> str:
    """LINC's argument rewrite of one formula (see the module docstring).

    ``order`` fixes the order in which the pieces are replaced; the default
    is their order of first appearance.
    """
    pieces = list(order) if order is not None else argument_pieces(formula)
    for piece in pieces:
        new = rewrite_piece(piece)
        if new != piece:
            formula = formula.replace(piece, new)
    return formula


def order_sensitive(formula: str) -> bool:
    """True when the rewrite's result depends on the order of the pieces.

    Only pieces that the rewrite changes can interact; the check compares
    first-appearance order with its reverse and with longest-first.
    """
    changing = [p for p in argument_pieces(formula) if rewrite_piece(p) != p]
    if len(changing) < 2:
        return False
    results = {
        rewrite_arguments(formula, order=changing),
        rewrite_arguments(formula, order=list(reversed(changing))),
        rewrite_arguments(formula, order=sorted(changing, key=len, reverse=True)),
        rewrite_arguments(formula, order=sorted(changing, key=len)),
    }
    return len(results) > 1


# ------------------------------------------------------ Prover9's variables

PROVER9_VARIABLE_START = frozenset("uvwxyz")


def is_prover9_variable(name: str) -> bool:
    """Prover9's default rule: a free name starting with ``u``..``z``."""
    return bool(name) and name[0] in PROVER9_VARIABLE_START


def prover9_free_names(formula: Formula) -> list[str]:
    """Free individual names that Prover9 would read as variables, in order."""
    names: dict[str, None] = {}
    for name in _free_names_in_order(formula, frozenset()):
        if is_prover9_variable(name):
            names.setdefault(name, None)
    for name in sorted(free_vars(formula)):
        names.setdefault(name, None)
    return list(names)


def prover9_closure(formula: Formula) -> tuple[Formula, tuple[str, ...]]:
    """Close ``formula`` the way Prover9 reads it: free u–z names become ∀.

    Returns the closed formula and the names that were closed. Constants
    named ``u``..``z``... turn into bound variables; free ``Var`` nodes (if a
    parser leaves any) are closed too.
    """
    names = prover9_free_names(formula)
    if not names:
        return formula, ()
    body = _consts_to_vars(formula, frozenset(names))
    return forall(names, body), tuple(names)


def _free_names_in_order(formula: Formula, bound: frozenset[str]) -> Iterable[str]:
    stack: list[tuple[Formula, frozenset[str]]] = [(formula, bound)]
    while stack:
        node, bnd = stack.pop()
        if isinstance(node, (ForAll, Exists)):
            stack.append((node.body, bnd | {node.var.name}))
        elif isinstance(node, (Pred, Eq)):
            yield from _term_consts(node, bnd)
        else:
            stack.extend((kid, bnd) for kid in reversed(children(node)))


def _term_consts(atom: Pred | Eq, bound: frozenset[str]) -> Iterable[str]:
    """The constants of an atom's terms, left to right, that ``bound`` does not bind."""
    for term in preorder(atom, terms=True):
        if isinstance(term, Const) and term.name not in bound:
            yield term.name


def _consts_to_vars(formula: Formula, names: frozenset[str]) -> Formula:
    return recurse(_to_vars(formula, names))


def _to_vars(formula: Formula, names: frozenset[str]) -> Walk[Formula]:
    """The constants in ``names`` as variables, except where a quantifier rebinds them."""
    if isinstance(formula, (ForAll, Exists)):
        inner = names - {formula.var.name}
        if not inner:
            return formula
        body = yield _to_vars(formula.body, inner)
        return type(formula)(formula.var, body)
    if isinstance(formula, (Pred, Eq)):
        return rewrite(formula, {Const: lambda c: Var(c.name) if c.name in names else c})
    parts = []
    for kid in children(formula):
        parts.append((yield _to_vars(kid, names)))
    return rebuild(formula, parts)


# ---------------------------------------------------- names Prover9 rejects

_WORD = r"[A-Za-z0-9_$]+"
_PROVER9_READABLE = re.compile(
    rf"^(?:{_WORD}"  # an ordinary symbol
    r'|"[ !#-~]*"'  # a quoted symbol
    r"|[-+*/\\^<>=`?@&|!#';]+"  # a symbol of special characters only
    rf"|{_WORD}[-+*/<>=@^]+{_WORD}"  # an infix term such as y_>_z
    rf"|\[{_WORD}|{_WORD}\])$"  # the first or last element of a list term [a, b]
)


def prover9_readable(name: str) -> bool:
    """Whether Prover9 can read a name that NLTK passes to it verbatim.

    An approximation of LADR's tokenizer, fitted to what Prover9 does with
    the names found in LINC's recorded runs: ordinary and quoted symbols,
    runs of special characters (``?``), infix terms (``y_>_z``) and list
    brackets (``[Alice``, ``Bob]``) read; a quote inside a name
    (``"Walden"ByThoreau``), a ``~`` or a special character at one end
    (``d_<``) is a syntax error (fatal); and a non-ASCII character makes
    NLTK fail to decode Prover9's output.
    """
    return name.isascii() and "~" not in name and bool(_PROVER9_READABLE.match(name))


def prover9_unreadable_names(formulas: Iterable[Formula]) -> list[str]:
    """Names that make LINC's Prover9 call fail (``prover9_readable``), in order."""
    from linc.ir import atoms_terms, subformulas

    bad: dict[str, None] = {}
    for formula in formulas:
        for node in subformulas(formula):
            if isinstance(node, Pred):
                names = [node.name]
            elif isinstance(node, (ForAll, Exists)):
                names = [node.var.name]
            else:
                continue
            for name in names:
                if not prover9_readable(name):
                    bad.setdefault(name, None)
        for term in atoms_terms(formula):
            if not prover9_readable(term.name):
                bad.setdefault(term.name, None)
    return list(bad)


# ---------------------------------------------- negated terms in equations

NEGATED_TERM_FUNCTION = "LincNegatedTerm"
_NEGATED_TERM = re.compile(r"-\s*([A-Za-z0-9_]+)\s*(?=!=|=)")


def negated_terms(text: str) -> str:
    """Spell NLTK's reading of ``-x = y`` out as a function application.

    NLTK's negation binds tighter than ``=``, so ``-x = Michael`` parses as
    ``(-x) = Michael``; NLTK prints it ``(-(x) = Michael)`` and Prover9 reads
    ``-(x)`` as a term built with a function symbol ``-``. Rewriting the text
    to ``LincNegatedTerm(x) = Michael`` gives the same meaning (an
    uninterpreted function of ``x``) in a form the strict grammar reads.
    """
    return _NEGATED_TERM.sub(lambda m: f"{NEGATED_TERM_FUNCTION}({m.group(1)})", text)
