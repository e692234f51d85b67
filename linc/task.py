"""A task: what one sample asks the provers, built from its formulas.

A *task* is premises, the conclusion as sent to the prover and its negation
as sent to the prover. Building one closes free names and resolves (or
refuses) arity clashes, the ``linc`` preset's way or the best way:

``strict`` (the ``linc`` preset): free names that Prover9 would take for
variables are closed per formula (the negated conclusion is closed after
negating, as Prover9 closes a goal); a symbol with two arities or used as
predicate and function is an ``ArityError``.

best: free variables (and names NLTK reads as variables: one lower-case
letter and digits) are universally closed; with ``rename_arity`` clashing
symbols are renamed apart (``Owns/2`` and ``Owns/3`` become ``Owns_2`` and
``Owns_3``), and a constant renamed apart from a unary predicate of the same
name keeps the link as a premise (``Koala(x)`` and ``Quokka(Koala)``:
``Koala(Koala_c)``).

``task_key`` names a task (exactly, or up to renaming for semantic
de-duplication); ``proof_key`` names one prover call on it: the one
proof-cache key of the project.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from linc.cache import HOLE, digest, digest_frame
from linc.errors import BackendError
from linc.ir import (
    And,
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
    Var,
    Xor,
    check_arities,
    forall,
    free_vars,
)
from linc.ir import canonical as canonical_text
from linc.parsers.linc_rewrite import prover9_closure, prover9_unreadable_names
from linc.rename import rename_apart
from linc.results import Limits
from linc.walk import children, preorder, rewrite

PROOF_KEY_FORMAT = "entails-2"
DIRECTIONS = ("goal", "negation")


@dataclass(frozen=True, slots=True)
class Task:
    """One decision: premises ⊢ goal, and premises ⊢ negation."""

    premises: tuple[Formula, ...]
    goal: Formula
    negation: Formula

    @classmethod
    def of(cls, premises: Sequence[Formula], goal: Formula) -> Task:
        """The task of deciding ``goal`` from ``premises`` as written."""
        return cls(tuple(premises), goal, Not(goal))

    def target(self, direction: str) -> Formula:
        """The formula to prove in ``direction`` (``goal`` or ``negation``)."""
        return self.goal if direction == "goal" else self.negation


def make_task(
    premises: Sequence[Formula],
    goal: Formula,
    *,
    strict: bool,
    rename_arity: bool,
    repairs: list[str],
) -> Task:
    """Close free names and resolve (or refuse) arity clashes (see the module doc)."""
    if strict:
        closed = [prover9_closure(p)[0] for p in premises]
        ends = [prover9_closure(goal)[0], prover9_closure(Not(goal))[0]]
        unreadable = prover9_unreadable_names([*closed, ends[0]])
        if unreadable:
            raise BackendError(
                f"prover9 cannot read the name {unreadable[0]!r} "
                "(LINC hands NLTK names to Prover9 unchanged)"
            )
        formulas, axioms = _renamed([*closed, *ends], rename_arity, repairs)
        check_arities(formulas)
        return Task((*formulas[:-2], *axioms), formulas[-2], formulas[-1])
    formulas, axioms = _renamed(
        [*(close_free_names(p) for p in premises), close_free_names(goal)], rename_arity, repairs
    )
    check_arities(formulas)
    return Task((*formulas[:-1], *axioms), formulas[-1], Not(formulas[-1]))


def _renamed(
    formulas: list[Formula], rename_arity: bool, repairs: list[str]
) -> tuple[list[Formula], list[Formula]]:
    """``formulas`` with clashing symbols renamed apart (when asked), and the kind axioms."""
    if not rename_arity:
        return formulas, []
    renaming = rename_apart(formulas)
    if renaming.changed:
        repairs.append("arity_rename")
    if renaming.axioms:
        repairs.append("kind_axiom")
    return renaming.formulas, renaming.axioms


_NLTK_VARIABLE = re.compile(r"^[a-z][0-9]*$")


def close_free_names(formula: Formula) -> Formula:
    """Universally close free variables and names NLTK reads as variables.

    NLTK takes one lower-case letter optionally followed by digits (``x``,
    ``y2``) for an individual variable; used free, the model forgot its
    quantifier, and the universal reading is the intended one (it is also
    how Prover9 reads it). Other free names stay constants.
    """
    names = [n for n in _free_const_names(formula) if _NLTK_VARIABLE.match(n)]
    free = sorted(free_vars(formula))
    if names:
        formula = _rename_terms(formula, {n: Var(n) for n in names})
    todo = list(dict.fromkeys([*names, *free]))
    return forall(todo, formula) if todo else formula


def _free_const_names(formula: Formula) -> list[str]:
    """Every constant's name, in order of first occurrence (constants are never bound)."""
    out: dict[str, None] = {}
    for node in preorder(formula, terms=True):
        if isinstance(node, Const):
            out.setdefault(node.name, None)
    return list(out)


def _rename_terms(formula: Formula, mapping: dict[str, Term]) -> Formula:
    """Replace constants named in ``mapping`` (not bound variables) by terms."""
    return rewrite(formula, {Const: lambda c: mapping.get(c.name, c)})


# ------------------------------------------------------------------ keys


def task_key(task: Task, *, semantic: bool = False) -> str:
    """A key that equal tasks share.

    Exact: the tasks are the same IR. Semantic: the same premise set (order
    and repeats ignored) and goal up to a consistent renaming of symbols and
    bound variables.
    """
    if not semantic:
        parts = [canonical_text(f) for f in (*task.premises, task.goal, task.negation)]
        return digest(["exact", parts])
    return digest(["semantic", canonical(task)])


def canonical(task: Task) -> str:
    """A name-independent text of the task (see ``task_key``)."""
    exact = {canonical_text(f): f for f in task.premises}  # repeats dropped
    premises = sorted(exact.items(), key=lambda item: (_shape(item[1]), item[0]))
    namer = _Canon()
    parts = [namer.formula(task.goal)] + sorted({namer.formula(p) for _, p in premises})
    return "|".join(parts)


def _shape(formula: Formula) -> str:
    """The formula's text with every name erased (a renaming-invariant sort key)."""
    return _Canon(erase=True).formula(formula)


_OPERATORS = {And: "&", Or: "|", Implies: ">", Iff: "=", Xor: "^", Eq: "==", Not: "~"}


class _Canon:
    """Prints formulas in prefix notation with symbols renamed in order of first use
    and bound variables named by their depth (``v0``, ``v1``...)."""

    def __init__(self, *, erase: bool = False) -> None:
        self.erase = erase
        self.names: dict[tuple[str, str, int], str] = {}

    def _name(self, role: str, name: str, arity: int) -> str:
        if self.erase:
            return role
        key = (role, name, arity)
        if key not in self.names:
            self.names[key] = f"{role}{len(self.names)}"
        return self.names[key]

    def formula(self, formula: Formula) -> str:
        out: list[str] = []
        stack: list[tuple[Formula | Term, dict[str, str]]] = [(formula, {})]
        while stack:
            node, bound = stack.pop()
            if isinstance(node, Var):
                out.append(bound.get(node.name, "?" + node.name))
                continue
            if isinstance(node, (ForAll, Exists)):
                bound = {**bound, node.var.name: f"v{len(bound)}"}
                out.append(("A" if isinstance(node, ForAll) else "E") + bound[node.var.name])
            elif isinstance(node, (Pred, Func, Const)):
                role = "P" if isinstance(node, Pred) else "c" if isinstance(node, Const) else "f"
                arity = 0 if isinstance(node, Const) else len(node.args)
                out.append(f"{self._name(role, node.name, arity)}/{arity}")
            elif isinstance(node, (And, Or)):
                out.append(f"{_OPERATORS[type(node)]}{len(node.args)}")
            else:
                out.append(_OPERATORS.get(type(node), type(node).__name__))
            stack.extend((kid, bound) for kid in reversed(children(node, terms=True)))
        return " ".join(out)


def proof_key(*, backend: str, version: str, limits: Limits, task_id: str, direction: str) -> str:
    """The proof-cache key of one prover call: the one key every path uses.

    ``task_id`` is ``task_key(task)`` (premises, goal and negation as IR);
    with the backend, its version, the limits and the direction it fixes
    the prover input. It is ``digest`` of ``{"format", "backend", "version",
    "limits", "task", "direction"}``.
    """
    frame = proof_key_frame(backend=backend, version=version, limits=limits, direction=direction)
    return frame(task_id)


def proof_key_frame(
    *, backend: str, version: str, limits: Limits, direction: str
) -> Callable[[str], str]:
    """``task_id -> proof_key(...)`` for one backend, version, limits and direction: the
    JSON and hash of everything but the task are done once (the keys are the same)."""
    return digest_frame(
        {
            "format": PROOF_KEY_FORMAT,
            "backend": backend,
            "version": version,
            "limits": limits.as_json,
            "task": HOLE,
            "direction": direction,
        }
    )
