"""The data of the run explorer: one run's (or two runs') records, ready for the page.

``load_run`` reads a run's ``--out`` folder and gives what the page shows:
the summary (``explorer_summary``: config, accuracy and its 95 % CI,
confusion, errors by cause, per-depth accuracy, accuracy against samples
voted, risk–coverage), and each problem with its sentences, every sample's formulas aligned with
the sentence each translates, verdict, repairs, evidence and the vote.

A sample's formulas come from its completion: ``extra["completions"]`` of
the record (every run writes them), else, for records written before replays
kept them, the recording the replay read (LINC runs: named by ``run.json``;
Logic-LM programs: by the report's ``dataset.source``).
Evidence is shown as the engine wrote it (backend, premises used, a
countermodel when the backend gave one); premises used are highlighted. Sentences are the dataset's when the record has them
(``extra["premises"]``/``extra["conclusion"]``), else the ``TEXT:`` lines
(or Logic-LM ``:::`` comments) the samples wrote, the most common sequence.
Strings are interned in one table (``strings``): samples repeat formulas.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from linc.evals.curves import read_run
from linc.evals.explorer_stats import margin_of
from linc.evals.explorer_summary import section, summary
from linc.evals.report import ProblemRecord
from linc.parsers.extract import EXTRACTIONS, FOL_FLAG, PROGRAM, TEXT_FLAG, split_program

log = logging.getLogger(__name__)

USED = re.compile(r"premises \[([\d,\s]*)\]")
"""Premise indices in a proof's evidence (``z3: unsat using premises [0, 2]``)."""


class Strings:
    """An interning table: each distinct string once, referred to by position."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def __call__(self, text: str | None) -> int:
        if not text:
            return -1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def table(self) -> list[str]:
        return list(self.index)


def pairs_of(completion: str, extraction: str) -> list[tuple[str, str]]:
    """A completion's ``(sentence, formula)`` pairs in order, as the engine extracts them.

    LINC format: every line holding the extraction's flag is a formula, and
    its sentence is the ``TEXT:`` line before it (``""`` when none). Logic-LM:
    the premises then the first conclusion, each with its ``:::`` comment.
    """
    if extraction == PROGRAM:
        sections = split_program(completion)
        lines = [*sections["premises"], *sections["conclusions"][:1]]
        return [(line.comment, line.formula) for line in lines]
    flag = EXTRACTIONS.get(extraction, FOL_FLAG)
    out: list[tuple[str, str]] = []
    text = ""
    for line in completion.strip().split("\n"):
        if flag in line:
            out.append((text, line.replace(FOL_FLAG, "").strip()))
            text = ""
        elif TEXT_FLAG in line and FOL_FLAG not in line:
            text = line.split(TEXT_FLAG, 1)[1].strip()
    return out


@lru_cache(maxsize=1 << 16)
def _norm(text: str) -> str:
    return " ".join(text.lower().split()).rstrip(".")


def canonical_sentences(
    record: ProblemRecord, samples: Sequence[list[tuple[str, str]]]
) -> tuple[list[str], str]:
    """The problem's sentences (premises, then the conclusion) and where they come from."""
    premises = record.extra.get("premises")
    conclusion = record.extra.get("conclusion")
    if isinstance(premises, list) and isinstance(conclusion, str) and conclusion:
        return [str(p) for p in premises] + [conclusion], "dataset"
    sequences = Counter(tuple(text for text, _ in pairs) for pairs in samples if pairs)
    if not sequences:
        return [], "none"
    return list(sequences.most_common(1)[0][0]), "samples"


def align(
    pairs: list[tuple[str, str]], sentences: list[str], where: dict[str, int] | None = None
) -> list[tuple[int, str, str]]:
    """Each formula with the index of the sentence it translates (-1: none found).

    A pair's own sentence is matched by its text; failing that, by position
    when the sample wrote as many formulas as there are sentences (its last
    formula is always the conclusion). ``where`` (``sentence_index``) saves
    indexing the sentences again for every sample.
    """
    if where is None:
        where = sentence_index(sentences)
    same_shape = len(pairs) == len(sentences)
    out = []
    for position, (text, formula) in enumerate(pairs):
        found = where.get(_norm(text), -1) if text else -1
        if found < 0 and same_shape:
            found = position
        if position == len(pairs) - 1 and sentences:
            found = len(sentences) - 1
        out.append((found, formula, text))
    return out


def sentence_index(sentences: list[str]) -> dict[str, int]:
    """Normalised sentence text → its first position."""
    where: dict[str, int] = {}
    for i, sentence in enumerate(sentences):
        where.setdefault(_norm(sentence), i)
    return where


def recording_completions(
    identity: dict[str, Any], report: dict[str, Any], folder: Path
) -> list[list[str]] | None:
    """The completions of a replay, by problem index, from the recording it read.

    A LINC run's recording is named by ``run.json``; Logic-LM programs by the
    report's ``dataset.source``. Relative paths are tried from here, then
    from the run folder and its parent.
    """
    fmt = section(identity, "source").get("format")
    if fmt == "linc":
        raw = section(identity, "source").get("source")
    elif fmt == "logiclm":
        raw = section(report, "dataset").get("source")
    else:
        return None
    if not isinstance(raw, str) or not raw:
        return None
    path = next((p for p in (Path(raw), folder / raw, folder.parent / raw) if p.is_file()), None)
    if path is None:
        log.warning("%s: the recording of this replay is not found; formulas are left out", raw)
        return None
    try:
        if fmt == "logiclm":
            from linc.evals.recorded import load_logiclm_programs

            programs = load_logiclm_programs(path)
            by_index = {p.index: [p.text] for p in programs}
            return [by_index.get(i, []) for i in range(max(by_index, default=-1) + 1)]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read the recording (%s)", path, exc)
        return None
    return data if isinstance(data, list) else None


def _run_identity(folder: Path) -> dict[str, Any]:
    path = folder / "run.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _sample_rows(
    record: ProblemRecord, completions: list[str] | None, extraction: str, strings: Strings
) -> tuple[list[int], str, list[list[list[int]] | None]]:
    """The problem's sentence ids, their source, and per sample ``[[sentence, formula, text]]``."""
    if not completions:
        return [], "none", [None] * len(record.samples)
    read: dict[str, list[tuple[str, str]]] = {}  # samples often repeat a completion
    for c in completions:
        if c not in read:
            read[c] = pairs_of(c, extraction)
    pairs = [read[c] for c in completions]
    sentences, source = canonical_sentences(record, pairs)
    where = sentence_index(sentences)
    done: dict[str, list[list[int]]] = {}
    rows: list[list[list[int]] | None] = []
    for sample in record.samples:
        i = sample.index
        text = completions[i] if i < len(completions) else None
        if text is None:
            rows.append([])
        elif text not in done:
            aligned = align(pairs[i], sentences, where)
            done[text] = [[s, strings(f), strings(t) if s < 0 else -1] for s, f, t in aligned]
            rows.append(done[text])
        else:
            rows.append(done[text])
    return [strings(s) for s in sentences], source, rows


def problem_entry(
    record: ProblemRecord, completions: list[str] | None, extraction: str, strings: Strings
) -> dict[str, Any]:
    """One problem as the page reads it (short keys: 360 × 10 samples must stay small)."""
    sentences, source, rows = _sample_rows(record, completions, extraction, strings)
    answer = record.answer
    abstained = set(answer.abstained) if answer else set()
    winners = set(answer.winners) if answer else set()
    samples = []
    for sample, formulas in zip(record.samples, rows):
        used = USED.search(sample.evidence or sample.detail)
        samples.append(
            {
                "n": sample.index,
                "v": sample.verdict.value,
                "e": sample.error.value if sample.error else None,
                "r": list(sample.repairs),
                "ev": strings(sample.evidence),
                "dt": strings(sample.detail if sample.detail != sample.evidence else ""),
                "inc": sample.inconsistent,
                "to": sample.timed_out,
                "rc": sample.recorded.value if sample.recorded else None,
                "w": 1 if sample.index in winners else (-1 if sample.index in abstained else 0),
                "u": [int(x) for x in used.group(1).split(",") if x.strip()] if used else [],
                "f": formulas,
            }
        )
    causes = sorted({s.error.value for s in record.samples if s.error is not None})
    return {
        "i": record.index,
        "id": record.id,
        "g": record.gold.value if record.gold else None,
        "p": record.predicted.value,
        "ok": record.correct,
        "d": record.depth,
        "m": round(margin_of(record), 4),
        "inc": bool(answer and answer.inconsistent),
        "to": bool(answer and answer.timed_out),
        "c": causes,
        "s": sentences,
        "src": source,
        "vote": _vote(record),
        "sm": samples,
    }


def _vote(record: ProblemRecord) -> dict[str, Any] | None:
    a = record.answer
    if a is None:
        return None
    return {
        "policy": a.policy,
        "votes": {k.value: v for k, v in a.votes.items()},
        "scores": {k.value: round(v, 4) for k, v in a.scores.items()},
        "tie": a.tie,
        "tied": [v.value for v in a.tied],
        "winners": a.winners,
        "abstained": a.abstained,
    }


def load_run(folder: Path | str, strings: Strings) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A run folder's summary and problem entries (``DataError`` as ``read_run``)."""
    folder = Path(folder)
    records, report = read_run(folder)
    records.sort(key=lambda r: r.index)
    identity = _run_identity(folder)
    settings = section(identity, "settings")
    config = section(report, "config")
    fmt = section(identity, "source").get("format")
    extraction = str(settings.get("extraction") or config.get("extraction") or "released")
    if fmt == "logiclm" or config.get("format") == "logiclm":
        extraction = PROGRAM
    recorded = None
    if any("completions" not in r.extra for r in records):
        recorded = recording_completions(identity, report, folder)
    problems = []
    for r in records:
        completions = r.extra.get("completions")
        if not isinstance(completions, list) and recorded is not None and r.index < len(recorded):
            completions = recorded[r.index]
        problems.append(problem_entry(r, completions, extraction, strings))
    return summary(folder, records, report, identity), problems
