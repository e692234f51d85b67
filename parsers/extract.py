"""Finding the formulas in a completion: LINC's TEXT/FOL lines and Logic-LM programs.

The one extractor of the project: the LLM parser, recorded LINC runs and
recorded Logic-LM programs all read completions through it.

LINC's rule (``../shared/data/README.md``, fact 1): the completion is stripped
and split at ``\\n``; every line that contains the flag gives one formula (the
line with every ``FOL:`` removed, stripped); the last formula is the
conclusion, the others are the premises.

A Logic-LM program has ``Predicates:``, ``Premises:`` and ``Conclusion:``
sections, one formula a line followed by ``:::`` and the sentence it renders;
the first conclusion line is the conclusion.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

FOL_FLAG = "FOL:"
TEXT_FLAG = "TEXT:"

EXTRACTIONS = {"released": FOL_FLAG, "published": FOL_FLAG + "\t"}
"""LINC's extraction flags. ``released``: what LINC's released code reads,
every line containing ``FOL:``. ``published``: the older extraction behind
LINC's recorded ``_generations_prc.json`` files and published gpt-3.5 FOLIO
numbers, which only reads lines containing ``FOL:`` followed by a tab (a
completion that writes ``FOL: `` with a space is ``Error`` there)."""

PROGRAM = "program"
"""The extraction of a Logic-LM program (its ``Premises:``/``Conclusion:`` sections)."""


class Extraction(BaseModel):
    """The formula texts of one completion, and the sentences they translate."""

    model_config = ConfigDict(frozen=True)

    premises: tuple[str, ...]
    conclusion: str
    texts: tuple[str, ...] = ()


def check_extraction(extraction: str) -> None:
    """Raise ``ValueError`` for an unknown extraction name."""
    if extraction not in EXTRACTIONS and extraction != PROGRAM:
        choices = ", ".join([*EXTRACTIONS, PROGRAM])
        raise ValueError(f"unknown extraction {extraction!r}; choose from {choices}")


def extract(completion: str, *, extraction: str = "released") -> Extraction | None:
    """The formulas of ``completion`` (None when it holds none: an ``Error`` sample).

    ``extraction`` is a LINC flag (``EXTRACTIONS``) or ``PROGRAM``.
    """
    check_extraction(extraction)
    if extraction == PROGRAM:
        return extract_program(completion)
    return extract_fol(completion, extraction=extraction)


def extract_fol(completion: str, *, extraction: str = "released") -> Extraction | None:
    """LINC's extraction: every line containing the flag gives one formula."""
    check_extraction(extraction)
    flag = EXTRACTIONS[extraction]
    formulas = [
        line.replace(FOL_FLAG, "").strip()
        for line in completion.strip().split("\n")
        if flag in line
    ]
    if not formulas:
        return None
    return Extraction(
        premises=tuple(formulas[:-1]),
        conclusion=formulas[-1],
        texts=tuple(extract_texts(completion)),
    )


def extract_texts(completion: str) -> list[str]:
    """The ``TEXT:`` sentences of a completion, in order."""
    return [
        line.split(TEXT_FLAG, 1)[1].strip()
        for line in completion.strip().split("\n")
        if TEXT_FLAG in line and FOL_FLAG not in line
    ]


class ProgramLine(BaseModel):
    """One line of a Logic-LM program section: formula and its comment."""

    model_config = ConfigDict(frozen=True)

    formula: str
    comment: str = ""
    line: int = 0


_SECTIONS = {
    "predicates": "predicates",
    "premises": "premises",
    "conclusion": "conclusions",
    "conclusions": "conclusions",
}
_SECTION_HEAD = re.compile(r"^\s*(predicates|premises|conclusions?)\s*:\s*(.*)$", re.IGNORECASE)


def split_program(text: str) -> dict[str, list[ProgramLine]]:
    """Split a Logic-LM program into its sections.

    A section starts at a line ``Predicates:``, ``Premises:`` or
    ``Conclusion:`` (case-insensitive; text after the colon is the first
    line). Each non-empty line is ``formula ::: comment``; the comment is
    optional. Lines before the first section are ignored.
    """
    sections: dict[str, list[ProgramLine]] = {"predicates": [], "premises": [], "conclusions": []}
    current: str | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        head = _SECTION_HEAD.match(raw_line)
        if head:
            current = _SECTIONS[head.group(1).lower()]
            rest = head.group(2).strip()
            if not rest:
                continue
            raw_line = rest
        if current is None or not raw_line.strip():
            continue
        formula, _, comment = raw_line.partition(":::")
        formula = formula.strip()
        if formula:
            sections[current].append(
                ProgramLine(formula=formula, comment=comment.strip(), line=number)
            )
    return sections


def program_problem(sections: dict[str, list[ProgramLine]]) -> str:
    """Why a split program cannot be decided ('' when it can)."""
    if not sections["premises"]:
        return "no premises section"
    if not sections["conclusions"]:
        return "no conclusion section"
    return ""


def extract_program(text: str) -> Extraction | None:
    """A Logic-LM program's premises and (first) conclusion; None when either is missing."""
    sections = split_program(text)
    if program_problem(sections):
        return None
    return Extraction(
        premises=tuple(line.formula for line in sections["premises"]),
        conclusion=sections["conclusions"][0].formula,
        texts=tuple(line.comment for line in [*sections["premises"], sections["conclusions"][0]]),
    )
