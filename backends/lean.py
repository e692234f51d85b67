"""Lean 4: ``premises ⊢ goal`` printed as a theorem, checked by ``lean``.

The printed file declares, inside ``namespace LincProblem``, an opaque type
``U`` of individuals (with an axiom that it is inhabited, as first-order
logic assumes), one ``axiom`` per predicate, function and constant, and

    theorem linc_goal : (premise₁) → (premise₂) → … → conclusion := by …

Identifiers are sanitised and mapped injectively: only ``[A-Za-z0-9_]``,
never a Lean keyword or a name the file itself uses, so a model's ``#eval``
or ``import`` can never become a Lean command.

The backend runs only when ``lean`` is on ``PATH`` (or ``$LINC_LEAN``).
Lean accepting the file is a proof (PROVED); a failing tactic proves
nothing either way, so it is UNKNOWN, never NOT_PROVED. The tactic is
``limits.options["lean_tactic"]`` when set, else ``DEFAULT_TACTIC``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import textwrap
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from linc import walk
from linc.backends import process
from linc.backends.naming import Namer, plain
from linc.errors import BackendUnavailable
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

ENV_BINARY = "LINC_LEAN"
INSTALL_HINT = (
    "install Lean 4 with elan (https://github.com/leanprover/elan) so that `lean` is on PATH"
)
SORT = "U"
NAMESPACE = "LincProblem"
THEOREM = "linc_goal"
DEFAULT_TACTIC = "intros\nsimp_all"
WALL_GRACE = 0.5

RESERVED = frozenset(
    {
        # keywords and commands
        "import", "open", "namespace", "section", "end", "variable", "universe", "theorem", "lemma",
        "def", "axiom", "axioms", "opaque", "instance", "class", "structure", "inductive", "where",
        "extends", "fun", "let", "have", "show", "from", "by", "at", "in", "if", "then", "else", "do",
        "match", "with", "return", "for", "unless", "mut", "calc", "suffices", "obtain", "deriving",
        "private", "protected", "noncomputable", "partial", "unsafe", "mutual", "example", "abbrev",
        "macro", "macro_rules", "syntax", "notation", "infix", "infixl", "infixr", "prefix", "postfix",
        "set_option", "attribute", "local", "scoped", "export", "renaming", "hiding", "termination_by",
        "decreasing_by", "nomatch", "nofun", "forall", "exists", "this", "sorry", "rfl", "admit",
        "elab", "elab_rules", "initialize", "builtin_initialize", "omit", "include", "using", "only",
        "Type", "Sort", "Prop", "True", "False", "Not", "And", "Or", "Iff", "Eq", "Ne", "Exists",
        "Nonempty", "Inhabited", "Classical", "_root_",
        # names this file declares
        SORT, NAMESPACE, THEOREM, "nonempty_U",
    }
)  # fmt: skip

_VERSION = re.compile(r"Lean \(version ([^,)\s]+)")


def _identifier(raw: str) -> str:
    out = plain(raw)
    return out if out and out[0].isalpha() else "n" + out


class Printer:
    """Prints IR as Lean 4 propositions over ``U``; one printer per file."""

    __slots__ = ("names", "symbols")

    def __init__(self) -> None:
        self.names = Namer(reserved=RESERVED)
        self.symbols: dict[str, str] = {}  # declared identifier -> its Lean type

    def _symbol(self, role: str, name: str, arity: int) -> str:
        ident = self.names.get((role, name, arity), name, _identifier)
        if ident not in self.symbols:
            result = "Prop" if role == "pred" else SORT
            self.symbols[ident] = " → ".join([SORT] * arity + [result])
        return ident

    def term(self, t: Term) -> str:
        return str(self._text(t))

    def _text(self, t: Term) -> Piece:
        return walk.fold(t, self._term, terms=True)

    def _term(self, t: Term, args: list[Piece]) -> Piece:
        if isinstance(t, Var):
            return self.names.get(("var", t.name), t.name, _identifier)
        if isinstance(t, Const):
            return self._symbol("func", t.name, 0)
        name = self._symbol("func", t.name, len(t.args))
        return cat("(", name, " ", join(" ", args), ")")

    def formula(self, f: Formula) -> str:
        return str(walk.fold(f, self._formula))

    def _formula(self, f: Formula, parts: list[Piece]) -> Piece:
        if isinstance(f, Pred):
            name = self._symbol("pred", f.name, len(f.args))
            if not f.args:
                return name
            return cat("(", name, " ", join(" ", [self._text(a) for a in f.args]), ")")
        if isinstance(f, Eq):
            left, right = self._text(f.left), self._text(f.right)
            return cat("(", left, " = ", right, ")")
        if isinstance(f, Not):
            return cat("(¬", parts[0], ")")
        if isinstance(f, And):
            return cat("(", join(" ∧ ", parts), ")")
        if isinstance(f, Or):
            return cat("(", join(" ∨ ", parts), ")")
        if isinstance(f, Implies):
            return cat("(", parts[0], " → ", parts[1], ")")
        if isinstance(f, Iff):
            return cat("(", parts[0], " ↔ ", parts[1], ")")
        if isinstance(f, Xor):  # core Lean has no Prop-valued xor
            return cat("(¬(", parts[0], " ↔ ", parts[1], "))")
        if isinstance(f, (ForAll, Exists)):
            q = "∀" if isinstance(f, ForAll) else "∃"
            return cat("(", q, " ", self.term(f.var), " : ", SORT, ", ", parts[0], ")")
        if isinstance(f, Top):
            return "True"
        if isinstance(f, Bottom):
            return "False"
        raise TypeError(f"not a formula: {f!r}")


def format_proposition(
    premises: Sequence[Formula], goal: Formula, *, printer: Printer | None = None
) -> str:
    """``(premise₁) → … → conclusion`` as a Lean proposition."""
    printer = printer or Printer()
    parts = [printer.formula(closure(p)) for p in premises] + [printer.formula(closure(goal))]
    return " → ".join(parts)


def format_theorem(
    premises: Sequence[Formula], goal: Formula, *, tactic: str = DEFAULT_TACTIC
) -> str:
    """A self-contained Lean 4 file stating ``premises → goal`` as a theorem."""
    printer = Printer()
    statement = format_proposition(premises, goal, printer=printer)
    lines = [
        f"namespace {NAMESPACE}",
        "",
        f"opaque {SORT} : Type",
        f"axiom nonempty_U : Nonempty {SORT}",
    ]
    lines += [f"axiom {ident} : {typ}" for ident, typ in printer.symbols.items()]
    lines += [
        "",
        f"theorem {THEOREM} : {statement} := by",
        *("  " + line for line in textwrap.dedent(tactic).strip("\n").splitlines()),
        "",
        f"end {NAMESPACE}",
    ]
    return "\n".join(lines) + "\n"


class LeanBackend:
    """Lean 4 with a fixed tactic; proofs only (a failed tactic is UNKNOWN)."""

    name: ClassVar[str] = "lean"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._found: tuple[str | None, str | None, Availability] | None = None

    def available(self) -> Availability:
        env = os.environ.get(ENV_BINARY)
        path_var = os.environ.get("PATH")
        with self._lock:
            if self._found is None or self._found[:2] != (env, path_var):
                self._found = (env, path_var, self._locate(env))
            return self._found[2]

    def _locate(self, env: str | None) -> Availability:
        binary = env or shutil.which("lean")
        if not binary:
            return Availability(
                False, "lean is not on PATH (no Lean 4 toolchain installed)", INSTALL_HINT
            )
        try:
            done = process.run([binary, "--version"], seconds=30.0)
        except (OSError, process.ProverKilled) as exc:
            return Availability(False, f"{binary} does not run: {exc}", INSTALL_HINT)
        match = _VERSION.search(done.stdout)
        if match is None or not match.group(1).startswith("4"):
            return Availability(
                False, f"{binary} is not Lean 4: {done.stdout.strip()[:80]}", INSTALL_HINT
            )
        return Availability(True, version=match.group(1))

    def input_text(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> str:
        return format_theorem(
            premises, goal, tactic=str(limits.options.get("lean_tactic", DEFAULT_TACTIC))
        )

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        availability = self.available()
        if not availability:
            raise BackendUnavailable(self.name, availability.reason, availability.hint)
        binary = os.environ.get(ENV_BINARY) or shutil.which("lean") or "lean"
        source = self.input_text(premises, goal, limits=limits)
        with tempfile.TemporaryDirectory(prefix="linc-lean-") as tmp:
            path = Path(tmp) / "Problem.lean"
            path.write_text(source, encoding="utf-8")
            done = process.run(
                [binary, str(path)], seconds=limits.seconds + WALL_GRACE, memory_mb=limits.memory_mb
            )
        output = (done.stdout + done.stderr).strip()
        if done.killed:
            status, reason = (
                ProofStatus.UNKNOWN,
                f"killed at the wall-clock limit ({limits.seconds:g} s)",
            )
        elif done.returncode == 0 and "sorry" not in output and "error" not in output:
            status, reason = ProofStatus.PROVED, "lean accepted the theorem"
        else:
            status, reason = ProofStatus.UNKNOWN, f"tactic failed: {output[:300]}"
        return ProofResult(
            status=status,
            backend=self.name,
            seconds=done.seconds,
            version=availability.version,
            reason=reason,
        )
