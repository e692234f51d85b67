"""Bottom-up folds over formulas and terms without recursion.

Formulas may nest up to ``linc.ir.MAX_DEPTH`` levels; a recursive printer
would need two or three Python frames per level and overflow the stack.
These folds keep an explicit stack: ``combine(node, parts)`` receives the
already-combined results of the node's children, left to right.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from linc.ir import Formula, Func, Term, children

T = TypeVar("T")
N = TypeVar("N")


def fold_formula(formula: Formula, combine: Callable[[Formula, list[T]], T]) -> T:
    """Post-order fold of ``formula`` (leaves visited left to right)."""
    return _fold(formula, children, combine)


def fold_term(term: Term, combine: Callable[[Term, list[T]], T]) -> T:
    """Post-order fold of ``term`` (arguments left to right)."""
    return _fold(term, _arguments, combine)


def _arguments(term: Term) -> tuple[Term, ...]:
    return term.args if isinstance(term, Func) else ()


def _fold(root: N, kids_of: Callable[[N], tuple[N, ...]], combine: Callable[[N, list[T]], T]) -> T:
    out: list[T] = []
    stack: list[tuple[N, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        kids = kids_of(node)
        if ready or not kids:
            n = len(kids)
            parts = out[len(out) - n :] if n else []
            if n:
                del out[len(out) - n :]
            out.append(combine(node, parts))
        else:
            stack.append((node, True))
            stack.extend((kid, False) for kid in reversed(kids))
    return out[0]


def canonical(formula: Formula) -> str:
    """An exact, unambiguous text of ``formula`` (for cache keys; no recursion)."""
    import json

    from linc.ir import Const, Eq, Exists, ForAll, Pred, Var

    def term(t: Term, args: list[str]) -> str:
        if isinstance(t, Var):
            return "V" + json.dumps(t.name)
        if isinstance(t, Const):
            return "C" + json.dumps(t.name)
        return "F" + json.dumps(t.name) + "(" + ",".join(args) + ")"

    def node(f: Formula, parts: list[str]) -> str:
        if isinstance(f, Pred):
            return (
                "P" + json.dumps(f.name) + "(" + ",".join(fold_term(a, term) for a in f.args) + ")"
            )
        if isinstance(f, Eq):
            return "Eq(" + fold_term(f.left, term) + "," + fold_term(f.right, term) + ")"
        if isinstance(f, (ForAll, Exists)):
            return type(f).__name__ + "(" + json.dumps(f.var.name) + "," + parts[0] + ")"
        return type(f).__name__ + "(" + ",".join(parts) + ")"

    return fold_formula(formula, node)
