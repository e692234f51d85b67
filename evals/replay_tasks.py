"""From one recorded sample to one prover task, the parity way or the best way.

A *task* is what gets decided: premises, the conclusion as sent to the prover
and its negation as sent to the prover. Preparing a sample either gives a task
or says why the sample is an ``Error`` (no formula, a parse error, an arity
clash).

``linc`` (parity) reads a formula as LINC does: the argument rewrite, then the
strict NLTK syntax; free names that Prover9 would take for variables are
closed per formula (the negated conclusion is closed after negating, as
Prover9 closes a goal); a symbol with two arities or used as predicate and
function is an ``ArityError``.

``best`` reads with the NLTK/Unicode grammars and repairs (falling back to
LINC's rewritten text), closes free variables (names NLTK itself reads as
variables: one lower-case letter and digits), and renames clashing symbols
apart (``Owns/2`` and ``Owns/3`` become ``Owns_2`` and ``Owns_3``); a
constant renamed apart from a unary predicate of the same name keeps the link
as a premise (``Koala(x)`` and ``Quokka(Koala)``: ``Koala(Koala_c)``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from linc.cache import digest
from linc.errors import BackendError, LincError, ParseError
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
from linc.rename import map_formula, rename_apart
from linc.voting import ErrorCause, classify_error

from .linc_rewrite import (
    negated_terms,
    prover9_closure,
    prover9_unreadable_names,
    rewrite_arguments,
)
from .recorded import extract_fol


@dataclass(frozen=True, slots=True)
class Task:
    """One decision: premises ⊢ goal, and premises ⊢ negation."""

    premises: tuple[Formula, ...]
    goal: Formula
    negation: Formula


@dataclass(frozen=True, slots=True)
class Prepared:
    """A sample made ready for deciding: a task, or the reason it is an Error."""

    task: Task | None = None
    key: str | None = None  # shared by samples decided together (exact or semantic)
    task_id: str | None = None  # the exact task's digest (prover-cache keys)
    error: ErrorCause | None = None
    detail: str = ""
    repairs: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """Everything but the task itself (enough to find cached outcomes)."""
        return {
            "key": self.key,
            "task_id": self.task_id,
            "error": self.error.value if self.error else None,
            "detail": self.detail,
            "repairs": list(self.repairs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prepared:
        error = data.get("error")
        key, task_id = data.get("key"), data.get("task_id")
        return cls(
            key=str(key) if key is not None else None,
            task_id=str(task_id) if task_id is not None else None,
            error=ErrorCause(error) if error else None,
            detail=str(data.get("detail", "")),
            repairs=tuple(str(kind) for kind in data.get("repairs", ())),
        )


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How formulas are read (the parts of a mode that concern parsing)."""

    mode: str = "linc"  # linc | best
    syntax: str = "nltk"  # nltk (LINC completions) | unicode (Logic-LM programs)
    extraction: str = "released"
    repair: bool = False
    rename_arity: bool = False
    dedup: bool = False  # semantic de-duplication (up to renaming)


Reader = Callable[[str], tuple[Formula, tuple[str, ...]]]


@dataclass
class _ReadCache:
    """Per-problem memo of formula text → IR (samples repeat each other)."""

    reader: Reader
    memo: dict[str, tuple[Formula, tuple[str, ...]] | LincError] = field(default_factory=dict)

    def __call__(self, text: str) -> tuple[Formula, tuple[str, ...]]:
        hit = self.memo.get(text)
        if hit is None:
            try:
                hit = self.reader(text)
            except LincError as exc:
                hit = exc
            except RecursionError:
                hit = ParseError("formula nested too deeply", text=text, line=1, column=1)
            self.memo[text] = hit
        if isinstance(hit, LincError):
            raise hit
        return hit


def strict_reader() -> Reader:
    """LINC's reading: the argument rewrite, then NLTK's own syntax and meaning."""
    from linc.parsers import read

    def run(text: str) -> tuple[Formula, tuple[str, ...]]:
        return read(negated_terms(rewrite_arguments(text)), syntax="nltk-strict").formula, ()

    return run


_NO_QUANTIFIER = re.compile(r"-?(?<![A-Za-z0-9_])(?:no|none|No|None)\s+([a-z][A-Za-z0-9_]*)\s*\.")


def no_quantifier(text: str) -> str:
    """Read the quantifier ``no x.`` (also ``none x.``) as ``-exists x.``.

    Models write ``no x. P(x)`` for "no one is P"; a ``-`` glued to it
    (``-no x.``) appears only next to sentences that say "no one ..." in
    the recorded runs, so it is read as the same ``no``, not as a double
    negation.
    """
    return _NO_QUANTIFIER.sub(lambda m: f"-exists {m.group(1)}.", text)


def best_reader(*, syntax: str, repair: bool) -> Reader:
    """Our reading: the grammar with repairs; LINC's rewritten text as a fallback."""
    from linc.parsers import read

    def run(text: str) -> tuple[Formula, tuple[str, ...]]:
        if not repair:  # our grammar on LINC's rewritten text, nothing else
            return read(
                rewrite_arguments(text) if syntax == "nltk" else text, syntax=syntax
            ).formula, ()
        fixed: tuple[str, ...] = ()
        if syntax == "nltk":
            spelled = no_quantifier(text)
            if spelled != text:
                text, fixed = spelled, ("no_quantifier",)
        formula, kinds = _read_with_fallback(text)
        unquoted = unquote_names(formula)
        if unquoted != formula:
            fixed += ("unquote",)
        widened = widen_quantifier_scope(unquoted)
        if widened != unquoted:
            fixed += ("quantifier_scope",)
        return widened, fixed + kinds

    def _read_with_fallback(text: str) -> tuple[Formula, tuple[str, ...]]:
        try:
            parsed = read(text, syntax=syntax, repair=repair)
            kinds: tuple[str, ...] = ()
        except ParseError:
            rewritten = rewrite_arguments(text)
            if rewritten == text:
                raise
            parsed = read(rewritten, syntax=syntax, repair=repair)
            kinds = ("linc_rewrite",)
        # the free variables the parser closed are closed again later, after
        # the quantifier-scope repair has had a chance to bind them
        return _strip_closure(parsed.formula, parsed.closed), kinds + tuple(
            r.kind for r in parsed.repairs
        )

    return run


def _strip_closure(formula: Formula, names: Sequence[str]) -> Formula:
    """Undo the parser's universal closure over ``names`` (outermost first)."""
    body = formula
    for name in names:
        if isinstance(body, ForAll) and body.var.name == name:
            body = body.body
        else:
            return formula
    return body


def widen_quantifier_scope(formula: Formula) -> Formula:
    """Give an unparenthesised quantifier the scope its variable asks for.

    ``∀x P(x) → Q(x)`` parses (in NLTK and in FOL convention) as
    ``(∀x P(x)) → Q(x)``, which leaves the second ``x`` free; models mean
    ``∀x (P(x) → Q(x))``. When a quantifier is the left operand of a binary
    connective (or the first of a conjunction/disjunction) and its variable
    occurs free in a later operand, the quantifier is moved out to cover
    them all. Formulas where the variable does not recur are unchanged.
    """
    if isinstance(formula, (Implies, Iff, Xor)):
        left, right = formula.left, formula.right
        if isinstance(left, (ForAll, Exists)) and left.var.name in free_vars(right):
            inner = type(formula)(left.body, right)
            return type(left)(left.var, widen_quantifier_scope(inner))
        return type(formula)(widen_quantifier_scope(left), widen_quantifier_scope(right))
    if isinstance(formula, (And, Or)):
        first, rest = formula.args[0], formula.args[1:]
        if isinstance(first, (ForAll, Exists)) and any(
            first.var.name in free_vars(r) for r in rest
        ):
            joined = type(formula)((first.body, *rest))
            return type(first)(first.var, widen_quantifier_scope(joined))
        return type(formula)(tuple(widen_quantifier_scope(a) for a in formula.args))
    if isinstance(formula, Not):
        return Not(widen_quantifier_scope(formula.body))
    if isinstance(formula, (ForAll, Exists)):
        return type(formula)(formula.var, widen_quantifier_scope(formula.body))
    return formula


def unquote_names(formula: Formula) -> Formula:
    """``"Walden"`` and ``Walden`` name the same thing: drop the quotes of names."""

    def bare(name: str) -> str:
        return name[1:-1] if len(name) > 2 and name[0] == name[-1] == '"' else name

    def term(t: Term) -> Term:
        if isinstance(t, Const):
            return Const(bare(t.name))
        if isinstance(t, Func):
            return Func(bare(t.name), tuple(term(a) for a in t.args))
        return t

    return map_formula(
        formula, pred=lambda p: Pred(bare(p.name), tuple(term(a) for a in p.args)), term=term
    )


def make_reader(options: ReadOptions) -> Reader:
    if options.mode == "linc":
        if options.syntax == "nltk":
            return strict_reader()
        from linc.parsers import read

        return lambda text: (read(text, syntax=options.syntax).formula, ())
    return best_reader(syntax=options.syntax, repair=options.repair)


# ------------------------------------------------------------ preparation


def prepare_completions(completions: Sequence[str], options: ReadOptions) -> list[Prepared]:
    """Prepare every sample of one LINC-format problem."""
    read = _ReadCache(make_reader(options))
    out = []
    for completion in completions:
        extraction = extract_fol(completion, extraction=options.extraction)
        if extraction is None:
            out.append(Prepared(error=ErrorCause.NO_FORMULAS, detail="no FOL: line"))
            continue
        out.append(prepare_texts(extraction.premises, extraction.conclusion, options, read=read))
    return out


def prepare_texts(
    premises: Sequence[str],
    conclusion: str,
    options: ReadOptions,
    *,
    read: Callable[[str], tuple[Formula, tuple[str, ...]]] | None = None,
) -> Prepared:
    """Read, close and check one sample's formulas; a task or an error."""
    read = read or _ReadCache(make_reader(options))
    repairs: list[str] = []
    try:
        goal, fixes = read(conclusion)  # LINC reads the conclusion first
        repairs.extend(fixes)
        parsed = []
        for text in premises:
            formula, fixes = read(text)
            repairs.extend(fixes)
            parsed.append(formula)
        task = make_task(parsed, goal, options, repairs=repairs)
    except (LincError, RecursionError) as exc:
        cause = ErrorCause.PARSE if isinstance(exc, RecursionError) else classify_error(exc)
        return Prepared(error=cause, detail=_one_line(exc), repairs=tuple(repairs))
    task_id = task_key(task)
    key = task_key(task, semantic=True) if options.dedup else task_id
    return Prepared(task=task, key=key, task_id=task_id, repairs=tuple(repairs))


def make_task(
    premises: Sequence[Formula], goal: Formula, options: ReadOptions, *, repairs: list[str]
) -> Task:
    """Close free names and resolve (or refuse) arity clashes."""
    if options.mode == "linc":
        closed = [prover9_closure(p)[0] for p in premises]
        task = Task(tuple(closed), prover9_closure(goal)[0], prover9_closure(Not(goal))[0])
        unreadable = prover9_unreadable_names([*task.premises, task.goal])
        if unreadable:
            raise BackendError(
                f"prover9 cannot read the name {unreadable[0]!r} "
                "(LINC hands NLTK names to Prover9 unchanged)"
            )
        check_arities([*task.premises, task.goal])
        return task
    closed = [close_free_names(p) for p in premises]
    goal = close_free_names(goal)
    formulas = [*closed, goal]
    axioms: list[Formula] = []
    if options.rename_arity:
        renaming = rename_apart(formulas)
        if renaming.changed:
            repairs.append("arity_rename")
        if renaming.axioms:
            repairs.append("kind_axiom")
        formulas, axioms = renaming.formulas, renaming.axioms
    check_arities(formulas)
    return Task((*formulas[:-1], *axioms), formulas[-1], Not(formulas[-1]))


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# ----------------------------------------------------------- best-mode IR

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
    out: dict[str, None] = {}

    def terms(ts: Sequence[Term]) -> None:
        for t in ts:
            if isinstance(t, Const):
                out.setdefault(t.name, None)
            elif isinstance(t, Func):
                terms(t.args)

    stack = [formula]
    while stack:
        node = stack.pop()
        if isinstance(node, Pred):
            terms(node.args)
        elif isinstance(node, Eq):
            terms((node.left, node.right))
        elif isinstance(node, Not):
            stack.append(node.body)
        elif isinstance(node, (And, Or)):
            stack.extend(reversed(node.args))
        elif isinstance(node, (Implies, Iff, Xor)):
            stack.extend((node.right, node.left))
        elif isinstance(node, (ForAll, Exists)):
            stack.append(node.body)
    return list(out)


def _rename_terms(formula: Formula, mapping: dict[str, Term]) -> Formula:
    """Replace constants named in ``mapping`` (not bound variables) by terms."""

    def term(t: Term) -> Term:
        if isinstance(t, Const):
            return mapping.get(t.name, t)
        if isinstance(t, Func):
            return Func(t.name, tuple(term(a) for a in t.args))
        return t

    return map_formula(
        formula, pred=lambda p: Pred(p.name, tuple(term(a) for a in p.args)), term=term
    )


# ------------------------------------------------------------------ keys


def task_key(task: Task, *, semantic: bool = False) -> str:
    """A key that equal tasks share.

    Exact: the tasks are the same IR. Semantic: the same premise set (order
    and repeats ignored) and goal up to a consistent renaming of symbols and
    bound variables.
    """
    if not semantic:
        return digest(["exact", repr(task)])
    return digest(["semantic", canonical(task)])


def canonical(task: Task) -> str:
    """A name-independent text of the task (see ``task_key``)."""
    premises = sorted(set(task.premises), key=lambda f: (_shape(f), repr(f)))
    namer = _Canon()
    parts = [namer.formula(task.goal)] + sorted({namer.formula(p) for p in premises})
    return "|".join(parts)


def _shape(formula: Formula) -> str:
    """The formula's text with every name erased (a renaming-invariant sort key)."""
    return _Canon(erase=True).formula(formula)


class _Canon:
    """Prints formulas with symbols renamed in order of first use."""

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

    def term(self, t: Term, bound: dict[str, str]) -> str:
        if isinstance(t, Var):
            return bound.get(t.name, "?" + t.name)
        if isinstance(t, Const):
            return self._name("c", t.name, 0)
        return (
            self._name("f", t.name, len(t.args))
            + "("
            + ",".join(self.term(a, bound) for a in t.args)
            + ")"
        )

    def formula(self, f: Formula, bound: dict[str, str] | None = None) -> str:
        bound = bound or {}
        if isinstance(f, Pred):
            return (
                self._name("P", f.name, len(f.args))
                + "("
                + ",".join(self.term(a, bound) for a in f.args)
                + ")"
            )
        if isinstance(f, Eq):
            return f"({self.term(f.left, bound)}={self.term(f.right, bound)})"
        if isinstance(f, Not):
            return "~" + self.formula(f.body, bound)
        if isinstance(f, (And, Or)):
            op = "&" if isinstance(f, And) else "|"
            return "(" + op.join(self.formula(a, bound) for a in f.args) + ")"
        if isinstance(f, (Implies, Iff, Xor)):
            op = {Implies: ">", Iff: "=", Xor: "^"}[type(f)]
            return f"({self.formula(f.left, bound)}{op}{self.formula(f.right, bound)})"
        if isinstance(f, (ForAll, Exists)):
            inner = dict(bound)
            inner[f.var.name] = f"v{len(bound)}"
            q = "A" if isinstance(f, ForAll) else "E"
            return f"{q}{inner[f.var.name]}.{self.formula(f.body, inner)}"
        return type(f).__name__
