"""The minimal repairs real model output needs (``read(..., repair=True)``).

Each repair is a small, named text edit: a trailing ``.``, parentheses left
open at the end or a stray ``)``, ``,`` between two formulas read as ``∧``,
and a multi-word constant (``captain america``) joined with ``_``. They are
tried only after the text failed to parse as written, one at a time first,
then cumulatively, and every edit made is reported as a ``Repair``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from linc.parsers.reader import Repair

Fix = Callable[[str, str], tuple[str, list[Repair]]]

_AND = {"nltk": "&", "nltk-strict": "&", "unicode": "∧", "lean": "∧"}
_WORD = r"[^\W\d][\w'’]*"
_MULTIWORD = re.compile(rf"(?<=[(,])(\s*)({_WORD}(?:[ \t]+[\w'’]+)+)(\s*)(?=[,)])")
_LOOKBACK = 200  # characters looked at before a '(' or ',' (binders are short)
_BINDER_TAIL = re.compile(r"(?:[∀∃]|\b(?:all|exists|forall|All|Exists)\b)[\w \t,:]*$")
_QUANTIFIED = re.compile(r"(?:[∀∃]|\b(?:all|exists|forall|All|Exists)\s)\s*\w+$")
_KEYWORDS = frozenset(
    "all exists exist some forall not and or implies iff xor iota All Exists ForAll Forall".split()
)


def trailing_dot(text: str, syntax: str) -> tuple[str, list[Repair]]:
    """``P(a).`` → ``P(a)``."""
    stripped = text.rstrip()
    if stripped.endswith(".") and not stripped.endswith(".."):
        pos = len(stripped) - 1
        return stripped[:pos] + text[len(stripped) :], [
            Repair("trailing-dot", pos, "dropped a trailing '.'")
        ]
    return text, []


def parentheses(text: str, syntax: str) -> tuple[str, list[Repair]]:
    """Drop each ``)`` that closes nothing; close what is left open at the end."""
    out: list[str] = []
    repairs: list[Repair] = []
    depth = 0
    for pos, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            if depth == 0:
                repairs.append(Repair("stray-paren", pos, "dropped a ')' that closes nothing"))
                continue
            depth -= 1
        out.append(ch)
    fixed = "".join(out)
    if depth > 0:
        end = len(fixed.rstrip())
        fixed = fixed[:end] + ")" * depth + fixed[end:]
        repairs.append(Repair("close-paren", end, f"added {depth} ')' at the end"))
    return fixed, repairs


def comma_as_and(text: str, syntax: str) -> tuple[str, list[Repair]]:
    """A ``,`` between two formulas (not inside an argument list) → ``∧``."""
    conj = _AND.get(syntax, "∧")
    out: list[str] = []
    repairs: list[Repair] = []
    stack: list[bool] = []  # for each open '(' : is it an argument list?
    for pos, ch in enumerate(text):
        if ch == "(":
            before = text[max(0, pos - _LOOKBACK) : pos].rstrip()
            named = bool(before) and (before[-1].isalnum() or before[-1] in "_'’")
            stack.append(named and not _QUANTIFIED.search(before))
        elif ch == ")":
            if stack:
                stack.pop()
        elif ch == "," and not (stack and stack[-1]) and not _binder_comma(text, pos):
            out.append(f" {conj}")
            repairs.append(Repair("comma-and", pos, f"read ',' between two formulas as '{conj}'"))
            continue
        out.append(ch)
    return "".join(out), repairs


def _binder_comma(text: str, pos: int) -> bool:
    """Whether the comma at ``pos`` separates quantified variables or ends a Lean binder."""
    return _BINDER_TAIL.search(text[max(0, pos - _LOOKBACK) : pos]) is not None


def multiword_names(text: str, syntax: str) -> tuple[str, list[Repair]]:
    """``Likes(captain america, x)`` → ``Likes(captain_america, x)``."""
    if syntax == "lean":  # juxtaposition is application there
        return text, []
    repairs: list[Repair] = []

    def join(match: re.Match[str]) -> str:
        words = match.group(2).split()
        if any(w in _KEYWORDS for w in words):
            return match.group(0)
        repairs.append(
            Repair("multiword-name", match.start(2), f"joined {match.group(2)!r} with '_'")
        )
        return match.group(1) + "_".join(words) + match.group(3)

    return _MULTIWORD.sub(join, text), repairs


FIXES: tuple[Fix, ...] = (trailing_dot, parentheses, comma_as_and, multiword_names)


def repaired_readings(text: str, syntax: str) -> Iterator[tuple[str, list[Repair]]]:
    """Repaired versions of ``text`` to try, fewest edits first."""
    seen = {text}
    for fix in FIXES:
        fixed, repairs = fix(text, syntax)
        if repairs and fixed not in seen:
            seen.add(fixed)
            yield fixed, repairs
    current = text
    applied: list[Repair] = []
    for fix in FIXES:
        fixed, repairs = fix(current, syntax)
        if repairs:
            current, applied = fixed, applied + repairs
            if current not in seen:
                seen.add(current)
                yield current, list(applied)
