"""Z3 (``z3-solver``), in process: terms over one uninterpreted sort.

Each call gets its own ``z3.Context``, so calls may run in parallel threads.
``premises ∧ ¬goal`` is checked: ``unsat`` is a proof (the unsat core names
the premises used), ``sat`` a countermodel, ``unknown`` a limit or an
incompleteness of Z3's quantifier reasoning. The solver gets Z3's own
``timeout`` (milliseconds) and, when ``limits.options["rlimit"]`` is set, a
resource limit; a watchdog interrupts the context shortly after the wall
limit in case the solver does not stop by itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from itertools import product
from typing import TYPE_CHECKING, Any, ClassVar

from linc import walk
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
    canonical,
    closure,
)
from linc.registry import Availability
from linc.results import Limits, ProofResult, ProofStatus

if TYPE_CHECKING:  # pragma: no cover
    import z3 as z3mod

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install z3-solver"
WATCHDOG_GRACE = 0.5
CTRL_C_BEFORE = 0.95
"""A ``canceled`` before this share of the timeout is Ctrl-C, not Z3's own timeout."""
MODEL_MAX_ELEMENTS = 8
MODEL_MAX_ROWS = 400
TRANSLATION_VERSION = "1"
"""Bumped whenever the IR-to-Z3 translation changes meaning (cache keys use it)."""


def _z3() -> Any:
    import z3

    return z3


class Translator:
    """IR to Z3 terms inside one context; one translator per prover call."""

    def __init__(self, ctx: z3mod.Context) -> None:
        z3 = _z3()
        self.z3 = z3
        self.ctx = ctx
        self.sort = z3.DeclareSort("U", ctx)
        self.bool = z3.BoolSort(ctx)
        self.preds: dict[tuple[str, int], Any] = {}
        self.funcs: dict[tuple[str, int], Any] = {}
        self.vars: dict[str, Any] = {}

    def pred(self, name: str, arity: int) -> Any:
        key = (name, arity)
        decl = self.preds.get(key)
        if decl is None:
            decl = self.z3.Function(name, *([self.sort] * arity), self.bool)
            self.preds[key] = decl
        return decl

    def func(self, name: str, arity: int) -> Any:
        key = (name, arity)
        decl = self.funcs.get(key)
        if decl is None:
            decl = self.z3.Function(name, *([self.sort] * arity), self.sort)
            self.funcs[key] = decl
        return decl

    def var(self, name: str) -> Any:
        """The bound-variable constant for ``name`` (fresh: never a user symbol).

        One per name is enough: ``z3.ForAll([v], body)`` abstracts the free
        occurrences of ``v`` in ``body``, and an inner quantifier over the same
        name has already abstracted its own.
        """
        found = self.vars.get(name)
        if found is None:
            found = self.z3.FreshConst(self.sort, prefix=name)
            self.vars[name] = found
        return found

    def term(self, t: Term) -> Any:
        return walk.fold(t, self._term, terms=True, memo=False)

    def _term(self, t: Term, args: list[Any]) -> Any:
        if isinstance(t, Var):
            return self.var(t.name)
        if isinstance(t, Const):
            return self.func(t.name, 0)()
        return self.func(t.name, len(t.args))(*args)

    def formula(self, f: Formula) -> Any:
        # no memo: held results would keep Z3 from reusing the ids of the
        # bodies it abstracts, and the ids name the lets of format_smt2
        return walk.fold(f, self._formula, memo=False)

    def _formula(self, f: Formula, parts: list[Any]) -> Any:
        z3 = self.z3
        if isinstance(f, Pred):
            decl = self.pred(f.name, len(f.args))
            return decl(*(self.term(a) for a in f.args)) if f.args else decl()
        if isinstance(f, Eq):
            return self.term(f.left) == self.term(f.right)
        if isinstance(f, Not):
            return z3.Not(parts[0])
        if isinstance(f, And):
            return z3.And(*parts)
        if isinstance(f, Or):
            return z3.Or(*parts)
        if isinstance(f, Implies):
            return z3.Implies(parts[0], parts[1])
        if isinstance(f, Iff):
            return parts[0] == parts[1]
        if isinstance(f, Xor):
            return z3.Xor(parts[0], parts[1])
        if isinstance(f, (ForAll, Exists)):
            return (z3.ForAll if isinstance(f, ForAll) else z3.Exists)(
                [self.var(f.var.name)], parts[0]
            )
        if isinstance(f, Top):
            return z3.BoolVal(True, self.ctx)
        if isinstance(f, Bottom):
            return z3.BoolVal(False, self.ctx)
        raise TypeError(f"not a formula: {f!r}")


def format_smt2(premises: Sequence[Formula], goal: Formula) -> str:
    """The SMT-LIB 2 problem Z3 is given for ``premises ⊢ goal``."""
    z3 = _z3()
    ctx = z3.Context()
    tr = Translator(ctx)
    solver = z3.Solver(ctx=ctx)
    for i, premise in enumerate(premises):
        solver.assert_and_track(tr.formula(closure(premise)), z3.FreshBool(f"premise{i}", ctx))
    solver.add(z3.Not(tr.formula(closure(goal))))
    return solver.to_smt2()


class Watchdog:
    """One daemon thread that interrupts Z3 contexts past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[float, Any]] = {}
        self._next = 0
        self._fired: set[int] = set()
        self._thread: threading.Thread | None = None

    def watch(self, ctx: Any, seconds: float) -> int:
        with self._cond:
            self._next += 1
            self._deadlines[self._next] = (time.monotonic() + seconds, ctx)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="linc-z3-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()
            return self._next

    def release(self, ticket: int) -> bool:
        """Stop watching ``ticket``; True when the watchdog interrupted its context."""
        with self._cond:
            self._deadlines.pop(ticket, None)
            fired = ticket in self._fired
            self._fired.discard(ticket)
            return fired

    def _loop(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for ticket, (deadline, ctx) in list(self._deadlines.items()):
                    if deadline <= now:
                        del self._deadlines[ticket]
                        self._fired.add(ticket)
                        log.warning("z3 did not stop at its timeout; interrupting it")
                        ctx.interrupt()
                wait = min((d for d, _ in self._deadlines.values()), default=now + 60) - now
                self._cond.wait(timeout=max(wait, 0.01))


class Z3Backend:
    """Z3 over an uninterpreted sort of individuals."""

    name: ClassVar[str] = "z3"

    def __init__(self) -> None:
        self._availability: Availability | None = None
        self._memory_mb: int | None = None
        self._watchdog = Watchdog()

    def available(self) -> Availability:
        if self._availability is None:
            try:
                z3 = _z3()
            except ImportError as exc:
                self._availability = Availability(
                    False, f"z3 is not importable: {exc}", INSTALL_HINT
                )
            else:
                self._availability = Availability(True, version=z3.get_version_string())
        return self._availability

    def input_text(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> str:
        """A canonical text of the call (for cache keys)."""
        lines = [
            f"z3-translation {TRANSLATION_VERSION}",
            *(canonical(p) for p in premises),
            canonical(goal),
        ]
        return "\n".join(lines)

    def entails(self, premises: Sequence[Formula], goal: Formula, *, limits: Limits) -> ProofResult:
        availability = self.available()
        if not availability:
            raise BackendUnavailable(self.name, availability.reason, availability.hint)
        z3 = _z3()
        start = time.perf_counter()
        ctx = z3.Context()
        ticket: int | None = None
        try:
            tr = Translator(ctx)
            solver = z3.Solver(ctx=ctx)
            solver.set("timeout", max(1, int(limits.seconds * 1000)))
            if "rlimit" in limits.options:
                solver.set("rlimit", int(limits.options["rlimit"]))
            if limits.memory_mb is not None and limits.memory_mb != self._memory_mb:
                z3.set_param("memory_max_size", int(limits.memory_mb))  # process-wide in Z3
                self._memory_mb = limits.memory_mb
            trackers = []
            for i, premise in enumerate(premises):
                tracker = z3.FreshBool(prefix=f"premise{i}", ctx=ctx)
                trackers.append(tracker)
                solver.assert_and_track(tr.formula(closure(premise)), tracker)
            solver.add(z3.Not(tr.formula(closure(goal))))
            ticket = self._watchdog.watch(ctx, limits.seconds + WATCHDOG_GRACE)
            began = time.monotonic()
            try:
                answer = solver.check()
            except z3.Z3Exception as exc:  # out of memory, interrupted
                self._stop_if_ctrl_c(str(exc), solver, limits, began, ticket)
                return self._result(ProofStatus.UNKNOWN, start, f"z3: {exc}")
            if answer == z3.unsat:
                names = {str(t): i for i, t in enumerate(trackers)}
                used = tuple(sorted(names[str(c)] for c in solver.unsat_core() if str(c) in names))
                return self._result(ProofStatus.PROVED, start, "unsat", used_premises=used)
            if answer == z3.sat:
                # limits.options["countermodel"] = False skips the (costly) readable model
                model = (
                    _describe_model(tr, solver.model())
                    if limits.options.get("countermodel", True)
                    else None
                )
                return self._result(ProofStatus.NOT_PROVED, start, "sat", countermodel=model)
            reason = solver.reason_unknown() or "unknown"
            self._stop_if_ctrl_c(reason, solver, limits, began, ticket)
            return self._result(ProofStatus.UNKNOWN, start, reason)
        finally:
            if ticket is not None:
                self._watchdog.release(ticket)

    def _stop_if_ctrl_c(
        self, reason: str, solver: Any, limits: Limits, began: float, ticket: int
    ) -> None:
        """Raise ``KeyboardInterrupt`` when Z3 stopped for Ctrl-C, not for one of our limits.

        While it solves, Z3 catches SIGINT itself (its ``ctrl_c`` parameter)
        and returns ``unknown`` with the reason ``canceled``, so Python never
        sees the signal; read as a limit reached, it would be an ``UNKNOWN``
        that a proof cache keeps. Z3 also says ``canceled`` for its own
        timeout (when premises are tracked), its resource limit and the
        watchdog's interrupt, so each of those is ruled out first.
        """
        if "canceled" not in reason or self._watchdog.release(ticket):
            return
        if time.monotonic() - began >= CTRL_C_BEFORE * limits.seconds:
            return
        rlimit = limits.options.get("rlimit")
        if rlimit is not None and _rlimit_count(solver) >= int(rlimit):
            return
        raise KeyboardInterrupt("z3 was interrupted (SIGINT)")

    def _result(self, status: ProofStatus, start: float, reason: str, **extra: Any) -> ProofResult:
        return ProofResult(
            status=status,
            backend=self.name,
            seconds=time.perf_counter() - start,
            version=self.available().version,
            reason=reason,
            **extra,
        )


def _rlimit_count(solver: Any) -> int:
    """Resource units Z3 spent in this solver (its ``rlimit count`` statistic)."""
    try:
        return int(solver.statistics().get_key_value("rlimit count"))
    except _z3().Z3Exception:  # no such statistic in this Z3
        return 0


def _describe_model(tr: Translator, model: Any) -> str:
    """A readable countermodel: the domain, constants, functions, true atoms."""
    z3 = tr.z3
    try:
        universe = list(model.get_universe(tr.sort) or [])
    except z3.Z3Exception:
        universe = []
    label = {e.get_id(): f"e{i}" for i, e in enumerate(universe)}

    def show(value: Any) -> str:
        found = label.get(value.get_id())
        return found if found is not None else value.sexpr()

    if not universe or len(universe) > MODEL_MAX_ELEMENTS:
        lines = [f"domain: {len(universe)} elements (too many to list; constants only)"]
        for (name, arity), decl in sorted(tr.funcs.items()):
            if arity == 0:
                lines.append(f"{name} = {show(model.eval(decl(), model_completion=True))}")
        return "\n".join(lines)
    lines = [f"domain: {', '.join(label.values())}"]
    rows = 0
    for (name, arity), decl in sorted(tr.funcs.items()):
        if arity == 0:
            lines.append(f"{name} = {show(model.eval(decl(), model_completion=True))}")
            continue
        for args in product(universe, repeat=arity):
            rows += 1
            if rows > MODEL_MAX_ROWS:
                break
            value = model.eval(decl(*args), model_completion=True)
            lines.append(f"{name}({', '.join(show(a) for a in args)}) = {show(value)}")
    for (name, arity), decl in sorted(tr.preds.items()):
        if arity == 0:
            lines.append(f"{name}: {z3.is_true(model.eval(decl(), model_completion=True))}")
            continue
        true_rows = []
        for args in product(universe, repeat=arity):
            rows += 1
            if rows > MODEL_MAX_ROWS:
                break
            if z3.is_true(model.eval(decl(*args), model_completion=True)):
                true_rows.append(
                    f"({', '.join(show(a) for a in args)})" if arity > 1 else show(args[0])
                )
        lines.append(f"{name}: {{{', '.join(true_rows)}}}")
    if rows > MODEL_MAX_ROWS:
        lines.append("… (truncated)")
    return "\n".join(lines)
