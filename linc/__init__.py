"""linc: logical reasoning over natural language with LLM parsers and provers.

``import linc`` is cheap: most public names load on first use, and no
optional dependency (llama_cpp, matplotlib, openai, a prover binding) is
imported.

``decide`` and ``Decision`` are imported at once: the function ``decide``
shares its name with the submodule ``linc.decide``, and importing a submodule
sets it as an attribute of its package. Bound here, while this package is
initialised, the function replaces the submodule once and for all, so
``linc.decide`` is the function whatever was imported first (the submodule
stays reachable as ``sys.modules["linc.decide"]`` and through
``from linc.decide import ...``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from linc.decide import Decision, decide
from linc.errors import (
    ArityError,
    BackendError,
    BackendUnavailable,
    ConfigError,
    DataError,
    LincError,
    LLMError,
    ParseError,
    UnknownBackend,
)
from linc.results import Limits, ProofResult, ProofStatus, Verdict

__version__ = "0.1.0"

_LAZY = {
    "vote": "linc.voting",
    "Answer": "linc.voting",
    "Reasoner": "linc.reasoner",
    "parse": "linc.parsers",
    "read": "linc.parsers",
    "render": "linc.parsers",
    "Problem": "linc.problems",
}

if TYPE_CHECKING:  # pragma: no cover
    from linc.parsers import parse, read, render
    from linc.problems import Problem
    from linc.reasoner import Reasoner
    from linc.voting import Answer, vote


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'linc' has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = [
    "Answer",
    "ArityError",
    "BackendError",
    "BackendUnavailable",
    "ConfigError",
    "DataError",
    "Decision",
    "LLMError",
    "Limits",
    "LincError",
    "ParseError",
    "Problem",
    "ProofResult",
    "ProofStatus",
    "Reasoner",
    "UnknownBackend",
    "Verdict",
    "__version__",
    "decide",
    "parse",
    "read",
    "render",
    "vote",
]
