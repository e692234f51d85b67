"""Text to IR: grammars, repairs, printers, and the LLM semantic parser.

``read``/``parse`` turn text into ``linc.ir`` formulas; ``render`` prints
them back (``prover9`` and ``tptp`` output come from their backends).
Names bound by a quantifier become ``Var``, all other names ``Const``;
``A & B & C`` is one n-ary ``And``, ``A & (B & C)`` an ``And`` in an ``And``.

Syntaxes and their precedence (tightest first):

``nltk``
    LINC's prompt syntax, read exactly as ``nltk.sem.logic`` reads it
    wherever NLTK reads the text: ``-`` (also ``!``, ``not``); ``=`` ``!=``;
    a quantifier ``all x.`` / ``exists x y.`` whose body is the next unit
    plus any ``=`` after it; then ``&``, ``|``, ``->``, ``<->``, all
    left-associative (``A -> B -> C`` is ``(A -> B) -> C``). Where NLTK
    fails, these also read: ``All``/``Exists``/``ForAll``..., ``all x, y.``,
    ``~`` and ``¬``, Unicode connectives, ``xor``/``⊕`` (between ``|`` and
    ``->``), comparisons ``> < >= <= ≥ ≤`` between terms (predicates named
    by the operator), numbers with units (``42.3Billion``), ``⊤ ⊥``, and
    ``-x = c`` as ``-(x = c)``.
``nltk-strict``
    Exactly what NLTK reads, read the same way, nothing more: NLTK's own
    tokens are the names (``~P(a)`` is a predicate named ``~P``). Readings
    that are not first-order (a formula as an argument, ``(-x) = c``,
    lambda, iota) are a ``ParseError``.
``unicode``
    FOLIO and Logic-LM: ``¬ ∀x ∃x`` (a quantifier's body is the next unit),
    then ``∧``, ``∨``, ``⊕`` (left-associative), ``→``, ``↔`` (both
    right-associative); ``= ≠ > < ≥ ≤`` between terms. Names may hold
    digits, ``_ ’ ' + $`` and inner ``-`` or ``.``. A free single letter
    ``u``–``z`` is universally closed (``Parsed.closed``); other free names
    are constants.
``lean``
    Lean 4 propositions: ``¬`` over ``= ≠`` over ``∧`` over ``∨`` over
    ``→`` (right-associative) over ``↔``; ``∀ x y, body`` and ``∃ x, body``
    reach as far right as possible; application by juxtaposition.
``auto``
    Picks from the text (``Name(`` call syntax rules Lean out; a Lean binder
    or juxtaposition puts Lean first; Unicode connectives put ``unicode``
    before ``nltk``), tries the others in turn, and reports the one used.

``repair=True`` applies, only to text that fails as written, the edits in
``linc.parsers.repair`` and records each as a ``Repair``.
"""

from __future__ import annotations

from linc.parsers.printer import RENDER_SYNTAXES, RenderError, render
from linc.parsers.reader import SYNTAXES, Parsed, Repair, parse, read

__all__ = [
    "RENDER_SYNTAXES",
    "SYNTAXES",
    "Parsed",
    "RenderError",
    "Repair",
    "parse",
    "read",
    "render",
]
