"""Per-problem GBNF grammars: one ``FOL:`` line per sentence, names from the problem's words.

``lines_grammar(sentences)`` is the grammar of a formulas-only completion:
exactly ``len(sentences)`` lines ``FOL:<tab><formula>`` (a trailing space
allowed: a model that ends a line with one would otherwise be pushed into
an operator), nothing else. With
``restrict=True`` the formula of line i may use as predicates only the
names sentence i's content words make, as constants only the names sentence
i mentions (all the problem's when it holds a pronoun), a negation sign only
when its words hold a negation cue (``not``, ``no``, ``never``, ``either`` ...),
``|`` only with ``or``/``either``/``unless``, ``<->`` only with ``either``/
``only``/``exactly``, and at least two atoms when the sentence has two
groups of content words (``All cats are mammals``: not a lone atom)
(``linc.parsers.vocabulary``); the quantifier structure stays free (the shape of ``prompts/fol.gbnf``: three levels of parentheses,
up to three quantifiers per prefix). Without it every line uses the general
name rule of ``fol.gbnf``. The same text can be sent to a llama.cpp server.

``vocabulary_grammar(sentences)`` is the TEXT/FOL form (the sentences fixed
as TEXT lines, as ``llm_prompts.problem_grammar``) with the same names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from linc.parsers.gbnf_shapes import Shape, shape_rules
from linc.parsers.llm_prompts import FOL_TAG, TEXT_TAG, gbnf_literal, one_line
from linc.parsers.vocabulary import Vocabulary, vocabulary, words

_SHARED = r"""
quants ::= quant (" " quant){0,2} " "
quant ::= ("all " | "exists ") var "."
alls ::= "all " var "." (" all " var "."){0,2} " "
somes ::= "exists " var "." (" exists " var "."){0,2} " "
qall ::= (quant " "){0,2} "all " var "." " "
qsome ::= (quant " "){0,2} "exists " var "." " "
var ::= [x-z]
anyname ::= [A-Z] [a-zA-Z0-9_]{0,24}
"""


def _alternatives(names: Sequence[str]) -> str:
    return " | ".join(gbnf_literal(name) for name in names)


def _blocks(sentences: Sequence[str], *, restrict: bool, strict: bool = False) -> list[str]:
    """Per sentence: the rules of its formula, ``f<i>`` (names and structure).

    ``strict``: the grammar itself also demands the negation and the last group's word
    (``requirements``); such grammars are ambiguous and decode several times slower in
    llama.cpp, so by default these are checked on each sampled line instead.
    """
    if not restrict:
        every = (" & ", " | ", " -> ", " <-> ")
        return [
            shape_rules(Shape(str(i), "anyname", "(var | anyname)", every, constants="anyname"))
            for i in range(len(sentences))
        ]
    vocab = vocabulary([one_line(s) for s in sentences])
    return [_block(vocab, i, sentences[i], strict=strict) for i in range(len(sentences))]


def _block(
    vocab: Vocabulary,
    i: int,
    sentence: str,
    *,
    strict: bool = False,
    arities: Mapping[str, int] | None = None,
) -> str:
    """The rules of sentence ``i``'s formula under its vocabulary.

    Two content-word groups need two atoms; one content word is one atom. ``arities``: the
    number of arguments of predicates earlier lines used; each keeps it here (``Love(x, y)``
    above, so not ``Love(x)``: the prover would see two unrelated predicates).
    """
    names = vocab.predicates[i] or vocab.all_predicates or ("P",)
    fixed = {n: a for n, a in (arities or {}).items() if n in names}
    split: dict[str, tuple[int, ...]] = {}
    rules: list[str] = []

    def named(rule: str, options: Sequence[str]) -> str:
        rules.append(f"{rule} ::= {_alternatives(options)}")
        if any(n in fixed for n in options):
            by_arity = {a: [n for n in options if fixed.get(n, a) == a] for a in (1, 2)}
            split[rule] = tuple(a for a, ns in by_arity.items() if ns)
            rules.extend(f"{rule}-{a} ::= {_alternatives(by_arity[a])}" for a in split[rule])
        return rule

    named(f"p{i}", names)
    term, constants, arguments, arity = "var", None, None, 0
    if vocab.line_constants[i]:
        rules.append(f"c{i} ::= {_alternatives(vocab.line_constants[i])}")
        term = f"(var | c{i})"
        constants = None if vocab.quantifier[i] else f"c{i}"  # "every": a quantifier leads
    if vocab.ground[i] and vocab.words[i] == 1 and len(vocab.named[i]) in (1, 2):
        about = vocab.named[i]
        if all(fixed.get(n) == 1 for n in vocab.lead[i] or names):  # a property above: the
            about = about[:1]  # subject alone ("Greg misses the game" after "Miss(Greg)")
        rules.append(f"r{i} ::= {_arguments(about, sentence)}")
        arguments, arity = f"r{i}", len(about)
    lead = tail = None
    if vocab.lead[i] and set(vocab.lead[i]) != set(names):
        lead = named(f"l{i}", vocab.lead[i])
    if vocab.tail[i] and strict:
        tail = named(f"t{i}", vocab.tail[i])
    short = vocab.words[i] <= 2
    binops = [" & ", " -> "]
    if vocab.disjunction[i]:
        binops.append(" | ")
    if vocab.biconditional[i]:
        binops.append(" <-> ")
    shape = Shape(
        str(i),
        f"p{i}",
        term,
        tuple(binops),
        negation=vocab.negation[i],
        lead=lead,
        tail=tail,
        compound=vocab.groups[i] >= 2,
        negate=strict and vocab.negated[i],
        single=vocab.words[i] == 1,
        constants=constants,
        quantified=not vocab.ground[i],
        arguments=arguments,
        arity=arity,
        quants=_outer_quantifier(vocab, i),
        body=" -> " if vocab.universal[i] else " & " if vocab.existential[i] else "",
        depth=2 if short else 3,
        names=(names, vocab.lead[i] or names, vocab.tail[i] or names) if short else (),
        fixed=fixed,
        split=split,
    )
    rules.append(shape_rules(shape))
    return "\n".join(rules)


def _outer_quantifier(vocab: Vocabulary, i: int) -> str:
    """The rule of sentence ``i``'s outermost quantifier prefix."""
    if vocab.conditional[i] or vocab.universal[i]:
        return "alls"
    return "somes" if vocab.existential[i] else "quants"


def _arguments(names: Sequence[str], sentence: str) -> str:
    """The arguments of a one-word sentence about ``names``: ``Red(Bob)``; ``Like(Bear, Cat)``
    for ``The bear likes the cat``, the subject first (either order in a passive, ``by``)."""
    literals = [gbnf_literal(name) for name in names]
    if len(literals) == 1:
        return f'"(" {literals[0]} ")"'
    x, y = literals
    if "by" in {w.lower() for w in words(sentence)}:
        return f'"(" {x} ", " {y} ")" | "(" {y} ", " {x} ")"'
    return f'"(" {x} ", " {y} ")"'


def _formula_rules(
    sentences: Sequence[str], *, restrict: bool, strict: bool = False
) -> tuple[str, list[str]]:
    """Every rule but the root; the formula rule of each line."""
    blocks = _blocks(sentences, restrict=restrict, strict=strict)
    body = "\n".join([_SHARED.strip(), *blocks])
    return body + "\n", [f"f{i}" for i in range(len(blocks))]


def line_grammars(
    sentences: Sequence[str], *, restrict: bool = True, strict: bool = False
) -> list[str]:
    """One GBNF per sentence: its formula, an optional space, and the newline that ends it.

    For decoding line by line (the embedded model), each line its own request.
    """
    blocks = _blocks(sentences, restrict=restrict, strict=strict)
    return [_line(i, block) for i, block in enumerate(blocks)]


def _line(i: int, block: str) -> str:
    """The grammar of line ``i`` from its rules: the formula, a space maybe, the newline."""
    return f'{_SHARED.strip()}\n{block}\nroot ::= f{i} " "? "\\n"\n'


class LineGrammars:
    """The grammar of each line of one problem, given the arities earlier lines chose."""

    def __init__(self, sentences: Sequence[str]) -> None:
        self.sentences = list(sentences)
        self.vocab = vocabulary([one_line(s) for s in sentences])

    def grammar(self, i: int, arities: Mapping[str, int], *, strict: bool = False) -> str:
        """Line ``i``'s GBNF, each predicate in ``arities`` with that many arguments."""
        return _line(i, _block(self.vocab, i, self.sentences[i], strict=strict, arities=arities))


def arities(formula: str) -> dict[str, int]:
    """How many arguments each predicate of ``formula`` takes (the first use of each)."""
    found: dict[str, int] = {}
    for name, args in _ATOM_ARGS.findall(formula):
        found.setdefault(name, args.count(",") + 1)
    return found


@dataclass(frozen=True)
class Requirement:
    """What a sampled formula of one sentence must hold (checked after sampling)."""

    negate: bool = False  # a negation sign (the sentence says not, no, never ...)
    tail: tuple[str, ...] = ()  # some predicate among these (the last content-word group)
    compound: bool = False  # two atoms or more
    names: tuple[str, ...] = ()  # the constants the sentence names: each one in some atom
    atoms: int = 0  # at most this many atoms (0: no bound); more is a model repeating itself

    def met(self, formula: str) -> bool:
        """Whether ``formula`` (NLTK syntax, from our grammar) holds all of it."""
        names = _ATOM.findall(formula)
        if self.negate and "-" not in formula.replace("->", ""):
            return False
        if self.tail and not set(self.tail) & set(names):
            return False
        if self.atoms and len(names) > self.atoms:
            return False
        terms = set(_TERM.findall(formula))
        if not set(self.names) <= terms:
            return False
        return not (self.compound and (len(names) < 2 or len(set(_ATOM_ARGS.findall(formula))) < 2))


_ATOM = re.compile(r"([A-Z][A-Za-z0-9_]*)\(")
_ATOM_ARGS = re.compile(r"([A-Z][A-Za-z0-9_]*)\(([^()]*)\)")
_TERM = re.compile(r"[(,] ?([A-Z][A-Za-z0-9_]*)(?=[,)])")
ATOMS_PER_WORD = 2
"""A sentence's formula has at most this many atoms per content word, and at least four
(``Either A or B`` written ``(A | B) & -(A & B)`` repeats each atom once)."""


def requirements(sentences: Sequence[str]) -> list[Requirement]:
    """Per sentence, what its formula must hold beyond the grammar (see ``Requirement``)."""
    vocab = vocabulary([one_line(s) for s in sentences])
    return [
        Requirement(
            negate=vocab.negated[i],
            tail=vocab.tail[i],
            compound=vocab.groups[i] >= 2,
            names=vocab.named[i],
            atoms=max(4, ATOMS_PER_WORD * vocab.words[i]),
        )
        for i in range(len(sentences))
    ]


def lines_grammar(sentences: Sequence[str], *, restrict: bool = True, strict: bool = False) -> str:
    """GBNF of exactly one ``FOL:`` line per sentence (the conclusion last)."""
    rules, lines = _formula_rules(sentences, restrict=restrict, strict=strict)
    parts = []
    for i, rule in enumerate(lines):
        head = ("" if i == 0 else "\n") + FOL_TAG
        parts.append(f'{gbnf_literal(head)} {rule} " "?')
    return rules + "root ::= " + " ".join(parts) + "\n"


def vocabulary_grammar(sentences: Sequence[str], *, strict: bool = False) -> str:
    """GBNF of the TEXT/FOL form with each formula's names taken from its sentence."""
    rules, lines = _formula_rules(sentences, restrict=True, strict=strict)
    parts = []
    for i, (sentence, rule) in enumerate(zip(sentences, lines)):
        head = ("" if i == 0 else "\n") + TEXT_TAG + one_line(sentence) + "\n" + FOL_TAG
        parts.append(f'{gbnf_literal(head)} {rule} " "?')
    return rules + "root ::= " + " ".join(parts) + "\n"
