"""Every formula string of the shared corpora, for parser acceptance checks.

Built on the loaders that read these files for evaluation, so a check
measures the strings the engine actually reads.
"""

from __future__ import annotations

import json
from pathlib import Path

from linc.evals.datasets import load_dataset
from linc.parsers.extract import extract_fol, split_program

FOLIO_SPLITS = ("folio-train.jsonl", "folio-validation.jsonl")


def folio_gold_strings(folder: Path) -> list[str]:
    """Every premise and conclusion FOL string of FOLIO v0 train + validation."""
    out: list[str] = []
    for name in FOLIO_SPLITS:
        for problem in load_dataset("folio", folder / name):
            out.extend(problem.premises_fol or ())
            if problem.conclusion_fol is not None:
                out.append(problem.conclusion_fol)
    return out


def linc_fol_lines(path: Path) -> list[str]:
    """The formula of every ``FOL:`` line of every completion in a LINC raw file."""
    out: list[str] = []
    for problem in json.loads(path.read_text(encoding="utf-8")):
        for completion in problem:
            extraction = extract_fol(completion)
            if extraction is not None:
                out.extend((*extraction.premises, extraction.conclusion))
    return out


def logiclm_formulas(path: Path) -> list[str]:
    """The formulas (text before ``:::``) of each program's Premises and Conclusion."""
    out: list[str] = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        sections = split_program(item["raw_logic_programs"][0])
        out.extend(line.formula for key in ("premises", "conclusions") for line in sections[key])
    return out
