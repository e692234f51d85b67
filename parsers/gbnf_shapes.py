"""The formula rules of one line of a per-problem grammar, with the constraints its sentence sets.

The shape is ``prompts/fol.gbnf``'s: a formula is up to three units joined by
binary operators; a unit is an atom, a parenthesised formula, or a quantifier
prefix and a parenthesised formula; three levels deep. ``Shape`` adds, per
sentence, three optional constraints, each a variant of the same rules:

- ``lead``: the first atom's predicate is one of the sentence's first
  content words (English states the subject first: ``All cats are mammals``
  starts with ``Cat``);
- ``compound``: at least two atoms (the sentence has two content-word groups);
- ``negate``: a negation sign somewhere (the sentence says ``not``, ``no`` ...).

A short sentence (two content words) gets two levels, at most two units
of at most two atoms (``Shape.depth``): room for ``(A | B) & -(A & B)``, none
for a run-away formula. Top-level units, when there are several, carry no
quantifier. Every formula is closed: outside a quantifier an atom's terms are constants
(``Shape.constants``), inside one they may be variables too; a sentence about
named individuals only may have no quantifier at all (``Shape.quantified``).

Rules are made on demand, named ``<kind><level><flags>-<line>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

MAX_ARITY = 2
MAX_UNITS = 3
NOTHING = '"?"'
"""The body of a formula rule no formula can satisfy (a text the model will not write)."""


@dataclass(frozen=True)
class Shape:
    """What line ``n``'s formula may use and must hold."""

    n: str
    pred: str  # the rule naming the line's predicates
    term: str  # the rule (or group) of its terms
    binops: tuple[str, ...]
    negation: bool = True  # "-" is allowed
    lead: str | None = None  # the rule naming the predicates the first atom may use
    tail: str | None = None  # the rule naming predicates of which some atom must use one
    compound: bool = False
    negate: bool = False
    single: bool = False  # exactly one atom (the sentence has one content-word group)
    constants: str | None = None  # the rule of its constants: the terms outside a quantifier
    quantified: bool = True  # quantifiers allowed (False: a sentence about named individuals)
    depth: int = 3  # levels of parentheses (2: at most two units of at most two atoms)
    arguments: str | None = None  # the rule of a one-atom sentence's arguments, when fixed
    arity: int = 0  # how many names ``arguments`` holds
    quants: str = "quants"  # the rule of the outermost quantifier prefix ("alls": universal)
    body: str = ""  # the operator joining the outer quantifier's body ("" any): " -> " for
    # "All/Every/Each/No A ...", " & " for "Some A ..."
    names: tuple[tuple[str, ...], ...] = ()  # at depth 2: the (any, lead, tail) predicate names;
    # two atoms joined then name two different predicates
    fixed: Mapping[str, int] = field(default_factory=dict)  # predicates whose arity earlier
    # lines set; and the name rules that list them: their arities, each a rule ``<rule>-<n>``
    split: Mapping[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Need:
    """What a formula or unit must hold."""

    lead: bool = False
    compound: bool = False
    negate: bool = False
    tail: bool = False
    open: bool = False  # inside a quantifier: variables allowed
    joiners: tuple[str, ...] = ()  # the operators that may join its units (): the line's any)

    @property
    def flags(self) -> str:
        marks = (self.lead, self.compound, self.negate, self.tail, self.open)
        joined = "".join(_OPERATOR_MARKS[op] for op in self.joiners)
        return "".join(c for c, on in zip("lcmto", marks) if on) + joined


_BINDS = {" & ": 0, " | ": 1, " -> ": 2, " <-> ": 2}
"""How tightly each operator binds (NLTK's precedence; lower binds tighter)."""
_OPERATOR_MARKS = {" & ": "a", " | ": "o", " -> ": "r", " <-> ": "e"}
_PREFIXES = {"alls": (("alls", "all"),), "somes": (("somes", "exists"),)}
_EITHER = (("qall", "all"), ("qsome", "exists"))
"""The quantifier prefix rules of a ``Shape.quants`` rule, each with its last quantifier."""


_FREE = _Need()


@dataclass
class _Builder:
    shape: Shape
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def neg(self) -> str:
        return f"neg-{self.shape.n} " if self.shape.negation else ""

    def atom(self, kind: str, open: bool) -> str:
        """``kind``: "" any of the line's names, "l" a leading one, "t" a tail one; ``open``:
        variables allowed. "" when there is no such atom (no constants outside a quantifier)."""
        term = self.shape.term if open else self.shape.constants
        if term is None:
            return ""
        name = f"a{kind}{'o' if open else ''}-{self.shape.n}"
        if name not in self.rules:
            pred = {"l": self.shape.lead, "t": self.shape.tail}.get(kind) or self.shape.pred
            arities = self.shape.split.get(pred)
            if arities:
                self.rules[name] = " | ".join(f"{pred}-{n} {_args(term, n)}" for n in arities)
            else:
                self.rules[name] = f"{pred} {_args(term)}"
        return name

    def signed_atom(self, need: _Need) -> str:
        kind = "l" if need.lead else "t" if need.tail else ""
        atom = self.atom(kind, need.open)
        if (need.lead and need.tail) or not atom:  # one atom cannot be both: no such unit
            return ""
        return ('"-" ' if need.negate else self.neg) + atom

    def pair(self, first: _Need, second: _Need, b: str) -> str:
        """Two atoms joined, naming two different predicates (``A(x) -> A(x)`` says nothing)."""
        every, lead, tail = self.shape.names
        term = self.shape.term if first.open else self.shape.constants
        if term is None or any(n.lead and n.tail for n in (first, second)):
            return ""
        options = []
        fixed = self.shape.fixed
        for p in lead if first.lead else tail if first.tail else every:
            for q in tail if second.tail else every:
                if p != q:
                    sign_p = '"-" ' if first.negate else self.neg
                    sign_q = '"-" ' if second.negate else self.neg
                    p_args, q_args = _args(term, fixed.get(p)), _args(term, fixed.get(q))
                    options.append(f'{sign_p}"{p}" {p_args} {b} {sign_q}"{q}" {q_args}')
        if not options:  # one predicate only ("If something likes the cow, the cow likes ...")
            a, c = self.signed_atom(first), self.signed_atom(second)
            return f"{a} {b} {c}" if a and c else ""
        return " | ".join(options)

    def formula(self, level: int, need: _Need) -> str:
        """The rule of a formula ``level`` deep holding ``need``; "" when none can."""
        name = f"f{level}{need.flags}-{self.shape.n}"
        if name in self.rules:
            return name if self.rules[name] else ""
        self.rules[name] = ""  # reserved; rules refer only to lower levels
        b = self.operator(need.joiners)
        alternatives = []
        wide = level > 1 and not level == self.shape.depth == 2
        for count in range(1, (MAX_UNITS if wide else 2) + 1):
            if need.compound and count == 1:
                if level > 1:
                    alternatives.append(self.unit(level, replace(need, compound=False), inner=need))
                continue
            for negs, tails in _marks(count, need):
                needs = [
                    _Need(
                        lead=need.lead and i == 0, negate=i == negs, tail=i == tails, open=need.open
                    )
                    for i in range(count)
                ]
                if level == 1 and count == 2 and self.shape.names:
                    alternatives.append(self.pair(needs[0], needs[1], b))
                    continue
                # the top units of a sentence's formula are unquantified when there are two or
                # three: one quantifier says a sentence (and a run-away repeats quantified units)
                bare = count > 1 and level == self.shape.depth
                parts = [
                    self.unit(level, n, bare=bare) if level > 1 else self.signed_atom(n)
                    for n in needs
                ]
                if all(parts):
                    alternatives += self.joined(parts, need.joiners)
        self.rules[name] = " | ".join(a for a in alternatives if a)
        return name if self.rules[name] else ""

    def operator(self, ops: tuple[str, ...] = ()) -> str:
        """The GBNF of one of ``ops`` (): any of the line's)."""
        if not ops:
            return f"b-{self.shape.n}"
        either = " | ".join(f'"{op}"' for op in ops)
        return f"({either})" if len(ops) > 1 else either

    def joined(self, parts: list[str], joiners: tuple[str, ...]) -> list[str]:
        """``parts`` joined so that the main operator is one of ``joiners`` (): any); with three
        parts the other operator may bind tighter (``A & B -> C`` is an implication)."""
        main = self.operator(joiners)
        if len(parts) < 3 or not joiners:
            return [f" {main} ".join(parts)]
        weakest = min(_BINDS[op] for op in joiners)
        tighter = tuple(op for op in self.shape.binops if _BINDS[op] < weakest)
        pairs = [(main, main)]
        if tighter:
            other = self.operator(tighter)
            pairs += [(main, other), (other, main)]
        a, b, c = parts
        return [f"{a} {x} {b} {y} {c}" for x, y in pairs]

    def unit(
        self, level: int, need: _Need, *, inner: _Need | None = None, bare: bool = False
    ) -> str:
        """A unit; ``inner``: what a parenthesised body must hold instead (no lone atom then);
        ``bare``: no quantifier. Variables only inside a quantifier (every formula is closed);
        "" when no unit can."""
        body_need = inner or need
        flags = f"{need.flags}{'i' + body_need.flags if inner else ''}{'b' if bare else ''}"
        name = f"u{level}{flags}-{self.shape.n}"
        if name in self.rules:
            return name if self.rules[name] else ""
        neg = self.neg
        alternatives = [self.signed_atom(need)] if inner is None else []
        plain = self.formula(level - 1, replace(body_need, negate=False))
        if need.negate or body_need.negate:
            marked = self.formula(level - 1, body_need)
            alternatives += [plain and f'"-" "(" {plain} ")"', marked and f'{neg}"(" {marked} ")"']
        else:
            alternatives.append(plain and f'{neg}"(" {plain} ")"')
        # a quantifier prefix leads the formula or sits in another's scope, nowhere else
        inner_closed = level < self.shape.depth and not need.open
        if self.shape.quantified and not bare and not inner_closed:
            q = self.shape.quants if level == self.shape.depth else "quants"  # inner: either
            for prefix, last in _PREFIXES.get(q, _EITHER):
                alternatives += self.quantified(level, prefix, last, need, body_need)
        self.rules[name] = " | ".join(a for a in alternatives if a)
        return name if self.rules[name] else ""

    def quantified(
        self, level: int, prefix: str, last: str, need: _Need, body_need: _Need
    ) -> list[str]:
        """The units ``prefix (body)``, the body's operators as its last quantifier wants."""

        def body(negated: bool, negate: bool = False) -> str:
            joiners = self.joiners(level, last, negated)
            return self.formula(
                level - 1, replace(body_need, negate=negate, open=True, joiners=joiners)
            )

        neg, q = self.neg, prefix
        positive, negative = body(False), body(True) if self.shape.negation else ""
        if not (need.negate or body_need.negate):
            return [
                positive and f'{neg}{q} "(" {positive} ")"',
                negative and f'{neg}{q} "-" "(" {negative} ")"',
            ]
        marked, marked_negative = body(False, True), body(True, True) if neg else ""
        return [
            positive and f'"-" {q} "(" {positive} ")"',
            negative and f'"-"? {q} "-" "(" {negative} ")"',
            marked and f'{neg}{q} "(" {marked} ")"',
            marked_negative and f'{neg}{q} "-" "(" {marked_negative} ")"',
        ]

    def joiners(self, level: int, last: str, negated: bool) -> tuple[str, ...]:
        """The operators joining a quantifier's body: a universal's body is not a conjunction,
        an existential's is one or a disjunction (``all x. (A & B)`` says everything is A; an
        ``exists x. (A -> B)`` holds of anything that is not A); ``-( )`` swaps them. At the
        top, a sentence's own ``Shape.body`` ("All A are B": ``->``)."""
        if level == self.shape.depth and self.shape.body and not negated:
            return (self.shape.body,)
        universal = (last == "all") != negated
        return tuple(b for b in self.shape.binops if (b != " & ") == universal or b == " | ")

    def single(self) -> str:
        """The formula of a one-word sentence: one atom, maybe negated, maybe quantified."""
        lead = "l" if self.shape.lead else ""
        a, o, neg = self.atom(lead, False), self.atom(lead, True), self.neg
        if self.shape.arguments:
            a = f"ar-{self.shape.n}"
            pred = self.shape.lead or self.shape.pred
            if self.shape.arity in self.shape.split.get(pred, ()):
                pred = f"{pred}-{self.shape.arity}"  # those predicates that may take its names
            self.rules[a] = f"{pred} {self.shape.arguments}"
        q = self.shape.quants if self.shape.quantified else ""
        if self.shape.negate:
            alternatives = [
                a and f'"-" {a}',
                q and f'"-" {q} {neg}"(" {neg}{o} ")"',
                q and f'{q} "-" "(" {o} ")"',
                q and f'{q} "(" "-" {o} ")"',
            ]
        else:
            alternatives = [a and f"{neg}{a}", q and f'{neg}{q} {neg}"(" {neg}{o} ")"']
        return " | ".join(a for a in alternatives if a)


def _args(term: str, arity: int | None = None) -> str:
    """An atom's parenthesised arguments: ``arity`` of them, or one to ``MAX_ARITY``."""
    if arity is None:
        return f'"(" {term} (", " {term}){{0,{MAX_ARITY - 1}}} ")"'
    return '"(" ' + ' ", " '.join([term] * arity) + ' ")"'


def _marks(count: int, need: _Need) -> list[tuple[int | None, int | None]]:
    """Which unit carries the negation and which the tail atom (None: no such need)."""
    negs: list[int | None] = list(range(count)) if need.negate else [None]
    tails: list[int | None] = list(range(count)) if need.tail else [None]
    return [(i, j) for i in negs for j in tails]


def shape_rules(shape: Shape) -> str:
    """The rules of one line; its formula is ``f<n>``."""
    builder = _Builder(shape)
    if shape.single:
        top = builder.single()
    else:
        need = _Need(
            lead=shape.lead is not None,
            compound=shape.compound,
            negate=shape.negate,
            tail=shape.tail is not None,
        )
        top = builder.formula(shape.depth, need)
    lines = [f"f{shape.n} ::= {top or NOTHING}"]
    lines += [f"{name} ::= {body}" for name, body in builder.rules.items() if body]
    lines.append(f"b-{shape.n} ::= " + " | ".join(f'"{op}"' for op in shape.binops))
    if shape.negation:
        lines.append(f'neg-{shape.n} ::= "-"?')
    return "\n".join(lines)
