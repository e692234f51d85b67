"""Lark callbacks that build the IR while the LALR parser reduces.

No parse tree is built: each grammar rule's callback receives its children
and returns IR at once, and the LALR parser is iterative, so input depth
never reaches Python's recursion limit, and the IR is walked iteratively
everywhere: formulas of any depth are read. Formulas travel as IR nodes; a
name with arguments travels as an ``App`` until its context says whether it
is a predicate (formula position) or a function term (argument or equality
side).

Names are bound after the fact: atoms are built with ``Const`` names and a
quantifier turns the ``Const`` occurrences of its variable in its body into
``Var`` (an inner quantifier of the same name already took its own).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from lark import Token, Transformer

from linc import walk
from linc.ir import (
    FORMULA_TYPES,
    And,
    Bottom,
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
    Top,
    Var,
    Xor,
)

_FORMULA_TYPES = frozenset(FORMULA_TYPES)

_FORALL_WORDS = frozenset({"∀", "all", "forall"})
_NEQ = frozenset({"!=", "≠"})
_EQ = frozenset({"=", "=="})
_COMPARISONS = {">": ">", "<": "<", ">=": ">=", "<=": "<=", "≥": ">=", "≤": "<=", "∈": "∈"}

NLTK_VARIABLE = re.compile(r"[a-zA-Z]\d*\Z")
"""Names NLTK accepts as bound variables (individual, event, function)."""
_NLTK_SPACE = re.compile(r"[ \t\n]+")
NLTK_INDIVIDUAL = re.compile(r"[a-z]\d*\Z")
"""Names NLTK refuses as predicates (individual and event variables)."""


class BuildError(Exception):
    """Raised inside a callback; the reader turns it into ``ParseError``."""

    def __init__(self, message: str, token: Token | None) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


class App:
    """``name(args)`` whose role (predicate or term) is not known yet."""

    __slots__ = ("args", "name", "token")

    def __init__(self, name: str, args: tuple[Term, ...], token: Token) -> None:
        self.name = name
        self.args = args
        self.token = token


def _token_of(value: Any) -> Token | None:
    if isinstance(value, App):
        return value.token
    return value if hasattr(value, "start_pos") else None  # a lark or lark-cython token


# ------------------------------------------------------------------ binding


def bind(formula: Formula, name: str) -> Formula:
    """Turn the ``Const(name)`` occurrences in ``formula`` into ``Var(name)``."""
    return _bind(formula, name, Var(name))


def _bind(formula: Formula, name: str, var: Var) -> Formula:
    """``bind`` with the ``Var`` to put in (one walk; unchanged parts stay the same objects)."""

    def atom(f: Pred) -> Pred | None:
        # on the parser's hot path: atoms over constants are the common case
        found = False
        for a in f.args:
            if type(a) is Func:
                return None  # walk into the terms
            if type(a) is Const and a.name == name:
                found = True
        if not found:
            return f  # nothing to bind
        return Pred(
            f.name, tuple([var if type(a) is Const and a.name == name else a for a in f.args])
        )

    def binder(f: ForAll | Exists) -> Formula | None:
        return f if f.var.name == name else None  # an inner binder took its occurrences

    def const(c: Const) -> Term:
        return var if c.name == name else c

    pre: dict[type, walk.Hook] = {Pred: atom, ForAll: binder, Exists: binder}
    return walk.rewrite(formula, {Const: const}, pre=pre, memo=False)


# ---------------------------------------------------------------- callbacks


class Builder(Transformer):
    """Callbacks shared by every grammar; subclasses add syntax rules."""

    SPACE: ClassVar[str | None] = None
    """Characters stripped around names in a flat atom (``None``: all whitespace)."""
    VARIABLE_HEAD: ClassVar[re.Pattern[str] | None] = None
    """Names that cannot take arguments (variables), if the syntax has such."""

    def __init__(self, keywords: tuple[str, ...] = ()) -> None:
        super().__init__(visit_tokens=False)
        self.keywords = frozenset(keywords)

    # conversions -------------------------------------------------------
    @staticmethod
    def formula(value: Any) -> Formula:
        if type(value) is App:
            return Pred(value.name, value.args)
        if type(value) in _FORMULA_TYPES:
            return value
        raise BuildError("expected a formula", _token_of(value))  # pragma: no cover

    @staticmethod
    def term(value: Any, where: Token | None) -> Term:
        if type(value) is App:
            return Func(value.name, value.args) if value.args else Const(value.name)
        raise BuildError("a formula stands where a term is needed (not first-order)", where)

    # rules -------------------------------------------------------------
    def start(self, children: list[Any]) -> Formula:
        return self.formula(children[0])

    @staticmethod
    def unit(children: list[Any]) -> Any:
        """A formula that is one unit, as it is (a name may still be a term)."""
        return children[0]

    def run(self, children: list[Any]) -> Formula:
        """A formula that is a run of binary operators: ``a op b``."""
        return self.chain(children)

    def run_more(self, children: list[Any]) -> Formula:
        """A formula that is a run of binary operators: ``run op b``."""
        return self.chain(self.ops_more(children))

    @staticmethod
    def ops(children: list[Any]) -> list[Any]:
        """``a op b``: the start of a run of binary operators (kept flat)."""
        return children

    @staticmethod
    def ops_more(children: list[Any]) -> list[Any]:
        """``run op b``: one more operator and operand on the run."""
        run = children[0]
        run.append(children[1])
        run.append(children[2])
        return run

    @staticmethod
    def paren(children: list[Any]) -> Any:
        """``( formula )``: the formula as it is (a name may still be a term)."""
        return children[1]

    def negation(self, children: list[Any]) -> Formula:
        return Not(self.formula(children[1]))

    def _nary(self, kind: type, children: list[Any]) -> Formula:
        return kind(tuple([self.formula(value) for value in children[::2]]))

    def _fold_left(self, kind: type, children: list[Any]) -> Formula:
        node = self.formula(children[0])
        for i in range(1, len(children), 2):
            node = kind(node, self.formula(children[i + 1]))
        return node

    def _fold_right(self, kind: type, children: list[Any]) -> Formula:
        node = self.formula(children[-1])
        for i in range(len(children) - 2, 0, -2):
            node = kind(self.formula(children[i - 1]), node)
        return node

    # precedence: terminal type -> (level, combiner); lower levels bind tighter
    LEVELS: ClassVar[dict[str, tuple[int, str]]] = {
        "AND": (2, "and"),
        "OR": (3, "or"),
        "XOR": (4, "xor"),
        "IMP": (5, "imp_right"),
        "IFF": (6, "iff_right"),
    }

    def chain(self, children: list[Any]) -> Formula:
        """``a op b op c ...``: apply the precedence table, tightest level first."""
        levels = self.LEVELS
        if len(children) == 3:  # one operator: the commonest case
            return self.combine(levels[children[1].type][1], children)
        ops: list[Token] = children[1::2]
        kinds = {levels[op.type] for op in ops}
        if len(kinds) == 1:  # one operator level: the common case
            return self.combine(next(iter(kinds))[1], children)
        operands: list[Any] = children[0::2]
        for level in sorted(level for level, _ in kinds):
            merged: list[Any] = [operands[0]]
            kept: list[Token] = []
            i = 0
            while i < len(ops):
                if levels[ops[i].type][0] != level:
                    kept.append(ops[i])
                    merged.append(operands[i + 1])
                    i += 1
                    continue
                run = [merged.pop()]
                j = i
                while j < len(ops) and levels[ops[j].type][0] == level:
                    run += (ops[j], operands[j + 1])
                    j += 1
                merged.append(self.combine(levels[ops[i].type][1], run))
                i = j
            operands, ops = merged, kept
        return operands[0]  # a combined run

    def combine(self, kind: str, run: list[Any]) -> Formula:
        if kind == "eq":
            return self.eq(run)
        fold, node = _COMBINERS[kind]
        return fold(self, node, run)

    def eq(self, children: list[Any]) -> Formula:
        """``t = u``, ``t != u`` and comparisons; NLTK chains fold left."""
        first = children[0]
        result: Formula | None = None
        for i in range(1, len(children), 2):
            op = children[i]
            if result is not None:
                raise BuildError("an equation stands where a term is needed (not first-order)", op)
            left = self.term(first, op)
            right = self.term(children[i + 1], op)
            symbol = op.value.strip()
            if symbol in _EQ:
                result = Eq(left, right)
            elif symbol in _NEQ:
                result = Not(Eq(left, right))
            else:
                result = Pred(_COMPARISONS[symbol], (left, right))
        assert result is not None  # the grammar gives at least one operator
        return result

    def bare(self, children: list[Any]) -> App:
        """A name without arguments."""
        return App(self.name(children[0]), (), children[0])

    def app(self, children: list[Any]) -> App:
        head = children[0]
        if len(children) == 1:
            return App(self.name(head), (), head)
        self._check_head(head.value, head)
        args = tuple([self.term(value, head) for value in children[1:]])
        return App(self.name(head), args, head)

    def atom(self, children: list[Token]) -> App:
        token = children[0]
        return self.flat_atom(token.value, token)

    def negated_atom(self, children: list[Token]) -> Formula:
        """``-P(a)`` lexed as one token."""
        token = children[0]
        app = self.flat_atom(token.value[1:].lstrip(self.SPACE), token)
        return Not(Pred(app.name, app.args))

    def flat_atom(self, text: str, token: Token) -> App:
        """``P(a, b)`` lexed as one token (``text``; errors point at ``token``):
        names cannot hold ``( ) ,`` or spaces."""
        open_at = text.index("(")
        space = self.SPACE
        names = [piece.strip(space) for piece in text[open_at + 1 : -1].split(",")]
        if not self.keywords.isdisjoint(names):
            keyword = next(name for name in names if name in self.keywords)
            raise BuildError(f"unexpected {keyword!r}", token)
        # the ATOM regex keeps keywords out of the head
        head = text[:open_at].strip(space)
        self._check_head(head, token)
        return App(head, tuple(map(Const, names)), token)

    def _check_head(self, head: str, token: Token) -> None:
        """Refuse arguments after a name the syntax reads as a variable."""
        if self.VARIABLE_HEAD is not None and self.VARIABLE_HEAD.match(head):
            raise BuildError(
                f"{head!r} is a variable and cannot take arguments in NLTK syntax", token
            )

    def name(self, token: Token) -> str:
        return token.value

    def top(self, children: list[Any]) -> Formula:
        return Top()

    def bottom(self, children: list[Any]) -> Formula:
        return Bottom()

    def quant(self, children: list[Any]) -> Formula:
        """``Q v1 v2 ... body``: the first variable outermost."""
        op = children[0]
        names: list[str] = []
        for value in children[1:-1]:
            if isinstance(value, list):
                names.extend(self.variable(v) for v in value)
            elif getattr(value, "type", None) in ("NAME", "VAR"):
                names.append(self.variable(value))
        return self.quantify(op, op.value, names, children[-1])

    def quantify(self, op: Token, word: str, names: list[str], body: Any) -> Formula:
        """Bind ``names`` (the first outermost) over ``body`` with quantifier ``word``."""
        node = self.formula(body)
        kind = ForAll if word in _FORALL_WORDS or word.lower() in _FORALL_WORDS else Exists
        for name in reversed(names):
            var = Var(name)
            node = kind(var, _bind(node, name, var))
        return node

    quant_call = quant

    def variable(self, token: Token) -> str:
        return token.value


_COMBINERS = {
    "and": (Builder._nary, And),
    "or": (Builder._nary, Or),
    "xor": (Builder._fold_left, Xor),
    "imp": (Builder._fold_left, Implies),
    "iff": (Builder._fold_left, Iff),
    "imp_right": (Builder._fold_right, Implies),
    "iff_right": (Builder._fold_right, Iff),
}
"""How ``Builder.combine`` folds a run of one level (``eq`` aside)."""


class NltkBuilder(Builder):
    """NLTK's rules on names: what may be bound and what may take arguments."""

    SPACE: ClassVar[str | None] = " \t\n"  # NLTK splits on these only
    VARIABLE_HEAD: ClassVar[re.Pattern[str] | None] = NLTK_INDIVIDUAL
    LEVELS: ClassVar[dict[str, tuple[int, str]]] = {
        "EQOP": (1, "eq"),
        "AND": (2, "and"),
        "AND_KW": (2, "and"),
        "OR": (3, "or"),
        "OR_KW": (3, "or"),
        "IMP": (5, "imp"),
        "IMP_KW": (5, "imp"),
        "IFF": (6, "iff"),
        "IFF_KW": (6, "iff"),
    }

    def variable(self, token: Token) -> str:
        if not NLTK_VARIABLE.match(token.value):
            raise BuildError(f"{token.value!r} cannot be a bound variable in NLTK syntax", token)
        return token.value

    def name(self, token: Token) -> str:
        if token.value == "iota":
            raise BuildError("'iota' expressions are not first-order", token)
        return token.value

    def quant_eq(self, children: list[Any]) -> Formula:
        """``all x. a = b``: the equation belongs to the body, as in NLTK."""
        return self.quant([children[0], self.eq(children[1:])])

    def quant_paren(self, children: list[Any]) -> Formula:
        """``all x. ( body )`` with ``all x. (`` lexed as one token."""
        return self.quant([children[0], self.paren(children)])

    def quant_paren_eq(self, children: list[Any]) -> Formula:
        """``all x. (a) = b``: the equation belongs to the body, as in NLTK."""
        return self.quant_eq([children[0], self.paren(children), *children[3:]])

    def quant(self, children: list[Any]) -> Formula:
        head = children[0]
        if head.type not in ("PREFIX", "PREFIX_OPEN"):
            return super().quant(children)
        # "all x y." lexed as one token
        word, *names = _NLTK_SPACE.split(head.value.rstrip(" \t\n(")[:-1].strip(" \t\n"))
        for name in names:
            if not NLTK_VARIABLE.match(name):
                raise BuildError(f"{name!r} cannot be a bound variable in NLTK syntax", head)
        return self.quantify(head, word, names, children[-1])


class NltkExtendedBuilder(Builder):
    """NLTK's precedence with ``xor`` between ``|`` and ``->``; ``-x = c``
    means ``-(x = c)``."""

    LEVELS: ClassVar[dict[str, tuple[int, str]]] = {
        **NltkBuilder.LEVELS,
        "XOR": (4, "xor"),
        "XOR_KW": (4, "xor"),
    }

    def eq(self, children: list[Any]) -> Formula:
        first = children[0]
        if len(children) == 3 and type(first) is Not:
            body = first.body
            if type(body) is Pred:  # "-x = c": NLTK's (-x) = c is not first-order
                inner = App(body.name, body.args, children[1])
                return Not(super().eq([inner, children[1], children[2]]))
        return super().eq(children)


class LeanBuilder(Builder):
    """Lean names may be written «quoted»; binders may carry a type."""

    LEVELS: ClassVar[dict[str, tuple[int, str]]] = {
        "AND": (2, "and"),
        "OR": (3, "or"),
        "IMP": (5, "imp_right"),
        "IFF": (6, "iff"),
    }

    def name(self, token: Token) -> str:
        text = token.value
        return text[1:-1] if text.startswith("«") else text

    variable = name

    def xor_prefix(self, children: list[Any]) -> Formula:
        _, left, right = children
        return Xor(self.formula(left), self.formula(right))

    def typed_binder(self, children: list[Any]) -> list[Token]:
        return list(children[:-1])  # the last name is the type

    def type_annotation(self, children: list[Any]) -> None:
        return None  # types are not part of the IR
