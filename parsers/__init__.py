"""Text to IR: grammars, repairs, printers, and the LLM semantic parser.

``read``/``parse`` turn text into ``linc.ir`` formulas; ``render`` prints
them back. Syntaxes: ``nltk`` (LINC's prompt syntax), ``nltk-strict``
(exactly NLTK's ``Expression.fromstring``), ``unicode`` (FOLIO, Logic-LM),
``lean`` (Lean 4 propositions) and ``auto``. ``prover9`` and ``tptp`` output
come from their backends.
"""

from __future__ import annotations

from linc.parsers.printer import RENDER_SYNTAXES, RenderError, render
from linc.parsers.reader import SYNTAXES, Parsed, Repair, parse, read

__all__ = ["RENDER_SYNTAXES", "SYNTAXES", "Parsed", "RenderError", "Repair", "parse", "read", "render"]
