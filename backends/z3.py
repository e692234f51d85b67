"""Z3 (``z3-solver``), in process: terms over one uninterpreted sort.

Calls may run in parallel threads: each holds a ``z3.Context`` of its own
while it runs. Contexts are pooled (creating one costs milliseconds, a large
share of a small problem), and a context is pooled again only after a clean
``sat``/``unsat``: one that was interrupted, cancelled or hit a limit is dropped.
``premises ∧ ¬goal`` is checked: ``unsat`` is a proof (the unsat core names
the premises used), ``sat`` a countermodel, ``unknown`` a limit or an
incompleteness of Z3's quantifier reasoning. The solver gets Z3's own
``timeout`` (milliseconds) and, when ``limits.options["rlimit"]`` is set, a
resource limit; a watchdog interrupts the context shortly after the wall
limit in case the solver does not stop by itself. The wall limit covers the
translation too: a translation that outlasts it is an ``UNKNOWN`` ("limit
reached while translating").

Z3 never sees SIGINT (its ``ctrl_c`` parameter is off): had it caught the
signal, it would answer ``unknown`` as for a limit, and a proof cache would
keep that. On the main thread of a main process the call runs in a helper thread, so
Ctrl-C (or SIGTERM in the CLI) reaches Python at once; the call is then
cancelled with every other prover call of the process
(``linc.backends.process.LIVE``), and a cancelled call raises
``KeyboardInterrupt``: it never returns a result. Every Z3 object lives in
the thread that does the work, so no Z3 ``__del__`` runs where a signal
lands.

Symbols are renamed to SMT-LIB simple symbols (``naming.Namer``): plain
identifiers, never a reserved word or a Z3 built-in, distinct from each
other, so ``format_smt2`` prints a problem that Z3's own parser reads.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Sequence
from itertools import product
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

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
REFIRE = 0.05
"""Seconds between the watchdog's interrupts of a context that is past its deadline or cancelled."""
TRANSLATING = "limit reached while translating"
MODEL_MAX_ELEMENTS = 8
MODEL_MAX_ROWS = 400
TRANSLATION_VERSION = "1"
"""Bumped whenever the IR-to-Z3 translation changes meaning (cache keys use it)."""


_T = TypeVar("_T")

RESERVED = frozenset(
    {
        # SMT-LIB 2.6 reserved words and the core theory
        "_", "as", "let", "exists", "forall", "match", "par", "NUMERAL", "DECIMAL", "STRING",
        "BINARY", "HEXADECIMAL", "true", "false", "not", "and", "or", "xor", "ite", "distinct",
        "assert", "check", "declare", "define", "push", "pop", "exit", "echo",
        # Z3 built-ins a declared name could be read as (ints, reals, arrays, sets, bit-vectors)
        "abs", "div", "mod", "rem", "to_real", "to_int", "is_int", "select", "store",
        "const", "map", "default", "union", "intersection", "difference", "complement",
        "subset", "member", "bv2int", "int2bv", "bvnot", "concat", "extract", "repeat",
        "min", "max", "Int", "Real", "Bool", "Array", "Set", "U",
    }
)  # fmt: skip
"""Names a user symbol never gets (``U`` is the sort of individuals)."""


def _z3() -> Any:
    import z3

    return z3


def installed_version() -> str | None:
    """``z3.get_version_string()`` without importing z3: the ``z3-solver`` distribution's
    version less its fourth part (``4.13.0.0`` -> ``4.13.0``), when that distribution
    holds the ``z3`` package Python finds and its native library; else None."""
    import importlib.metadata
    import importlib.util
    from pathlib import Path

    try:
        spec = importlib.util.find_spec("z3")
        dist = importlib.metadata.distribution("z3-solver")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    origin = Path(spec.origin)
    if Path(str(dist.locate_file("z3/__init__.py"))).resolve() != origin.resolve():
        return None
    if not any((origin.parent / "lib").glob("libz3*")):
        return None
    parts = (dist.version or "").split(".")
    if len(parts) != 4 or not all(part.isdigit() for part in parts):
        return None
    return ".".join(parts[:3])


def _symbol_shape(raw: str) -> str:
    """An SMT-LIB simple symbol for ``raw``: ``[A-Za-z][A-Za-z0-9_]*``."""
    out = plain(raw)
    return out if out[:1].isalpha() else "s_" + out


class OutOfTime(Exception):
    """The wall limit passed while the problem was being translated."""


class Translator:
    """IR to Z3 terms inside one context; one translator per prover call."""

    def __init__(
        self,
        ctx: z3mod.Context,
        *,
        deadline: float | None = None,
        stopped: threading.Event | None = None,
    ) -> None:
        """``deadline`` (``time.monotonic()``) and ``stopped`` are checked at every
        formula node: ``OutOfTime`` past the first, ``KeyboardInterrupt`` once the second is set."""
        z3 = _z3()
        self.z3 = z3
        self.ctx = ctx
        self.sort = z3.DeclareSort("U", ctx)
        self.bool = z3.BoolSort(ctx)
        self.preds: dict[tuple[str, int], Any] = {}
        self.funcs: dict[tuple[str, int], Any] = {}
        self.vars: dict[str, Any] = {}
        self.names = Namer(reserved=RESERVED)
        self.deadline = deadline
        self.stopped = stopped
        # the terms are built with Z3's C API as z3's own wrappers build them, less their
        # sort checks and coercions (the translator's sorts always fit): the same terms
        from z3 import z3core

        self._core = z3core
        self._ref = ctx.ref()
        self._array = z3.Ast
        self._bool_ref, self._expr_ref, self._quantifier = z3.BoolRef, z3.ExprRef, z3.QuantifierRef
        self._no_name = z3.to_symbol("", ctx)  # a quantifier's qid and skolem id, as z3.ForAll
        self._no_patterns = (z3.Pattern * 0)()
        self._no_asts = (z3.Ast * 0)()

    def _app(self, decl: Any, args: Sequence[Any], wrap: Any) -> Any:
        """``decl(*args)``, wrapped as ``wrap`` (``BoolRef`` for a predicate, else ``ExprRef``)."""
        n = len(args)
        array = (self._array * n)(*[a.ast for a in args])
        return wrap(self._core.Z3_mk_app(self._ref, decl.ast, n, array), self.ctx)

    def _bool(self, ast: Any) -> Any:
        return self._bool_ref(ast, self.ctx)

    def pred(self, name: str, arity: int) -> Any:
        key = (name, arity)
        decl = self.preds.get(key)
        if decl is None:
            symbol = self.names.get(("pred", name, arity), name, _symbol_shape)
            decl = self.z3.Function(symbol, *([self.sort] * arity), self.bool)
            self.preds[key] = decl
        return decl

    def func(self, name: str, arity: int) -> Any:
        key = (name, arity)
        decl = self.funcs.get(key)
        if decl is None:
            symbol = self.names.get(("func", name, arity), name, _symbol_shape)
            decl = self.z3.Function(symbol, *([self.sort] * arity), self.sort)
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
            found = self.z3.FreshConst(self.sort, prefix=_symbol_shape(name))
            self.vars[name] = found
        return found

    def poll(self) -> None:
        """Raise ``KeyboardInterrupt`` when the call was cancelled, ``OutOfTime`` past the deadline."""
        if self.stopped is not None and self.stopped.is_set():
            raise process.interrupted()
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime()

    def term(self, t: Term) -> Any:
        if isinstance(t, (Var, Const)):
            return self._term(t, [])
        return walk.fold(t, self._term, terms=True, memo=False)

    def _term(self, t: Term, args: list[Any]) -> Any:
        if isinstance(t, Var):
            return self.var(t.name)
        if isinstance(t, Const):
            return self._app(self.func(t.name, 0), (), self._expr_ref)
        return self._app(self.func(t.name, len(t.args)), args, self._expr_ref)

    def formula(self, f: Formula) -> Any:
        # no memo: held results would keep Z3 from reusing the ids of the
        # bodies it abstracts, and the ids name the lets of format_smt2
        return walk.fold(f, self._formula, memo=False)

    def _formula(self, f: Formula, parts: list[Any]) -> Any:
        if self.deadline is not None or self.stopped is not None:
            self.poll()
        core, ref = self._core, self._ref
        if isinstance(f, Pred):
            return self._app(
                self.pred(f.name, len(f.args)), [self.term(a) for a in f.args], self._bool_ref
            )
        if isinstance(f, Eq):
            left, right = self.term(f.left), self.term(f.right)
            return self._bool(core.Z3_mk_eq(ref, left.ast, right.ast))
        if isinstance(f, Not):
            return self._bool(core.Z3_mk_not(ref, parts[0].ast))
        if isinstance(f, (And, Or)) and parts:
            array = (self._array * len(parts))(*[p.ast for p in parts])
            build = core.Z3_mk_and if isinstance(f, And) else core.Z3_mk_or
            return self._bool(build(ref, len(parts), array))
        if isinstance(f, Implies):
            return self._bool(core.Z3_mk_implies(ref, parts[0].ast, parts[1].ast))
        if isinstance(f, Iff):
            return self._bool(core.Z3_mk_eq(ref, parts[0].ast, parts[1].ast))
        if isinstance(f, Xor):
            return self._bool(core.Z3_mk_xor(ref, parts[0].ast, parts[1].ast))
        if isinstance(f, (ForAll, Exists)):
            return self._quantify(isinstance(f, ForAll), self.var(f.var.name), parts[0])
        return self._constant(f, parts)

    def _quantify(self, forall: bool, var: Any, body: Any) -> Any:
        """``z3.ForAll([var], body)`` (or ``Exists``): weight 1, no qid, no patterns."""
        name = self._no_name
        bound = (self._array * 1)(var.ast)
        ast = self._core.Z3_mk_quantifier_const_ex(
            self._ref, forall, 1, name, name, 1, bound, 0, self._no_patterns, 0, self._no_asts,
            body.ast,
        )  # fmt: skip
        return self._quantifier(ast, self.ctx)

    def _constant(self, f: Formula, parts: list[Any]) -> Any:
        z3 = self.z3
        if isinstance(f, And):  # no conjuncts: as z3 reads it
            return z3.And(*parts)
        if isinstance(f, Or):
            return z3.Or(*parts)
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
    """One daemon thread that interrupts Z3 contexts past their deadline.

    A context past its deadline, or cancelled, is interrupted again every
    ``REFIRE`` seconds until released: an interrupt that comes before Z3
    starts solving is lost, so one is not enough.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._deadlines: dict[int, tuple[float, Any]] = {}
        self._next = 0
        self._fired: set[int] = set()
        self._cancelled: set[int] = set()
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

    def cancel(self, ticket: int) -> None:
        """Interrupt ``ticket``'s context now, and until it is released (no warning)."""
        with self._cond:
            found = self._deadlines.get(ticket)
            if found is not None:
                self._cancelled.add(ticket)
                self._deadlines[ticket] = (time.monotonic(), found[1])
                self._cond.notify()

    def release(self, ticket: int) -> bool:
        """Stop watching ``ticket``; True when its deadline passed and the watchdog interrupted it."""
        with self._cond:
            self._deadlines.pop(ticket, None)
            self._cancelled.discard(ticket)
            fired = ticket in self._fired
            self._fired.discard(ticket)
            return fired

    def _loop(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for ticket, (deadline, ctx) in list(self._deadlines.items()):
                    if deadline <= now:
                        if ticket not in self._cancelled and ticket not in self._fired:
                            self._fired.add(ticket)
                            log.warning("z3 did not stop at its timeout; interrupting it")
                        self._deadlines[ticket] = (now + REFIRE, ctx)
                        ctx.interrupt()
                wait = min((d for d, _ in self._deadlines.values()), default=now + 60) - now
                self._cond.wait(timeout=max(wait, 0.01))


class _ContextPool:
    """Idle ``z3.Context`` objects, each used by one call at a time."""

    def __init__(self, keep: int = 8) -> None:
        self._idle: list[Any] = []
        self._lock = threading.Lock()
        self._keep = keep

    def take(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return _z3().Context()

    def give(self, ctx: Any) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(ctx)


class _Call:
    """One ``entails`` call, as ``process.LIVE`` stops it: ``stop`` sets ``stopped`` (the
    translation polls it) and has the watchdog interrupt the solver, if it runs."""

    __slots__ = ("fired", "stopped", "ticket", "watchdog")

    def __init__(self, watchdog: Watchdog) -> None:
        self.stopped = threading.Event()
        self.watchdog = watchdog
        self.ticket: int | None = None
        self.fired = False  # the watchdog interrupted the context

    def stop(self) -> None:
        self.stopped.set()
        ticket = self.ticket
        if ticket is not None:
            self.watchdog.cancel(ticket)

    def raise_if_stopped(self) -> None:
        if self.stopped.is_set():
            raise process.interrupted()


def _interactive() -> bool:
    """True on the main thread of a main process: where Ctrl-C lands. A worker
    process is stopped by its parent (the pool kills it on an interrupt), so its
    calls skip the helper thread and its cost."""
    return (
        threading.current_thread() is threading.main_thread()
        and multiprocessing.parent_process() is None
    )


def _in_helper(work: Callable[[], _T], call: _Call) -> _T:
    """``work()`` in a helper thread, the calling (main) thread waiting where a signal
    reaches it: an interrupt cancels every prover call of the process, this one included."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread
            box.append(exc)

    helper = threading.Thread(target=run, name="linc-z3", daemon=True)
    helper.start()
    try:
        helper.join()
    except BaseException as exc:
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            process.cancel_all()
        call.stop()
        helper.join()
        raise
    out = box[0]
    if isinstance(out, BaseException):
        raise out
    return out


class Z3Backend:
    """Z3 over an uninterpreted sort of individuals."""

    name: ClassVar[str] = "z3"

    def __init__(self) -> None:
        self._availability: Availability | None = None
        self._memory_mb: int | None = None
        self._watchdog = Watchdog()
        self._contexts = _ContextPool()

    def available(self) -> Availability:
        """Z3's version, read from the installed ``z3-solver`` when it is the ``z3`` Python
        would import (no import: it takes a tenth of a second, and a run whose proofs
        are all cached needs none); else from ``z3.get_version_string()``."""
        if self._availability is None:
            version = installed_version()
            if version is not None:
                self._availability = Availability(True, version=version)
                return self._availability
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
        return self._run(premises, (goal,), limits)[0]

    def entails_each(
        self, premises: Sequence[Formula], goals: Sequence[Formula], *, limits: Limits
    ) -> list[ProofResult]:
        """``entails(premises, goal, limits=limits)`` for each of ``goals``, in one solver.

        The premises are translated and asserted once; each goal is checked in
        a scope of its own (``push``/``pop``) with a wall limit of its own. The
        answers are those of separate calls (the unsat cores may differ). After
        a check that is not a clean ``sat``/``unsat``, the goals left get calls
        of their own; so do all goals when a countermodel or an ``rlimit`` is asked.
        """
        if len(goals) < 2 or "rlimit" in limits.options or limits.options.get("countermodel", True):
            return [self.entails(premises, goal, limits=limits) for goal in goals]
        results = self._run(premises, tuple(goals), limits)
        rest = goals[len(results) :]
        return results + [self.entails(premises, goal, limits=limits) for goal in rest]

    def _run(
        self, premises: Sequence[Formula], goals: tuple[Formula, ...], limits: Limits
    ) -> list[ProofResult]:
        availability = self.available()
        if not availability:
            raise BackendUnavailable(self.name, availability.reason, availability.hint)
        try:
            _z3()
        except ImportError as exc:  # the version was read without importing z3
            raise BackendUnavailable(
                self.name, f"z3 is not importable: {exc}", INSTALL_HINT
            ) from None
        call = _Call(self._watchdog)
        live = process.LIVE.add(call.stop)
        try:
            if _interactive():
                return _in_helper(lambda: self._solve(premises, goals, limits, call), call)
            return self._solve(premises, goals, limits, call)
        finally:
            process.LIVE.remove(live)

    def _solve(
        self, premises: Sequence[Formula], goals: tuple[Formula, ...], limits: Limits, call: _Call
    ) -> list[ProofResult]:
        """Solve in a pooled context; the context goes back only after clean answers
        (every Z3 object of the call is gone by then, so no other call shares it)."""
        ctx = self._contexts.take()
        results = self._solve_in(ctx, premises, goals, limits, call)
        clean = len(results) == len(goals) and all(
            r.status in (ProofStatus.PROVED, ProofStatus.NOT_PROVED) for r in results
        )
        if clean and not call.fired and not call.stopped.is_set():
            self._contexts.give(ctx)
        return results

    def _solve_in(
        self,
        ctx: Any,
        premises: Sequence[Formula],
        goals: tuple[Formula, ...],
        limits: Limits,
        call: _Call,
    ) -> list[ProofResult]:
        """Translate, then check each goal, within ``limits.seconds`` a goal (the first
        goal's time covers the premises too); stops after an answer that is not clean."""
        z3 = _z3()
        start = time.perf_counter()
        tr = Translator(ctx, deadline=time.monotonic() + limits.seconds, stopped=call.stopped)
        solver = z3.Solver(ctx=tr.ctx)  # ctrl_c is turned off with the timeout (one call)
        if "rlimit" in limits.options:
            solver.set("rlimit", int(limits.options["rlimit"]))
        if limits.memory_mb is not None and limits.memory_mb != self._memory_mb:
            z3.set_param("memory_max_size", int(limits.memory_mb))  # process-wide in Z3
            self._memory_mb = limits.memory_mb
        trackers = []
        try:
            for i, premise in enumerate(premises):
                tr.poll()
                tracker = z3.FreshBool(prefix=f"premise{i}", ctx=tr.ctx)
                trackers.append(tracker)
                solver.assert_and_track(tr.formula(closure(premise)), tracker)
        except OutOfTime:
            return [self._result(ProofStatus.UNKNOWN, start, TRANSLATING)]
        results: list[ProofResult] = []
        for goal in goals:
            if results:  # each later goal has a wall limit of its own
                start = time.perf_counter()
                tr.deadline = time.monotonic() + limits.seconds
            result = self._goal(tr, solver, trackers, goal, start, limits, call, len(goals) > 1)
            results.append(result)
            if result.status is ProofStatus.UNKNOWN or call.fired:
                break
        return results

    def _goal(
        self, tr: Translator, solver: Any, trackers: list[Any], goal: Formula, start: float,
        limits: Limits, call: _Call, scoped: bool,
    ) -> ProofResult:  # fmt: skip
        """Check ``premises ∧ ¬goal`` (in a scope of its own when ``scoped``)."""
        z3 = tr.z3
        try:
            negated = z3.Not(tr.formula(closure(goal)))
            tr.poll()
        except OutOfTime:
            return self._result(ProofStatus.UNKNOWN, start, TRANSLATING)
        if scoped:
            solver.push()
        solver.add(negated)
        deadline = tr.deadline if tr.deadline is not None else time.monotonic() + limits.seconds
        remaining = max(deadline - time.monotonic(), 0.001)
        solver.set(ctrl_c=False, timeout=max(1, int(remaining * 1000)))
        wants_model = bool(limits.options.get("countermodel", True))
        result = self._check(tr, solver, trackers, start, remaining, call, model=wants_model)
        if scoped:
            solver.pop()
        return result

    def _check(
        self, tr: Translator, solver: Any, trackers: list[Any], start: float, seconds: float,
        call: _Call, *, model: bool,
    ) -> ProofResult:  # fmt: skip
        """Solve within ``seconds``; ``model``: describe a countermodel when there is one."""
        z3 = tr.z3
        call.ticket = self._watchdog.watch(tr.ctx, seconds + WATCHDOG_GRACE)
        try:
            call.raise_if_stopped()
            try:
                answer = solver.check()
            except z3.Z3Exception as exc:  # out of memory, interrupted
                call.raise_if_stopped()
                return self._result(ProofStatus.UNKNOWN, start, f"z3: {exc}")
            call.raise_if_stopped()
        finally:
            ticket, call.ticket = call.ticket, None
            call.fired = self._watchdog.release(ticket) or call.fired
        if answer == z3.unsat:
            names = {str(t): i for i, t in enumerate(trackers)}
            used = tuple(sorted(names[str(c)] for c in solver.unsat_core() if str(c) in names))
            return self._result(ProofStatus.PROVED, start, "unsat", used_premises=used)
        if answer == z3.sat:
            # limits.options["countermodel"] = False skips the (costly) readable model
            shown = _describe_model(tr, solver.model()) if model else None
            return self._result(ProofStatus.NOT_PROVED, start, "sat", countermodel=shown)
        return self._result(ProofStatus.UNKNOWN, start, solver.reason_unknown() or "unknown")

    def _result(self, status: ProofStatus, start: float, reason: str, **extra: Any) -> ProofResult:
        return ProofResult(
            status=status,
            backend=self.name,
            seconds=time.perf_counter() - start,
            version=self.available().version,
            reason=reason,
            **extra,
        )


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
