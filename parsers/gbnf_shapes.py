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

Rules are made on demand, named ``<kind><level><flags>-<line>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ARITY = 2
MAX_UNITS = 3


@dataclass(frozen=True)
class Shape:
    """What line ``n``'s formula may use and must hold."""

    n: str
    pred: str  # the rule naming the line's predicates
    term: str  # the rule (or group) of its terms
    binops: tuple[str, ...]
    negation: bool = True  # "-" is allowed
    lead: str | None = None  # the rule naming the predicates the first atom may use
    compound: bool = False
    negate: bool = False


@dataclass
class _Builder:
    shape: Shape
    rules: dict[str, str] = field(default_factory=dict)

    @property
    def neg(self) -> str:
        return f"neg-{self.shape.n} " if self.shape.negation else ""

    def name(self, kind: str, level: int, lead: bool, compound: bool, negate: bool) -> str:
        flags = ("l" if lead else "") + ("c" if compound else "") + ("m" if negate else "")
        return f"{kind}{level}{flags}-{self.shape.n}"

    def atom(self, lead: bool) -> str:
        name = f"a{'l' if lead else ''}-{self.shape.n}"
        if name not in self.rules:
            pred = self.shape.lead if lead and self.shape.lead else self.shape.pred
            term = self.shape.term
            self.rules[name] = f'{pred} "(" {term} (", " {term}){{0,{MAX_ARITY - 1}}} ")"'
        return name

    def formula(self, level: int, lead: bool, compound: bool, negate: bool) -> str:
        name = self.name("f", level, lead, compound, negate)
        if name in self.rules:
            return name
        self.rules[name] = ""  # reserve (rules refer only downwards, but keep it safe)
        b = f"b-{self.shape.n}"
        if level == 1:
            self.rules[name] = self._pair(lead, compound, negate, b)
            return name
        alternatives = []
        for count in range(1, MAX_UNITS + 1):
            if compound and count == 1:
                alternatives.append(self.unit(level, lead, negate, inner_compound=True))
                continue
            marks = range(count) if negate else [None]
            for mark in marks:
                units = [self.unit(level, lead and i == 0, mark == i) for i in range(count)]
                alternatives.append(f" {b} ".join(units))
        self.rules[name] = " | ".join(alternatives)
        return name

    def _pair(self, lead: bool, compound: bool, negate: bool, b: str) -> str:
        first, other, neg = self.atom(lead), self.atom(False), self.neg
        if not negate:
            one = f"{first} ({b} {neg}{other})?" if not compound else f"{first} {b} {neg}{other}"
            return one
        tail = f"({b} {neg}{other})?" if not compound else f"{b} {neg}{other}"
        return f'"-" {first} {tail} | {first} {b} "-" {other}'

    def unit(self, level: int, lead: bool, negate: bool, *, inner_compound: bool = False) -> str:
        name = self.name("u", level, lead, inner_compound, negate)
        if name in self.rules:
            return name
        neg = self.neg
        plain = self.formula(level - 1, lead, inner_compound, False)
        alternatives = []
        if not inner_compound:
            alternatives.append(f'"-" {self.atom(lead)}' if negate else f"{neg}{self.atom(lead)}")
        if negate:
            inner = self.formula(level - 1, lead, inner_compound, True)
            alternatives += [
                f'"-" "(" {plain} ")"',
                f'{neg}"(" {inner} ")"',
                f'"-" quants {neg}"(" {plain} ")"',
                f'quants "-" "(" {plain} ")"',
                f'{neg}quants {neg}"(" {inner} ")"',
            ]
        else:
            alternatives += [f'{neg}"(" {plain} ")"', f'{neg}quants {neg}"(" {plain} ")"']
        self.rules[name] = " | ".join(alternatives)
        return name


def shape_rules(shape: Shape) -> str:
    """The rules of one line; its formula is ``f<n>``."""
    builder = _Builder(shape)
    top = builder.formula(3, shape.lead is not None, shape.compound, shape.negate)
    lines = [f"f{shape.n} ::= {top}"]
    lines += [f"{name} ::= {body}" for name, body in builder.rules.items()]
    lines.append(f"b-{shape.n} ::= " + " | ".join(f'"{op}"' for op in shape.binops))
    if shape.negation:
        lines.append(f'neg-{shape.n} ::= "-"?')
    return "\n".join(lines)
