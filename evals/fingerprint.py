"""A digest of the code that turns a completion into a task.

The runner caches readings keyed on it, so editing a grammar, a repair, the
IR or the task builder invalidates them.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.util import find_spec
from pathlib import Path

READER_MODULES = (
    "linc.parsers.extract",
    "linc.parsers.reading",
    "linc.parsers.reader",
    "linc.parsers.grammar",
    "linc.parsers.grammars",  # the .lark files
    "linc.parsers.build",
    "linc.parsers.repair",
    "linc.parsers.linc_rewrite",
    "linc.ir",
    "linc.walk",
    "linc.rename",
    "linc.task",
    "linc.pipeline",
)
"""The modules that turn completion text into a task (not the LLM client or the prompts)."""


@cache
def reader_fingerprint() -> str:
    """The digest of the reading code (see the module doc)."""
    h = hashlib.sha256()
    for name in READER_MODULES:
        spec = find_spec(name)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            files = sorted(
                f
                for loc in spec.submodule_search_locations
                for f in Path(loc).rglob("*")
                if f.suffix in (".py", ".lark")
            )
        else:
            files = [Path(spec.origin)] if spec.origin else []
        for path in files:
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:32]
