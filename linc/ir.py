"""The logic IR: immutable, hashable first-order terms and formulas.

Every syntax is parsed into these nodes and every prover input is printed
from them. Nodes compare and hash structurally, so de-duplication and caching
need no extra work.

Conventions:
- A name bound by a quantifier is a ``Var``; every other individual name is a
  ``Const`` (a 0-ary function symbol).
- ``And`` and ``Or`` are n-ary (at least two operands) and keep the grouping
  the text wrote: ``A & B & C`` is one ``And`` of three, ``A & (B & C)`` is
  an ``And`` of two. ``Implies``, ``Iff`` and ``Xor`` are binary.
- Formulas are kept shallow: parsers refuse nesting deeper than
  ``MAX_DEPTH`` so that every recursive walk below is safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from linc.errors import ArityError

MAX_DEPTH = 100
"""Deepest formula nesting the parsers accept.

Real formulas stay below 30. The bound keeps the recursive dataclass ``==``,
``hash`` and ``repr`` of the nodes well inside Python's recursion limit.
"""


# --------------------------------------------------------------------- terms


@dataclass(frozen=True, slots=True)
class Var:
    """A variable bound by a quantifier."""

    name: str


@dataclass(frozen=True, slots=True)
class Const:
    """An individual constant."""

    name: str


@dataclass(frozen=True, slots=True)
class Func:
    """A function application ``name(args)``, at least one argument."""

    name: str
    args: tuple[Term, ...]


Term = Var | Const | Func

# ------------------------------------------------------------------ formulas


@dataclass(frozen=True, slots=True)
class Pred:
    """An atom ``name(args)``; a propositional letter has no arguments."""

    name: str
    args: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class Eq:
    """Equality of two terms."""

    left: Term
    right: Term


@dataclass(frozen=True, slots=True)
class Not:
    body: Formula


@dataclass(frozen=True, slots=True)
class And:
    """Conjunction of two or more operands."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Disjunction of two or more operands."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Implies:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Iff:
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class Xor:
    """Exclusive or: exactly one side holds."""

    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True)
class ForAll:
    var: Var
    body: Formula


@dataclass(frozen=True, slots=True)
class Exists:
    var: Var
    body: Formula


@dataclass(frozen=True, slots=True)
class Top:
    """The true formula."""


@dataclass(frozen=True, slots=True)
class Bottom:
    """The false formula."""


Formula = Pred | Eq | Not | And | Or | Implies | Iff | Xor | ForAll | Exists | Top | Bottom
Quantifier = ForAll | Exists
Binary = Implies | Iff | Xor

TERM_TYPES = (Var, Const, Func)
FORMULA_TYPES = (Pred, Eq, Not, And, Or, Implies, Iff, Xor, ForAll, Exists, Top, Bottom)


def conj(*args: Formula) -> Formula:
    """Conjunction of any number of formulas (``Top`` for none)."""
    if not args:
        return Top()
    return args[0] if len(args) == 1 else And(tuple(args))


def disj(*args: Formula) -> Formula:
    """Disjunction of any number of formulas (``Bottom`` for none)."""
    if not args:
        return Bottom()
    return args[0] if len(args) == 1 else Or(tuple(args))


def forall(names: Iterable[str], body: Formula) -> Formula:
    """``∀ names. body``, the first name outermost."""
    for name in reversed(list(names)):
        body = ForAll(Var(name), body)
    return body


def exists(names: Iterable[str], body: Formula) -> Formula:
    """``∃ names. body``, the first name outermost."""
    for name in reversed(list(names)):
        body = Exists(Var(name), body)
    return body


# ------------------------------------------------------------------ walking


def children(formula: Formula) -> tuple[Formula, ...]:
    """The direct sub-formulas of ``formula``."""
    if isinstance(formula, (And, Or)):
        return formula.args
    if isinstance(formula, (Implies, Iff, Xor)):
        return (formula.left, formula.right)
    if isinstance(formula, (Not, ForAll, Exists)):
        return (formula.body,)
    return ()


def subformulas(formula: Formula) -> Iterator[Formula]:
    """Every sub-formula, ``formula`` first (pre-order, iterative)."""
    stack = [formula]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


def depth(formula: Formula) -> int:
    """Nesting depth of the formula tree (an atom has depth 1)."""
    best = 0
    stack = [(formula, 1)]
    while stack:
        node, level = stack.pop()
        best = max(best, level)
        stack.extend((child, level + 1) for child in children(node))
    return best


def atoms_terms(formula: Formula) -> Iterator[Term]:
    """Every term that occurs in the formula, sub-terms included."""
    for node in subformulas(formula):
        if isinstance(node, Pred):
            roots: tuple[Term, ...] = node.args
        elif isinstance(node, Eq):
            roots = (node.left, node.right)
        else:
            continue
        stack = list(roots)
        while stack:
            term = stack.pop()
            yield term
            if isinstance(term, Func):
                stack.extend(term.args)


def free_vars(formula: Formula) -> frozenset[str]:
    """Names of the variables that occur free in ``formula``."""
    return _free(formula, frozenset())


def closure(formula: Formula) -> Formula:
    """``formula`` with its free variables universally quantified, sorted by name."""
    free = free_vars(formula)
    return forall(sorted(free), formula) if free else formula


def _free(formula: Formula, bound: frozenset[str]) -> frozenset[str]:
    if isinstance(formula, (ForAll, Exists)):
        return _free(formula.body, bound | {formula.var.name})
    if isinstance(formula, Pred):
        return frozenset().union(*(_term_vars(t) for t in formula.args)) - bound
    if isinstance(formula, Eq):
        return (_term_vars(formula.left) | _term_vars(formula.right)) - bound
    out: frozenset[str] = frozenset()
    for child in children(formula):
        out |= _free(child, bound)
    return out


def _term_vars(term: Term) -> frozenset[str]:
    if isinstance(term, Var):
        return frozenset({term.name})
    if isinstance(term, Func):
        return frozenset().union(*(_term_vars(t) for t in term.args))
    return frozenset()


def substitute(formula: Formula, mapping: Mapping[str, Term]) -> Formula:
    """Replace the free variables named in ``mapping`` by terms.

    Bound variables that would capture a variable of a substituted term are
    renamed first, so the result means what it should.
    """
    if not mapping:
        return formula
    return _subst(formula, dict(mapping))


def _subst(formula: Formula, mapping: dict[str, Term]) -> Formula:
    if isinstance(formula, Pred):
        return Pred(formula.name, tuple(_subst_term(t, mapping) for t in formula.args))
    if isinstance(formula, Eq):
        return Eq(_subst_term(formula.left, mapping), _subst_term(formula.right, mapping))
    if isinstance(formula, Not):
        return Not(_subst(formula.body, mapping))
    if isinstance(formula, (And, Or)):
        return type(formula)(tuple(_subst(a, mapping) for a in formula.args))
    if isinstance(formula, (Implies, Iff, Xor)):
        return type(formula)(_subst(formula.left, mapping), _subst(formula.right, mapping))
    if isinstance(formula, (ForAll, Exists)):
        name = formula.var.name
        inner = {k: v for k, v in mapping.items() if k != name}
        if not inner:
            return formula
        incoming = frozenset().union(*(_term_vars(t) for t in inner.values()))
        body = formula.body
        if name in incoming:
            taken = incoming | free_vars(body) | set(inner)
            fresh = _fresh(name, taken)
            body = _subst(body, {name: Var(fresh)})
            name = fresh
        return type(formula)(Var(name), _subst(body, inner))
    return formula


def _subst_term(term: Term, mapping: Mapping[str, Term]) -> Term:
    if isinstance(term, Var):
        return mapping.get(term.name, term)
    if isinstance(term, Func):
        return Func(term.name, tuple(_subst_term(t, mapping) for t in term.args))
    return term


def _fresh(base: str, taken: Iterable[str]) -> str:
    used = set(taken)
    index = 1
    while f"{base}{index}" in used:
        index += 1
    return f"{base}{index}"


# ---------------------------------------------------------------- signature

Symbol = tuple[str, str]
"""``("pred" | "func", name)``: a symbol and the role it plays."""


def signature(formulas: Iterable[Formula]) -> dict[Symbol, set[int]]:
    """Every predicate and function symbol with the arities it is used at.

    Constants count as 0-ary functions; propositional letters as 0-ary
    predicates. A symbol used at two arities maps to a set of two.
    """
    sig: dict[Symbol, set[int]] = {}
    for formula in formulas:
        for node in subformulas(formula):
            if isinstance(node, Pred):
                sig.setdefault(("pred", node.name), set()).add(len(node.args))
        for term in atoms_terms(formula):
            if isinstance(term, Func):
                sig.setdefault(("func", term.name), set()).add(len(term.args))
            elif isinstance(term, Const):
                sig.setdefault(("func", term.name), set()).add(0)
    return sig


def check_arities(formulas: Iterable[Formula]) -> dict[Symbol, int]:
    """The signature of ``formulas``; raise ``ArityError`` on a clash.

    A clash is one name used at two arities, or one name used both as a
    predicate and as a function or constant.
    """
    sig = signature(formulas)
    out: dict[Symbol, int] = {}
    for (role, name), arities in sorted(sig.items()):
        if len(arities) > 1:
            first, second = sorted(arities)[:2]
            raise ArityError(name, first, second, role=role)
        other = ("func" if role == "pred" else "pred", name)
        if role == "pred" and other in sig:
            raise ArityError(name, next(iter(arities)), next(iter(sig[other])), role="pred/func")
        out[(role, name)] = next(iter(arities))
    return out
