"""Renaming symbols apart where one name is used at several arities or roles.

Models write ``Owns(x, y)`` beside ``Owns(x)``, or ``Koala(x)`` beside
``Quokka(Koala)``; provers refuse such a signature (LINC's largest error
class). ``rename_clashes`` gives each use its own name and ``kind_axioms``
restores the one link a shared name states. Used by replay's best mode and by
``linc.Reasoner`` under the ``best`` vote.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from linc import walk
from linc.ir import Const, Eq, Formula, Func, Pred, Term, signature


def map_formula(
    formula: Formula, *, pred: Callable[[Pred], Formula], term: Callable[[Term], Term]
) -> Formula:
    """``formula`` with ``pred`` applied to each atom and ``term`` to each equation side."""

    def equation(node: Eq) -> Eq:
        return Eq(term(node.left), term(node.right))

    return walk.rewrite(formula, {Pred: pred, Eq: equation}, terms=False)


def rename_clashes(formulas: Sequence[Formula]) -> tuple[list[Formula], bool]:
    """Rename symbols apart where one name is used at several arities or roles.

    A predicate used at arities 2 and 3 becomes ``Name_2`` and ``Name_3``; a
    function or constant that shares its name with a predicate (or with a
    function of another arity) gets ``_fN`` (``_c`` for a constant).
    Returns the formulas and whether anything changed.
    """
    pred_names, func_names = _clash_names(formulas)
    if not pred_names and not func_names:
        return list(formulas), False

    def const(c: Const) -> Const:
        new = func_names.get((c.name, 0))
        return c if new is None else Const(new)

    def func(f: Func) -> Func:
        new = func_names.get((f.name, len(f.args)))
        return f if new is None else Func(new, f.args)

    def pred(p: Pred) -> Pred:
        new = pred_names.get((p.name, len(p.args)))
        return p if new is None else Pred(new, p.args)

    hooks: dict[type, walk.Hook] = {Const: const, Func: func, Pred: pred}
    return [walk.rewrite(f, hooks) for f in formulas], True


def _clash_names(
    formulas: Sequence[Formula],
) -> tuple[dict[tuple[str, int], str], dict[tuple[str, int], str]]:
    """The new names ``rename_clashes`` gives: (name, arity) → name, for predicates and for functions."""
    sig = signature(formulas)
    preds = {name: ar for (role, name), ar in sig.items() if role == "pred"}
    funcs = {name: ar for (role, name), ar in sig.items() if role == "func"}
    bad_preds = {n for n, ar in preds.items() if len(ar) > 1}
    bad_funcs = {n for n, ar in funcs.items() if len(ar) > 1 or n in preds}
    taken = {name for _, name in sig}

    def fresh(base: str) -> str:
        out, i = base, 2
        while out in taken:
            out, i = f"{base}_{i}", i + 1
        taken.add(out)
        return out

    pred_names = {(n, a): fresh(f"{n}_{a}") for n in sorted(bad_preds) for a in sorted(preds[n])}
    func_names = {
        (n, a): fresh(f"{n}_c" if a == 0 else f"{n}_f{a}")
        for n in sorted(bad_funcs)
        for a in sorted(funcs[n])
    }
    return pred_names, func_names


def kind_axioms(formulas: Sequence[Formula]) -> list[Formula]:
    """``P(c)`` for each constant ``c`` that ``rename_clashes`` renames apart from a unary predicate ``P``.

    A model that writes both ``Koala(x)`` and ``Quokka(Koala)`` names a koala
    (or koalas as a kind) by its kind; renaming the constant apart
    (``Koala_c``) keeps the formulas well-formed but cuts the constant off
    from everything said about koalas, and ``Koala(Koala_c)`` keeps the link
    the shared name states. Only where the predicate is used at arity 1
    alone: the name of a relation used as a constant (``Rent/2`` and
    ``Rent``) says nothing to restore. ``formulas`` are the ones before renaming.
    """
    pred_names, func_names = _clash_names(formulas)
    unary = {
        name for (role, name), ar in signature(formulas).items() if role == "pred" and ar == {1}
    }
    return [
        Pred(name, (Const(new),))
        for (name, arity), new in sorted(func_names.items())
        if arity == 0 and name in unary and (name, 1) not in pred_names
    ]


class Renaming(NamedTuple):
    """What ``rename_apart`` made of a sample's formulas."""

    formulas: list[Formula]
    axioms: list[Formula]
    """Premises that keep the link a shared name stated (``kind_axioms``)."""
    changed: bool


def rename_apart(formulas: Sequence[Formula]) -> Renaming:
    """``rename_clashes`` with its ``kind_axioms``: the one way both replay's
    best mode and the live ``Reasoner`` resolve an arity clash."""
    renamed, changed = rename_clashes(formulas)
    return Renaming(renamed, kind_axioms(formulas) if changed else [], changed)
