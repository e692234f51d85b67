"""Injective, syntax-safe names for prover inputs.

Names in the IR come from model output and can be anything (``set(auto)``,
``end_of_list.``, ``#eval``). Every printer maps each IR symbol to a name
that is a plain identifier of its target language, is not one of that
language's reserved words, and differs from every other name in the same
input, so two IR symbols can never merge and no name can become syntax.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable

_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")


def plain(name: str) -> str:
    """``name`` with every character outside ``[A-Za-z0-9_]`` replaced by ``_``."""
    return _NOT_WORD.sub("_", name)


class Namer:
    """Hands out distinct identifiers, one per key, stable within one input.

    ``shape`` turns a raw name into a candidate identifier of the target
    syntax; the namer then adds ``_2``, ``_3``, … until the candidate is
    neither reserved nor taken (and still passes ``shape``'s rules, because
    suffixes only append word characters).
    """

    __slots__ = ("_map", "_taken")

    def __init__(self, *, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = set(reserved)
        self._map: dict[Hashable, str] = {}

    def get(self, key: Hashable, raw: str, shape: Callable[[str], str]) -> str:
        """The identifier for ``key`` (created from ``raw`` on first use)."""
        found = self._map.get(key)
        if found is not None:
            return found
        base = shape(raw)
        out = base
        index = 2
        while out in self._taken:
            out = f"{base}_{index}"
            index += 1
        self._taken.add(out)
        self._map[key] = out
        return out

    def mapping(self) -> dict[Hashable, str]:
        """Every key handed out so far and its identifier."""
        return dict(self._map)
