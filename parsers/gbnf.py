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

from collections.abc import Sequence
from dataclasses import dataclass

from linc.parsers.llm_prompts import FOL_TAG, TEXT_TAG, gbnf_literal, one_line
from linc.parsers.vocabulary import vocabulary

MAX_ARITY = 2

_SHARED = r"""
quants ::= quant (" " quant){0,2} " "
quant ::= ("all " | "exists ") var "."
var ::= [x-z]
anyname ::= [A-Z] [a-zA-Z0-9_]{0,24}
"""


@dataclass(frozen=True)
class _Line:
    """What line ``n``'s formula may use: rule names for predicates and terms, operators."""

    pred: str
    term: str
    negation: bool = True
    binops: tuple[str, ...] = (" & ", " | ", " -> ", " <-> ")
    compound: bool = False  # at least two atoms (the sentence has two content-word groups)
    must_negate: bool = False  # a negation sign somewhere (the sentence says not, no, never ...)


def _chain(u: str, um: str, b: str, least: int) -> str:
    """``u (b u){least,2}`` with at least one ``um`` among the units."""
    first = f"{um} ({b} {u}){{{least},2}}"
    return f"{first} | {u} {b} {um} ({b} {u})? | {u} {b} {u} {b} {um}"


def _structure(n: str, line: _Line) -> str:
    """The formula rules of line ``n``; ``f<n>`` is its formula.

    Variants: ``m`` holds a negation sign somewhere, ``c`` at least two atoms.
    """
    N = f"neg-{n} " if line.negation else ""
    a, b = f"a-{n}", f"b-{n}"
    r = {name: f"{name}-{n}" for name in ("f3", "u3", "f2", "u2", "f1")}
    for name in ("f3", "u3", "f2", "u2", "f1"):
        r[name + "m"], r[name + "c"], r[name + "cm"] = (
            f"{name}m-{n}",
            f"{name}c-{n}",
            f"{name}cm-{n}",
        )
    rules = [
        f"{r['f3']} ::= {r['u3']} ({b} {r['u3']}){{0,2}}",
        f"{r['f2']} ::= {r['u2']} ({b} {r['u2']}){{0,2}}",
        f"{r['f1']} ::= {a} ({b} {N}{a})?",
        (
            f"{r['f3c']} ::= {r['u3']} ({b} {r['u3']}){{1,2}} | "
            f'{N}"(" {r["f2c"]} ")" | {N}quants {N}"(" {r["f2c"]} ")"'
        ),
        (
            f"{r['f2c']} ::= {r['u2']} ({b} {r['u2']}){{1,2}} | "
            f'{N}"(" {r["f1c"]} ")" | {N}quants {N}"(" {r["f1c"]} ")"'
        ),
        f"{r['f1c']} ::= {a} {b} {N}{a}",
    ]
    for level, inner in (("3", "2"), ("2", "1")):
        rules.append(
            f'{r["u" + level]} ::= {N}{a} | {N}"(" {r["f" + inner]} ")" | '
            f'{N}quants {N}"(" {r["f" + inner]} ")"'
        )
    if line.negation:
        for level, inner in (("3", "2"), ("2", "1")):
            f, fm = r["f" + inner], r["f" + inner + "m"]
            rules.append(
                f'{r["u" + level + "m"]} ::= "-" {a} | "-" "(" {f} ")" | {N}"(" {fm} ")" | '
                f'"-" quants {N}"(" {f} ")" | quants "-" "(" {f} ")" | {N}quants {N}"(" {fm} ")"'
            )
            rules.append(
                f"{r['f' + level + 'm']} ::= {_chain(r['u' + level], r['u' + level + 'm'], b, 0)}"
            )
            fc, fcm = r["f" + inner + "c"], r["f" + inner + "cm"]
            rules.append(
                f"{r['f' + level + 'cm']} ::= {_chain(r['u' + level], r['u' + level + 'm'], b, 1)} | "
                f'"-" "(" {fc} ")" | {N}"(" {fcm} ")" | "-" quants {N}"(" {fc} ")" | '
                f'quants "-" "(" {fc} ")" | {N}quants {N}"(" {fcm} ")"'
            )
        rules.append(f'{r["f1m"]} ::= "-" {a} ({b} {N}{a})? | {a} {b} "-" {a}')
        rules.append(f'{r["f1cm"]} ::= "-" {a} {b} {N}{a} | {a} {b} "-" {a}')
        rules.append(f'neg-{n} ::= "-"?')
    top = "f3" + ("c" if line.compound else "") + ("m" if line.must_negate else "")
    rules.append(f"f{n} ::= {r[top]}")
    rules.append(f'{a} ::= {line.pred} "(" {line.term} (", " {line.term}){{0,{MAX_ARITY - 1}}} ")"')
    rules.append(f"{b} ::= {_alternatives(line.binops)}")
    return "\n".join(rules)


def _alternatives(names: Sequence[str]) -> str:
    return " | ".join(gbnf_literal(name) for name in names)


def _blocks(sentences: Sequence[str], *, restrict: bool) -> list[str]:
    """Per sentence: the rules of its formula, ``f<i>`` (names and structure)."""
    vocab = vocabulary([one_line(s) for s in sentences]) if restrict else None
    blocks = []
    for i in range(len(sentences)):
        if vocab is None:
            blocks.append(_structure(str(i), _Line("anyname", "(var | anyname)")))
            continue
        names = vocab.predicates[i] or vocab.all_predicates or ("P",)
        rules = [f"p{i} ::= {_alternatives(names)}"]
        term = "var"
        if vocab.line_constants[i]:
            rules.append(f"c{i} ::= {_alternatives(vocab.line_constants[i])}")
            term = f"(var | c{i})"
        binops = [" & ", " -> "]
        if vocab.disjunction[i]:
            binops.append(" | ")
        if vocab.biconditional[i]:
            binops.append(" <-> ")
        line = _Line(
            f"p{i}",
            term,
            vocab.negation[i],
            tuple(binops),
            compound=vocab.groups[i] >= 2,
            must_negate=vocab.negated[i],
        )
        rules.append(_structure(str(i), line))
        blocks.append("\n".join(rules))
    return blocks


def _formula_rules(sentences: Sequence[str], *, restrict: bool) -> tuple[str, list[str]]:
    """Every rule but the root; the formula rule of each line."""
    blocks = _blocks(sentences, restrict=restrict)
    body = "\n".join([_SHARED.strip(), *blocks])
    return body + "\n", [f"f{i}" for i in range(len(blocks))]


def line_grammars(sentences: Sequence[str], *, restrict: bool = True) -> list[str]:
    """One GBNF per sentence: its formula, an optional space, and the newline that ends it.

    For decoding line by line (the embedded model), each line its own request.
    """
    return [
        f'{_SHARED.strip()}\n{block}\nroot ::= f{i} " "? "\\n"\n'
        for i, block in enumerate(_blocks(sentences, restrict=restrict))
    ]


def lines_grammar(sentences: Sequence[str], *, restrict: bool = True) -> str:
    """GBNF of exactly one ``FOL:`` line per sentence (the conclusion last)."""
    rules, lines = _formula_rules(sentences, restrict=restrict)
    parts = []
    for i, rule in enumerate(lines):
        head = ("" if i == 0 else "\n") + FOL_TAG
        parts.append(f'{gbnf_literal(head)} {rule} " "?')
    return rules + "root ::= " + " ".join(parts) + "\n"


def vocabulary_grammar(sentences: Sequence[str]) -> str:
    """GBNF of the TEXT/FOL form with each formula's names taken from its sentence."""
    rules, lines = _formula_rules(sentences, restrict=True)
    parts = []
    for i, (sentence, rule) in enumerate(zip(sentences, lines)):
        head = ("" if i == 0 else "\n") + TEXT_TAG + one_line(sentence) + "\n" + FOL_TAG
        parts.append(f'{gbnf_literal(head)} {rule} " "?')
    return rules + "root ::= " + " ".join(parts) + "\n"
