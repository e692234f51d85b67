"""Loaders for recorded LLM outputs: LINC's runs and Logic-LM's programs.

LINC (EMNLP 2023) released, per run, ``<model>_<task>-<mode>-<k>shot_`` files:
``generations_raw.json`` (one list of completions per problem),
``references.json`` (the gold label per problem), ``generations_prc.json``
(LINC's own per-sample answers) and ``results.json``. ProofWriter runs have a
proof depth per problem in ``pw-qdeps.json``.

Logic-LM (Findings of EMNLP 2023) released its FOLIO programs as the dev
items plus ``raw_logic_programs``: one program text with ``Predicates:``,
``Premises:`` and ``Conclusion:`` sections, one formula per line followed by
``:::`` and the sentence it renders.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from linc.errors import DataError
from linc.parsers.extract import ProgramLine, program_problem, split_program
from linc.results import Verdict, label_of

log = logging.getLogger(__name__)

_RUN_NAME = re.compile(r"^(?P<model>.+?)_(?P<task>[a-z]+)-(?P<mode>[a-z]+)-(?P<shots>\d+)shot$")


# ----------------------------------------------------------------- LINC


class RecordedProblem(BaseModel):
    """One problem of a recorded run: its completions and the gold label."""

    index: int
    id: str
    label: Verdict | None = None
    completions: list[str]
    depth: int | None = None
    recorded: list[Verdict] | None = Field(
        default=None, description="the recording system's own per-sample answers, when known"
    )


class RecordedRun(BaseModel):
    """A whole recorded run, with what its file names say about it."""

    name: str
    model: str = ""
    task: str = ""
    mode: str = ""
    shots: int | None = None
    source: str = ""
    problems: list[RecordedProblem]
    published_accuracy: float | None = None

    @property
    def n(self) -> int:
        return len(self.problems)


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise DataError(f"file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path} is not valid JSON: {exc}") from None


def run_name(generations: Path | str) -> str:
    """``gpt-4-0613_proofwriter-neurosymbolic-8shot`` from any of the run's files."""
    name = Path(generations).name
    for suffix in (
        "_generations_raw.json",
        "_generations_prc.json",
        "_references.json",
        "_results.json",
        ".json",
    ):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def sibling(generations: Path | str, suffix: str) -> Path:
    """The file of the same run with another suffix (``_references.json``...)."""
    path = Path(generations)
    return path.with_name(run_name(path) + suffix)


def find_depths(references: Path | str, *, task: str = "", n: int | None = None) -> Path | None:
    """``pw-qdeps.json`` next to a ProofWriter run's references, if it fits.

    Only ProofWriter runs have depths; the file must hold one integer per
    problem (``n`` of them when given).
    """
    if task and task != "proofwriter":
        return None
    candidate = Path(references).with_name("pw-qdeps.json")
    if not candidate.is_file():
        return None
    if n is not None:
        data = _read_json(candidate)
        if not isinstance(data, list) or len(data) != n:
            log.info("ignoring %s: %s entries for %s problems", candidate, len(data), n)
            return None
    return candidate


def load_linc_run(
    generations: Path | str,
    references: Path | str | None = None,
    *,
    depths: Path | str | None | bool = None,
    recorded: Path | str | None | bool = None,
    limit: int | None = None,
) -> RecordedRun:
    """Load a LINC run from its ``_generations_raw.json`` (+ references).

    ``references`` defaults to the sibling ``_references.json``. ``depths``
    and ``recorded`` (LINC's ``_generations_prc.json``) are found next to the
    files when None, skipped when False, read from the path when given.
    """
    gen_path = Path(generations)
    raw = _read_completions(gen_path)
    ref_path = Path(references) if references is not None else sibling(gen_path, "_references.json")
    labels = _read_labels(ref_path, required=references is not None, n=len(raw))
    name = run_name(gen_path)
    model, task, mode, shots = _name_parts(name)
    depth_list = _read_depths(depths, ref_path, task=task, n=len(raw))
    prc = _read_recorded(recorded, gen_path, raw)
    published = _published_accuracy(gen_path)
    problems = [
        RecordedProblem(
            index=i,
            id=f"{name}/{i}",
            label=labels[i],
            completions=raw[i],
            depth=depth_list[i],
            recorded=prc[i] if prc is not None else None,
        )
        for i in range(len(raw) if limit is None else min(limit, len(raw)))
    ]
    return RecordedRun(
        name=name,
        model=model,
        task=task,
        mode=mode,
        shots=shots,
        source=str(gen_path),
        problems=problems,
        published_accuracy=published,
    )


def _read_completions(gen_path: Path) -> list[list[str]]:
    """The ``_generations_raw.json`` file: one list of completions per problem."""
    raw = _read_json(gen_path)
    if not isinstance(raw, list) or not all(
        isinstance(p, list) and all(isinstance(c, str) for c in p) for p in raw
    ):
        raise DataError(f"{gen_path}: expected a list of lists of completions")
    return raw


def _read_labels(ref_path: Path, *, required: bool, n: int) -> list[Verdict | None]:
    """The gold label per problem; all None when the (default) references are missing."""
    if ref_path.is_file():
        refs = _read_json(ref_path)
        if not isinstance(refs, list) or len(refs) != n:
            raise DataError(
                f"{ref_path}: {len(refs) if isinstance(refs, list) else 'no'} labels "
                f"for {n} problems"
            )
        return [label_of(r) for r in refs]
    if required:
        raise DataError(f"file not found: {ref_path}")
    return [None] * n


def _name_parts(name: str) -> tuple[str, str, str, int | None]:
    """``(model, task, mode, shots)`` from a run's name (empty when it does not fit)."""
    match = _RUN_NAME.match(name)
    if match is None:
        return "", "", "", None
    return match["model"], match["task"], match["mode"], int(match["shots"])


def _read_depths(
    depths: Path | str | None | bool, ref_path: Path, *, task: str, n: int
) -> list[int | None]:
    """The proof depth per problem: from ``depths``, found next to the references, or None."""
    if depths is False:
        return [None] * n
    depth_path = (
        Path(depths) if isinstance(depths, (str, Path)) else find_depths(ref_path, task=task, n=n)
    )
    if depth_path is None:
        return [None] * n
    data = _read_json(depth_path)
    if not isinstance(data, list) or len(data) != n:
        raise DataError(f"{depth_path}: expected {n} depths")
    return [int(d) for d in data]


def _read_recorded(
    recorded: Path | str | None | bool, gen_path: Path, raw: list[list[str]]
) -> list[list[Verdict]] | None:
    """LINC's own per-sample answers (``_generations_prc.json``), when they fit the completions.

    A file given by path must fit; a sibling that does not is ignored.
    """
    if recorded is False:
        return None
    given = isinstance(recorded, (str, Path))
    prc_path = (
        Path(recorded)
        if isinstance(recorded, (str, Path))
        else sibling(gen_path, "_generations_prc.json")
    )
    if not prc_path.is_file():
        return None
    data = _read_json(prc_path)
    if (
        isinstance(data, list)
        and len(data) == len(raw)
        and all(isinstance(p, list) and len(p) == len(raw[i]) for i, p in enumerate(data))
    ):
        return [[label_of(v, error_ok=True) for v in p] for p in data]
    if given:
        raise DataError(f"{prc_path}: shape differs from {gen_path}")
    log.info("ignoring %s: shape differs from the completions", prc_path)
    return None


def _published_accuracy(gen_path: Path) -> float | None:
    """The last ``accuracy*`` number in the run's ``_results.json``, if there is one."""
    published = None
    results_path = sibling(gen_path, "_results.json")
    if results_path.is_file():
        for value in _read_json(results_path).values():
            if isinstance(value, dict):
                for key, number in value.items():
                    if key.startswith("accuracy") and isinstance(number, (int, float)):
                        published = float(number)
    return published


# ---------------------------------------------------------------- Logic-LM


class LogicLMProgram(BaseModel):
    """A Logic-LM FOLIO item with its (first) program, split into sections."""

    id: str
    index: int
    label: Verdict | None
    context: str = ""
    question: str = ""
    text: str
    predicates: list[ProgramLine] = Field(default_factory=list)
    premises: list[ProgramLine] = Field(default_factory=list)
    conclusions: list[ProgramLine] = Field(default_factory=list)
    problem: str = Field(default="", description="why the program text does not split, if so")


_ANSWER_LETTER = re.compile(r"^\s*([A-Z])\s*\)\s*(.*)$")


def _answer_label(answer: str, options: Sequence[str]) -> Verdict | None:
    for option in options:
        match = _ANSWER_LETTER.match(option)
        if match and match.group(1) == str(answer).strip().upper():
            try:
                return label_of(match.group(2))
            except DataError:
                return None
    try:
        return label_of(answer)
    except DataError:
        return None


def load_logiclm_programs(path: Path | str, *, limit: int | None = None) -> list[LogicLMProgram]:
    """Load ``FOLIO_dev_<model>.json`` with Logic-LM's ``raw_logic_programs``.

    The gold label comes from ``answer`` (a letter) through ``options``
    (``A) True``, ``B) False``, ``C) Unknown``; Unknown is Uncertain).
    """
    data = _read_json(Path(path))
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of items")
    out: list[LogicLMProgram] = []
    for index, item in enumerate(data[:limit] if limit is not None else data):
        if not isinstance(item, dict) or "raw_logic_programs" not in item:
            raise DataError(f"{path}: item {index} has no raw_logic_programs")
        programs = item["raw_logic_programs"]
        text = programs[0] if isinstance(programs, list) and programs else (programs or "")
        if not isinstance(text, str):
            text = ""
        sections = split_program(text)
        problem = program_problem(sections)
        out.append(
            LogicLMProgram(
                id=str(item.get("id", index)),
                index=index,
                label=_answer_label(item.get("answer", ""), item.get("options") or []),
                context=str(item.get("context", "")),
                question=str(item.get("question", "")),
                text=text,
                predicates=sections["predicates"],
                premises=sections["premises"],
                conclusions=sections["conclusions"],
                problem=problem,
            )
        )
    return out
