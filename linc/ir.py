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
- Every walk over formulas goes through ``linc.walk`` (iterative, so any
  depth walks). Parsers still refuse nesting deeper than ``MAX_DEPTH``: the
  dataclass-generated ``==``, ``hash`` and ``repr`` of the nodes recurse.
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
# every walk goes through linc.walk (iterative: any depth, linear time)


def children(formula: Formula) -> tuple[Formula, ...]:
    """The direct sub-formulas of ``formula``."""
    return walk.children(formula)


def subformulas(formula: Formula) -> Iterator[Formula]:
    """Every sub-formula, ``formula`` first (pre-order)."""
    return walk.preorder(formula)


def depth(formula: Formula) -> int:
    """Nesting depth of the formula tree (an atom has depth 1)."""
    return walk.fold(formula, lambda node, parts: 1 + max(parts, default=0))


def atoms_terms(formula: Formula) -> Iterator[Term]:
    """Every term that occurs in the formula, sub-terms included.

    Atoms come in pre-order; the terms of one atom last argument first,
    each before its own arguments (also last first).
    """
    for node in subformulas(formula):
        if isinstance(node, (Pred, Eq)):
            terms = walk.preorder(node, terms=True, reverse=True)
            next(terms)  # the atom itself
            yield from terms  # type: ignore[misc]


def free_vars(formula: Formula) -> frozenset[str]:
    """Names of the variables that occur free in ``formula``."""
    bound = walk.Scope()
    free: set[str] = set()

    def enter(node: Formula | Term) -> None:
        if isinstance(node, (ForAll, Exists)):
            bound.enter(node.var.name)

    def leave(node: Formula | Term, parts: list[None]) -> None:
        if isinstance(node, (ForAll, Exists)):
            bound.leave(node.var.name)
        elif type(node) is Var and node.name not in bound:
            free.add(node.name)

    walk.fold(formula, leave, enter=enter, terms=True, memo=False)
    return frozenset(free)


def closure(formula: Formula) -> Formula:
    """``formula`` with its free variables universally quantified, sorted by name."""
    free = free_vars(formula)
    return forall(sorted(free), formula) if free else formula


def _term_vars(terms: Iterable[Term]) -> frozenset[str]:
    return frozenset(
        node.name
        for term in terms
        for node in walk.preorder(term, terms=True)
        if isinstance(node, Var)
    )


def substitute(formula: Formula, mapping: Mapping[str, Term]) -> Formula:
    """Replace the free variables named in ``mapping`` by terms.

    Bound variables that would capture a variable of a substituted term are
    renamed first, so the result means what it should.
    """
    if not mapping:
        return formula
    return walk.recurse(_subst(formula, dict(mapping)))


def _subst(formula: Formula, mapping: dict[str, Term]) -> walk.Walk[Formula]:
    """One step of ``substitute`` (run by ``walk.recurse``)."""
    if isinstance(formula, (Pred, Eq)):
        return _subst_terms(formula, mapping)
    if isinstance(formula, (ForAll, Exists)):
        name = formula.var.name
        inner = {k: v for k, v in mapping.items() if k != name}
        if not inner:
            return formula
        incoming = _term_vars(inner.values())
        body = formula.body
        if name in incoming:
            taken = incoming | free_vars(body) | set(inner)
            fresh = _fresh(name, taken)
            body = yield _subst(body, {name: Var(fresh)})
            name = fresh
        return type(formula)(Var(name), (yield _subst(body, inner)))
    parts = []
    for child in children(formula):
        parts.append((yield _subst(child, mapping)))
    return walk.rebuild(formula, parts)


def _subst_terms(atom: Pred | Eq, mapping: Mapping[str, Term]) -> Pred | Eq:
    def var(v: Var) -> Term:
        return mapping.get(v.name, v)

    return walk.rewrite(atom, {Var: var})


def _fresh(base: str, taken: Iterable[str]) -> str:
    used = set(taken)
    index = 1
    while f"{base}{index}" in used:
        index += 1
    return f"{base}{index}"


def canonical(formula: Formula) -> str:
    """An exact, unambiguous text of ``formula`` (for cache keys).

    Prefix notation, one token a node in pre-order: a kind, then the name
    (quoted by ``repr``) and the number of children where there is one, so
    the text reads back one way only. Linear at any depth.
    """
    return " ".join(map(_token, walk.preorder(formula, terms=True)))


def _token(node: Formula | Term) -> str:
    if isinstance(node, (Var, Const)):
        return f"{type(node).__name__}{node.name!r}"
    if isinstance(node, (ForAll, Exists)):
        return f"{type(node).__name__}{node.var.name!r}"
    if isinstance(node, (Pred, Func)):
        return f"{type(node).__name__}{node.name!r}/{len(node.args)}"
    if isinstance(node, (And, Or)):
        return f"{type(node).__name__}/{len(node.args)}"
    return type(node).__name__  # Not, Implies, Iff, Xor, Eq, Top, Bottom: fixed arity


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


# last: the walker imports the node classes above
from linc import walk
