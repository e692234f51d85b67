"""The one walker over the IR: every rewrite, printer and canonical form uses it.

Walks keep an explicit stack, never Python recursion, so a formula of any
depth walks in time linear in its size (as pysmt's DAG walkers do). The
shapes:

- ``preorder``: every node, parent before children.
- ``fold``: post-order; ``combine(node, parts)`` gets the results of the
  node's children, left to right. An optional pre-order ``enter(node)`` sees
  each node before its children (to track a ``Scope`` of bound variables,
  or to stop the walk at that node by returning its result).
- ``rewrite``: a structure-preserving map built on ``fold``, with a hook
  per node kind; each node is rebuilt from its rewritten children (the very
  same object when none changed) and handed to its kind's hook.
- ``recurse``: runs a recursion written as generators (``value = yield
  sub``), for walks whose context is passed down and changes on the way
  (capture-avoiding substitution).
- ``cat``/``join`` build ``Text`` in constant time, so printers that wrap
  their children's text stay linear at any depth (``str()`` flattens it).

By default a walk descends into formulas only (atoms and terms are
leaves); with ``terms=True`` the arguments of ``Pred``, the sides of ``Eq``
and the arguments of ``Func`` are walked too (a walk of a term needs it).
A quantifier's children are its body alone (its variable is ``node.var``).

A walk memoises by node identity: a subtree shared inside the formula is
walked once and its result reused. Walks whose result for a node depends on
where the node stands (bound variables) pass ``memo=False``, as do walks
whose results must not be held until the end (Z3 terms). Memoising by
identity is also cheaper than by equality, which would hash every node.

Imports nothing of the project but the IR.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from operator import attrgetter, is_
from typing import Any, Literal, TypeVar, overload

from linc.ir import (
    And,
    Bottom,
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
    Xor,
)

Node = Formula | Term
T = TypeVar("T")
N = TypeVar("N", bound=Node)

# ----------------------------------------------------------------- children


Kids = Callable[[Any], tuple[Any, ...]]


def _none(node: Any) -> tuple[()]:
    return ()


def _body(node: Any) -> tuple[Any, ...]:
    return (node.body,)


_args: Kids = attrgetter("args")
_sides: Kids = attrgetter("left", "right")

_FORMULA_KIDS: dict[type, Kids] = {
    Pred: _none,
    Eq: _none,
    Not: _body,
    And: _args,
    Or: _args,
    Implies: _sides,
    Iff: _sides,
    Xor: _sides,
    ForAll: _body,
    Exists: _body,
    Top: _none,
    Bottom: _none,
}
_TERM_KIDS: dict[type, Kids] = {**_FORMULA_KIDS, Pred: _args, Eq: _sides, Func: _args}


@overload
def children(node: Formula, *, terms: Literal[False] = False) -> tuple[Formula, ...]: ...
@overload
def children(node: Node, *, terms: bool = False) -> tuple[Node, ...]: ...
def children(node: Node, *, terms: bool = False) -> tuple[Node, ...]:
    """The direct children of ``node``: sub-formulas, with ``terms`` also terms."""
    return (_TERM_KIDS if terms else _FORMULA_KIDS).get(type(node), _none)(node)


@overload
def preorder(
    root: Formula, *, terms: Literal[False] = False, reverse: bool = False
) -> Iterator[Formula]: ...
@overload
def preorder(root: Node, *, terms: bool = False, reverse: bool = False) -> Iterator[Node]: ...
def preorder(root: Node, *, terms: bool = False, reverse: bool = False) -> Iterator[Node]:
    """Every node of ``root``, ``root`` first, then each child's subtree in turn
    (right to left with ``reverse``). Shared subtrees come once per occurrence."""
    kids_of = _TERM_KIDS if terms else _FORMULA_KIDS
    stack = [root]
    pop, extend = stack.pop, stack.extend
    while stack:
        node = pop()
        yield node
        kids = kids_of.get(type(node), _none)(node)
        if kids:
            extend(kids if reverse else reversed(kids))


# --------------------------------------------------------------------- fold


def fold(
    root: Node,
    combine: Callable[[Any, list[T]], T],
    *,
    enter: Callable[[Any], T | None] | None = None,
    terms: bool = False,
    reverse: bool = False,
    memo: bool = True,
) -> T:
    """Post-order fold: ``combine(node, parts)``, ``parts`` the children's results.

    ``enter(node)``, when given, is called before the node's children are
    walked; if it returns something other than ``None``, that is the node's
    result and neither its children nor ``combine`` see it. ``reverse`` walks
    the children right to left (``parts`` stay in order); it matters only for
    the order of side effects such as errors. With ``memo`` a node met again
    (the same object) reuses its first result without being walked again.
    """
    kids_of = _TERM_KIDS if terms else _FORMULA_KIDS
    done: dict[int, T] = {}
    values: list[T] = []
    stack: list[Any] = [root]  # a node to walk, or (node, n) once its n children are
    pop, push, keep = stack.pop, stack.append, values.append
    while stack:
        node = pop()
        if type(node) is tuple:  # its children are done
            node, n = node
            parts = values[-n:]
            del values[-n:]
            if reverse:
                parts.reverse()
        else:
            if memo and id(node) in done:
                keep(done[id(node)])
                continue
            if enter is not None:
                early = enter(node)
                if early is not None:
                    keep(early)
                    continue
            kids = kids_of.get(type(node), _none)(node)
            if kids:
                push((node, len(kids)))
                stack.extend(kids if reverse else reversed(kids))
                continue
            parts = []
        value = combine(node, parts)
        if memo:
            done[id(node)] = value
        keep(value)
    return values[0]


# ------------------------------------------------------------------ rewrite

Hook = Callable[[Any], Any]
"""A rewrite hook: the node in, its replacement out."""


def _named(node: Any, parts: list[Any]) -> Any:  # Pred, Func
    return node if all(map(is_, parts, node.args)) else type(node)(node.name, tuple(parts))


def _junction(node: Any, parts: list[Any]) -> Any:  # And, Or
    return node if all(map(is_, parts, node.args)) else type(node)(tuple(parts))


def _binary(node: Any, parts: list[Any]) -> Any:  # Implies, Iff, Xor, Eq
    left, right = parts
    return node if left is node.left and right is node.right else type(node)(left, right)


def _not(node: Any, parts: list[Any]) -> Any:
    return node if parts[0] is node.body else Not(parts[0])


def _quantifier(node: Any, parts: list[Any]) -> Any:
    return node if parts[0] is node.body else type(node)(node.var, parts[0])


_BUILD: dict[type, Callable[[Any, list[Any]], Any]] = {
    Pred: _named,
    Func: _named,
    And: _junction,
    Or: _junction,
    Implies: _binary,
    Iff: _binary,
    Xor: _binary,
    Eq: _binary,
    Not: _not,
    ForAll: _quantifier,
    Exists: _quantifier,
}


def rebuild(node: N, parts: Iterable[Any]) -> N:
    """``node`` with its children replaced by ``parts`` (``node`` itself when each
    part is the child it replaces); ``parts`` may be the children with terms or without."""
    parts = list(parts)
    if not parts:
        return node
    if len(parts) != len(children(node, terms=True)) and len(parts) != len(children(node)):
        raise ValueError(f"{len(parts)} parts do not fit {type(node).__name__}")
    return _BUILD[type(node)](node, parts)


def rewrite(
    root: N,
    post: Mapping[type, Hook] | None = None,
    *,
    pre: Mapping[type, Hook] | None = None,
    terms: bool = True,
    memo: bool = True,
) -> N:
    """Bottom-up rewrite with a hook per node kind (``{Pred: f, Const: g}``).

    Each node is rebuilt from its rewritten children (the same object when
    none changed), then replaced by ``post[type(node)](node)`` if there is
    such a hook. ``pre[type(node)](node)``, if there is one, sees the node
    first; a result other than ``None`` replaces the node as it stands, and
    nothing below it is walked.
    """
    after, before = post or {}, pre or {}

    def combine(node: Any, parts: list[Any]) -> Any:
        if parts:
            node = _BUILD[type(node)](node, parts)
        hook = after.get(type(node))
        return node if hook is None else hook(node)

    def enter(node: Any) -> Any:
        hook = before.get(type(node))
        return None if hook is None else hook(node)

    return fold(root, combine, enter=enter if before else None, terms=terms, memo=memo)


# ------------------------------------------------------------------ recurse

Walk = Generator[Any, Any, T]
"""A recursion step: ``yield`` a sub-step to get its result; ``return`` the node's."""


def recurse(start: Walk[T]) -> T:
    """Run a recursion written as generators, on an explicit stack.

    Write the recursive function as a generator that evaluates each
    recursive call with ``result = yield step(child, ...)`` instead of
    calling it; ``recurse(step(root, ...))`` then runs it at any depth.
    """
    stack: list[Walk[Any]] = [start]
    value: Any = None
    while True:
        try:
            sub = stack[-1].send(value)
        except StopIteration as stop:
            stack.pop()
            if not stack:
                return stop.value
            value = stop.value
            continue
        stack.append(sub)
        value = None


class Scope:
    """The variables bound where a walk stands: ``enter`` a quantifier on the
    way down, ``leave`` it on the way up (``fold(..., memo=False)``)."""

    __slots__ = ("_count",)

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def enter(self, name: str) -> None:
        self._count[name] = self._count.get(name, 0) + 1

    def leave(self, name: str) -> None:
        left = self._count[name] - 1
        if left:
            self._count[name] = left
        else:
            del self._count[name]

    def __contains__(self, name: object) -> bool:
        return name in self._count


# --------------------------------------------------------------------- text


class Text:
    """Text made of pieces (strings or other ``Text``), linked in constant time.

    A printer that puts its children's text inside its own would copy each
    level again and take quadratic time on deep formulas; with ``cat`` and
    ``join`` it only links the pieces, and ``str()`` joins everything once.
    Never empty; ``startswith`` and ``endswith`` look at the ends only.
    """

    __slots__ = ("first", "last", "pieces", "size")

    def __init__(self, pieces: tuple[str | Text, ...]) -> None:
        self.pieces = pieces  # non-empty, each non-empty
        head, tail = pieces[0], pieces[-1]
        self.first: str = head[0] if isinstance(head, str) else head.first
        self.last: str = tail[-1] if isinstance(tail, str) else tail.last
        self.size: int = sum(map(len, pieces))

    def __len__(self) -> int:
        return self.size

    def startswith(self, prefix: str) -> bool:
        if len(prefix) == 1:
            return self.first == prefix
        return str(self).startswith(prefix)  # pragma: no cover - printers test one character

    def endswith(self, suffix: str) -> bool:
        if len(suffix) == 1:
            return self.last == suffix
        return str(self).endswith(suffix)  # pragma: no cover - printers test one character

    def __str__(self) -> str:
        out: list[str] = []
        stack: list[str | Text] = [self]
        while stack:
            piece = stack.pop()
            if isinstance(piece, str):
                out.append(piece)
            else:
                stack.extend(reversed(piece.pieces))
        return "".join(out)

    def __repr__(self) -> str:
        return f"Text({str(self)!r})"


Piece = str | Text
"""What printers build: a plain string or linked ``Text``."""

SHORT = 64
"""Strings up to this length are joined at once (cheaper than linking them)."""


def cat(*pieces: Piece) -> Piece:
    """The pieces one after the other (empty strings are dropped)."""
    kept = tuple(piece for piece in pieces if piece)
    if not kept:
        return ""
    if len(kept) == 1:
        return kept[0]
    if all(type(piece) is str for piece in kept):
        text = "".join(kept)  # type: ignore[arg-type]
        if len(text) <= SHORT:
            return text
    return Text(kept)


def join(separator: str, items: Iterable[Piece]) -> Piece:
    """``separator.join(items)``, linked rather than copied."""
    pieces: list[Piece] = []
    for item in items:
        if pieces and separator:
            pieces.append(separator)
        pieces.append(item)
    return cat(*pieces)
