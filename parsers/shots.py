"""Worked examples chosen per problem by sentence form, and the formulas-only prompt.

The pool is FOLIO training examples (``prompts/folio_shots.json``) and a
textbook set written for linc (``prompts/textbook_shots.json``); neither
holds a problem of a measured set (``tests/test_embedded_shots.py`` checks
it). Each sentence gets a set of forms (``all``, ``no``, ``some``, ``if``,
``or``, ``and``, ``not``, ``who``, ``fact``, ``relation``, ``something``);
``choose_shots`` ranks the pool by how many of the problem's forms an example
shows, minus a little for forms the problem does not have, conclusion forms
counting double. Ties keep pool order (textbook examples first), so the
choice is deterministic.

``formulas_messages`` is the chat of a formulas-only completion: the
sentences are given, numbered, and the model writes one ``FOL:`` line each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from linc.parsers.llm_prompts import FOL_TAG, Message, one_line, prompt_file, stored_shots

TEXTBOOK_SHOTS = "textbook_shots.json"

_FORMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("all", r"^(all|every|each|any)\b|^[A-Za-z]+s are\b"),
        ("no", r"^no\b|\bnobody\b|\bno one\b|\bnone\b"),
        ("some", r"^some\b|\bthere (is|are|exists?)\b|\bat least one\b"),
        ("if", r"\bif\b|\bunless\b|\bwhenever\b"),
        ("or", r"\bor\b|\beither\b"),
        ("and", r"\band\b|,\s*\w+ (things|people)\b"),
        ("not", r"\bnot\b|n't\b|\bnever\b"),
        ("who", r"\b(who|that|which)\b"),
        ("something", r"\b(something|someone|somebody|things|people)\b"),
    )
)
_NAME = re.compile(r"^(?:The [a-z]+|[A-Z][a-z]+)\b(?! are\b)")
_RELATION = re.compile(r"\b[a-z]+s (?:the [a-z]+|[A-Z][a-z]+)\b")


def forms(sentence: str) -> frozenset[str]:
    """The sentence forms ``sentence`` shows (see the module doc)."""
    text = one_line(sentence)
    found = {name for name, pattern in _FORMS if pattern.search(text)}
    if _NAME.match(text) and not found & {"all", "no", "some", "if"}:
        found.add("fact")
    if _RELATION.search(text):
        found.add("relation")
    return frozenset(found)


@lru_cache(maxsize=1)
def textbook_shots() -> tuple[dict[str, Any], ...]:
    """The textbook worked examples shipped with linc."""
    return tuple(json.loads(prompt_file(TEXTBOOK_SHOTS))["examples"])


def shot_pool() -> tuple[dict[str, Any], ...]:
    """Every worked example: textbook first, then FOLIO training."""
    return (*textbook_shots(), *stored_shots())


def _key(sentence: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", sentence.lower()).strip()


def _profile(premises: Sequence[str], conclusion: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    for sentence in premises:
        for form in forms(sentence):
            weights[form] = max(weights.get(form, 0.0), 1.0)
    for form in forms(conclusion):
        weights[form] = weights.get(form, 0.0) + 1.0
    return weights


def score(problem: dict[str, float], shot: dict[str, float]) -> float:
    """How well a shot's forms cover a problem's (higher is better)."""
    covered = sum(min(weight, shot[form]) for form, weight in problem.items() if form in shot)
    extra = sum(weight for form, weight in shot.items() if form not in problem)
    return covered - 0.25 * extra


def choose_shots(
    n: int,
    premises: Sequence[str],
    conclusion: str,
    *,
    pool: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The ``n`` examples whose sentence forms best match the problem's.

    An example sharing the problem's conclusion or its premises is never
    chosen. The chosen examples are shown best last (nearest the problem).
    """
    if n <= 0:
        return []
    pool = shot_pool() if pool is None else pool
    mine = _profile(premises, conclusion)
    own = {_key(conclusion)} | {_key(p) for p in premises}
    ranked = []
    for order, shot in enumerate(pool):
        if _key(shot["conclusion"]) in own or own & {_key(p) for p in shot["premises"]}:
            continue
        ranked.append((-score(mine, _profile(shot["premises"], shot["conclusion"])), order, shot))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [shot for _, _, shot in ranked[:n]][::-1]


# ------------------------------------------------------------------ formulas-only prompt


def numbered(premises: Sequence[str], conclusion: str) -> str:
    """The user turn of a formulas-only request: the sentences, numbered, the conclusion last."""
    lines = [f"{i}. {one_line(s)}" for i, s in enumerate(premises, start=1)]
    lines.append(f"{len(premises) + 1}. {one_line(conclusion)} (conclusion)")
    return "\n".join(lines)


def formulas_text(formulas: Sequence[str]) -> str:
    """The assistant turn: one FOL line per sentence."""
    return "\n".join(FOL_TAG + f for f in formulas)


def formulas_messages(
    premises: Sequence[str], conclusion: str, shots: Sequence[dict[str, Any]]
) -> list[Message]:
    """The chat asking for one FOL line per sentence, with ``shots`` as worked examples."""
    messages: list[Message] = [
        {
            "role": "system",
            "content": prompt_file("formulas_system.txt").replace("<tab>", "\t").strip(),
        }
    ]
    for shot in shots:
        messages.append({"role": "user", "content": numbered(shot["premises"], shot["conclusion"])})
        messages.append({"role": "assistant", "content": formulas_text(shot["fol"])})
    messages.append({"role": "user", "content": numbered(premises, conclusion)})
    return messages


def formulas_repair(error: str) -> Message:
    """The user turn asking for a corrected formulas-only translation."""
    text = prompt_file("formulas_repair.txt").format(error=error).strip()
    return {"role": "user", "content": text}
