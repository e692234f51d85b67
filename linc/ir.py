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
  depth walks). So do the nodes' ``==``, ``hash``, ``repr`` and pickling
  (``_Node``; the dataclass-generated ones recurse), so a formula of any
  depth compares, hashes, prints and crosses to a worker process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import zip_longest
from operator import attrgetter
from typing import Any

from linc.errors import ArityError


class _Node:
    """Structural ``==`` and ``hash``, the dataclass ``repr`` and pickling, at any depth.

    The methods dataclasses generate recurse, a Python frame or more a level;
    these walk with ``linc.walk``. Two nodes are equal when their pre-order
    walks (terms included) meet the same kinds, names and numbers of children.
    A node keeps its hash once computed (``_hash``, never pickled: string
    hashes differ between processes). A pickled node is its walk, flat,
    rebuilt with a stack.
    """

    __slots__ = ("_hash",)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine, theirs = getattr(self, "_hash", None), getattr(other, "_hash", None)
        if mine is not None and theirs is not None and mine != theirs:
            return False
        shapes = _SHAPE
        me: Any = self
        for a, b in zip_longest(walk.preorder(me, terms=True), walk.preorder(other, terms=True)):  # type: ignore[call-overload]
            if a is b:
                continue
            kind = type(a)
            if kind is not type(b):
                return False
            shape = shapes.get(kind)
            if shape is not None and shape(a) != shape(b):
                return False
        return True

    def __hash__(self) -> int:
        me: Any = self
        found: int | None = getattr(me, "_hash", None)
        if found is None:
            found = walk.fold(me, _hash_of, enter=_known_hash, terms=True)
        return found

    def __repr__(self) -> str:
        me: Any = self
        return str(walk.fold(me, _repr_of, terms=True))

    def __reduce__(self) -> tuple[Any, ...]:
        me: Any = self
        tokens = tuple(
            (type(node), _label(node), len(walk.children(node, terms=True)))
            for node in walk.preorder(me, terms=True)
        )
        return (_rebuild, (tokens,))


# --------------------------------------------------------------------- terms


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Var(_Node):
    """A variable bound by a quantifier."""

    name: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Const(_Node):
    """An individual constant."""

    name: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Func(_Node):
    """A function application ``name(args)``, at least one argument."""

    name: str
    args: tuple[Term, ...]


Term = Var | Const | Func

# ------------------------------------------------------------------ formulas


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Pred(_Node):
    """An atom ``name(args)``; a propositional letter has no arguments."""

    name: str
    args: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Eq(_Node):
    """Equality of two terms."""

    left: Term
    right: Term


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Not(_Node):
    body: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class And(_Node):
    """Conjunction of two or more operands."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Or(_Node):
    """Disjunction of two or more operands."""

    args: tuple[Formula, ...]


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Implies(_Node):
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Iff(_Node):
    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Xor(_Node):
    """Exclusive or: exactly one side holds."""

    left: Formula
    right: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ForAll(_Node):
    var: Var
    body: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Exists(_Node):
    var: Var
    body: Formula


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Top(_Node):
    """The true formula."""


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Bottom(_Node):
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


# ------------------------------------------------ what _Node's methods use


def _label(node: Any) -> str | None:
    """The name a node carries (a quantifier: its variable's), else None."""
    kind = type(node)
    if kind in (ForAll, Exists):
        return str(node.var.name)
    return str(node.name) if kind in (Var, Const, Pred, Func) else None


_SHAPE: dict[type, Callable[[Any], object]] = {
    Var: attrgetter("name"),
    Const: attrgetter("name"),
    Pred: lambda node: (node.name, len(node.args)),
    Func: lambda node: (node.name, len(node.args)),
    And: lambda node: len(node.args),
    Or: lambda node: len(node.args),
    ForAll: lambda node: node.var.name,
    Exists: lambda node: node.var.name,
}
"""Beside its kind, what ``==`` compares of one node: its name, number of children, or both."""


def _none(node: Any) -> None:
    return None


def _known_hash(node: Any) -> int | None:
    return getattr(node, "_hash", None)


def _hash_of(node: Any, parts: list[int]) -> int:
    kind = type(node)
    found = hash((kind.__name__, _SHAPE.get(kind, _none)(node), *parts))
    object.__setattr__(node, "_hash", found)
    return found


def _items(parts: list[walk.Piece]) -> walk.Piece:
    """A tuple's repr from its items' reprs."""
    if len(parts) == 1:
        return walk.cat("(", parts[0], ",)")
    return walk.cat("(", walk.join(", ", parts), ")")


def _repr_of(node: Any, parts: list[walk.Piece]) -> walk.Piece:
    """The dataclass ``repr`` of ``node``, its children's already made."""
    kind = type(node).__qualname__
    if isinstance(node, (Var, Const)):
        return f"{kind}(name={node.name!r})"
    if isinstance(node, (Pred, Func)):
        return walk.cat(f"{kind}(name={node.name!r}, args=", _items(parts), ")")
    if isinstance(node, (And, Or)):
        return walk.cat(f"{kind}(args=", _items(parts), ")")
    if isinstance(node, (Eq, Implies, Iff, Xor)):
        return walk.cat(f"{kind}(left=", parts[0], ", right=", parts[1], ")")
    if isinstance(node, Not):
        return walk.cat("Not(body=", parts[0], ")")
    if isinstance(node, (ForAll, Exists)):
        return walk.cat(f"{kind}(var={node.var!r}, body=", parts[0], ")")
    return f"{kind}()"  # Top, Bottom


_BUILD: dict[type, Callable[[Any, list[Any]], Any]] = {
    Var: lambda name, kids: Var(name),
    Const: lambda name, kids: Const(name),
    Func: lambda name, kids: Func(name, tuple(kids)),
    Pred: lambda name, kids: Pred(name, tuple(kids)),
    Eq: lambda name, kids: Eq(kids[0], kids[1]),
    Not: lambda name, kids: Not(kids[0]),
    And: lambda name, kids: And(tuple(kids)),
    Or: lambda name, kids: Or(tuple(kids)),
    Implies: lambda name, kids: Implies(kids[0], kids[1]),
    Iff: lambda name, kids: Iff(kids[0], kids[1]),
    Xor: lambda name, kids: Xor(kids[0], kids[1]),
    ForAll: lambda name, kids: ForAll(Var(name), kids[0]),
    Exists: lambda name, kids: Exists(Var(name), kids[0]),
    Top: lambda name, kids: Top(),
    Bottom: lambda name, kids: Bottom(),
}


def _rebuild(tokens: tuple[tuple[type, str | None, int], ...]) -> Any:
    """A node from its pickled pre-order walk (children are rebuilt before their parent)."""
    stack: list[Any] = []
    for kind, name, count in reversed(tokens):
        kids = [stack.pop() for _ in range(count)]
        stack.append(_BUILD[kind](name, kids))
    return stack[0]


# last: the walker imports the node classes above
from linc import walk
