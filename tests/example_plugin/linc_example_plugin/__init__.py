"""A third-party linc backend: truth tables over ground atoms.

Registered in this package's pyproject.toml under the ``linc.backends``
entry-point group. Ground atoms (predicates applied to constants and
function terms) are propositional letters; a problem with quantifiers,
variables or equality is outside this fragment and answered UNKNOWN.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import product
from typing import ClassVar

from linc.ir import (
    And,
    Bottom,
    Eq,
    Exists,
    ForAll,
    Formula,
    Iff,
    Implies,
    Not,
    Or,
    Pred,
    Top,
    Xor,
    free_vars,
    subformulas,
)
from linc.registry import Availability
from linc.results import Limits, ProofResult, ProofStatus

MAX_ATOMS = 16


def _holds(f: Formula, world: dict[Pred, bool]) -> bool:
    if isinstance(f, Pred):
        return world[f]
    if isinstance(f, Not):
        return not _holds(f.body, world)
    if isinstance(f, And):
        return all(_holds(a, world) for a in f.args)
    if isinstance(f, Or):
        return any(_holds(a, world) for a in f.args)
    if isinstance(f, Implies):
        return (not _holds(f.left, world)) or _holds(f.right, world)
    if isinstance(f, Iff):
        return _holds(f.left, world) == _holds(f.right, world)
    if isinstance(f, Xor):
        return _holds(f.left, world) != _holds(f.right, world)
    if isinstance(f, Top):
        return True
    if isinstance(f, Bottom):
        return False
    raise ValueError(f"outside the ground fragment: {type(f).__name__}")


class TruthTableBackend:
    """Decides ground problems by enumerating every assignment of the atoms."""

    name: ClassVar[str] = "truthtable"

    def available(self) -> Availability:
        return Availability(True, version="0.1.0")

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        start = time.perf_counter()
        formulas = [*premises, goal]

        def result(status: ProofStatus, reason: str, model: str | None = None) -> ProofResult:
            return ProofResult(
                status=status,
                backend=self.name,
                seconds=time.perf_counter() - start,
                version="0.1.0",
                reason=reason,
                countermodel=model,
            )

        atoms: list[Pred] = []
        for f in formulas:
            if free_vars(f):
                return result(ProofStatus.UNKNOWN, "free variables are outside the ground fragment")
            for node in subformulas(f):
                if isinstance(node, (ForAll, Exists, Eq)):
                    return result(
                        ProofStatus.UNKNOWN, f"{type(node).__name__} is outside the ground fragment"
                    )
                if isinstance(node, Pred) and node not in atoms:
                    atoms.append(node)
        if len(atoms) > MAX_ATOMS:
            return result(ProofStatus.UNKNOWN, f"more than {MAX_ATOMS} atoms")
        for values in product((False, True), repeat=len(atoms)):
            if time.perf_counter() - start > limits.seconds:
                return result(ProofStatus.UNKNOWN, "time limit")
            world = dict(zip(atoms, values))
            if all(_holds(p, world) for p in premises) and not _holds(goal, world):
                true_atoms = sorted(repr(a) for a, v in world.items() if v)
                return result(
                    ProofStatus.NOT_PROVED, "countermodel", "true: " + ", ".join(true_atoms)
                )
        return result(ProofStatus.PROVED, "every assignment satisfies the goal")
