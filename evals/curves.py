"""Accuracy against the number of samples voted, and what the samples were.

A run's ``records.jsonl`` keeps every sample of every problem, so the vote
can be re-cast with fewer of them, no prover running again: with the first
``j`` samples of each problem, for ``j = 1 … k``. At ``j = k`` this is the
run's own vote, and so its own accuracy. Beside the curve, the samples'
outcomes: how many were True, False, Uncertain, and how many were errors, by
cause. Pure computation; ``linc eval plot`` draws it.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from linc.errors import DataError
from linc.evals.records import RECORDS, read_records
from linc.evals.report import ProblemRecord
from linc.results import Verdict
from linc.voting import POLICIES, UNCERTAIN_WEIGHT, check_vote_options, vote

log = logging.getLogger(__name__)

REPORT = "report.json"
"""The file, in a run's ``--out`` folder, that holds its ``Report``."""


class CurvePoint(BaseModel):
    """Accuracy when each problem votes with its first ``samples`` samples."""

    samples: int
    n: int = Field(description="problems scored (those with a gold label)")
    correct: int
    accuracy: float


class SampleOutcomes(BaseModel):
    """What a run's samples came to, over all problems."""

    total: int
    verdicts: dict[str, int] = Field(description="True / False / Uncertain / Error -> samples")
    errors: dict[str, int] = Field(description="error cause -> samples (they sum to Error)")


class RunCurve(BaseModel):
    """One run: its accuracy-by-samples curve and its sample outcomes."""

    name: str
    label: str = Field(description="name shown in tables and legends (unique among the runs)")
    path: str
    policy: str
    problems: int
    samples: int = Field(description="the most samples any problem has (the curve's length)")
    reported_accuracy: float | None = Field(
        default=None, description="the accuracy in the run's report.json"
    )
    points: list[CurvePoint]
    outcomes: SampleOutcomes


class Curves(BaseModel):
    """The runs compared by ``linc eval plot``."""

    runs: list[RunCurve]


def revote(
    records: Sequence[ProblemRecord],
    *,
    policy: str,
    uncertain_weight: float = UNCERTAIN_WEIGHT,
    samples: int | None = None,
) -> CurvePoint:
    """Accuracy when each problem votes again under ``policy`` with its first
    ``samples`` samples (all of them when None or when it has fewer).

    A problem without a gold label is skipped; a vote of errors only is wrong.
    """
    check_vote_options(policy, uncertain_weight)
    scored = [r for r in records if r.gold is not None]
    correct = 0
    for record in scored:
        ordered = sorted(record.samples, key=lambda s: s.index)[:samples]
        answer = vote(
            [s.to_sample() for s in ordered], policy=policy, uncertain_weight=uncertain_weight
        )
        correct += answer.label is record.gold
    n = len(scored)
    used = samples if samples is not None else max((len(r.samples) for r in records), default=0)
    return CurvePoint(samples=used, n=n, correct=correct, accuracy=correct / n if n else 0)


def accuracy_by_samples(
    records: Sequence[ProblemRecord], *, policy: str, uncertain_weight: float = UNCERTAIN_WEIGHT
) -> list[CurvePoint]:
    """``revote`` with ``j = 1 … k`` samples, ``k`` the most any problem has."""
    k = max((len(r.samples) for r in records), default=0)
    return [
        revote(records, policy=policy, uncertain_weight=uncertain_weight, samples=j)
        for j in range(1, k + 1)
    ]


def sample_outcomes(records: Sequence[ProblemRecord]) -> SampleOutcomes:
    """Counts of the samples' verdicts and of their error causes."""
    verdicts: Counter[str] = Counter({v.value: 0 for v in Verdict})
    errors: Counter[str] = Counter()
    for record in records:
        for s in record.samples:
            verdicts[s.verdict.value] += 1
            if s.verdict is Verdict.ERROR:
                errors[s.error.value if s.error is not None else "other"] += 1
    return SampleOutcomes(
        total=sum(verdicts.values()),
        verdicts=dict(verdicts),
        errors=dict(errors.most_common()),
    )


def run_curve(folder: Path | str, *, policy: str | None = None) -> RunCurve:
    """The curve and outcomes of the run in ``folder`` (an ``eval replay``/``run`` ``--out``).

    ``policy`` defaults to the run's own: its report's ``config.policy``,
    else the policy its records' answers were voted with, else ``linc``; the
    ``Uncertain`` weight is the run's own (``config.uncertain_weight``) too.
    """
    folder = Path(folder)
    records, report = read_run(folder)
    name = str(report.get("name") or folder.name)
    chosen = policy or _run_policy(report, records)
    config = report.get("config")
    weight = config.get("uncertain_weight") if isinstance(config, dict) else None
    accuracy = report.get("accuracy")
    return RunCurve(
        name=name,
        label=name,
        path=str(folder),
        policy=chosen,
        problems=len(records),
        samples=max((len(r.samples) for r in records), default=0),
        reported_accuracy=float(accuracy) if isinstance(accuracy, (int, float)) else None,
        points=accuracy_by_samples(
            records,
            policy=chosen,
            uncertain_weight=float(weight)
            if isinstance(weight, (int, float))
            else UNCERTAIN_WEIGHT,
        ),
        outcomes=sample_outcomes(records),
    )


def read_run(folder: Path | str) -> tuple[list[ProblemRecord], dict[str, Any]]:
    """The records and the report (``{}`` when absent) of a run's ``--out`` folder.

    A folder without ``records.jsonl``, a records file with no readable
    record, and one that holds a problem id twice (two runs wrote the
    folder) are a ``DataError`` that names the path (and the id).
    """
    folder = Path(folder)
    records_path = folder / RECORDS
    if not records_path.is_file():
        raise DataError(
            f"{records_path}: no such file; give the --out folder of 'linc eval replay' "
            "or 'linc eval run'"
        )
    try:
        records = read_records(records_path)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{records_path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except OSError as exc:
        raise DataError(f"{records_path}: cannot read it ({exc.strerror or exc})") from None
    if not records:
        raise DataError(
            f"{records_path}: no records (a run that finished no problem, or damaged lines only)"
        )
    _refuse_repeated_ids(records, records_path)
    return records, _report(folder / REPORT)


def _refuse_repeated_ids(records: Sequence[ProblemRecord], path: Path) -> None:
    seen: Counter[str] = Counter(r.id for r in records)
    repeated = [key for key, n in seen.items() if n > 1]
    if repeated:
        first = repeated[0]
        raise DataError(
            f"{path}: problem id {first!r} appears {seen[first]} times"
            + (f" ({len(repeated)} ids repeat)" if len(repeated) > 1 else "")
            + "; the folder holds more than one run's records: rerun into a fresh --out"
        )


def compare_runs(folders: Sequence[Path | str], *, policy: str | None = None) -> Curves:
    """``run_curve`` for each folder; labels made unique with the folder name."""
    runs = [run_curve(folder, policy=policy) for folder in folders]
    labels = run_labels([run.name for run in runs], [Path(run.path) for run in runs])
    for run, label in zip(runs, labels):
        run.label = label
    return Curves(runs=runs)


def run_labels(names: Sequence[str], folders: Sequence[Path]) -> list[str]:
    """Names for tables and legends, made distinct: a shared name gets its
    folder's name, and a label still shared its position (``#2``)."""
    counts = Counter(names)
    labels = [
        f"{name} ({folder.name})" if counts[name] > 1 else name
        for name, folder in zip(names, folders)
    ]
    repeated = Counter(labels)
    return [f"{label} #{i}" if repeated[label] > 1 else label for i, label in enumerate(labels, 1)]


def _report(path: Path) -> dict:
    if not path.is_file():
        log.info("%s: absent; the run's name and policy are not known", path)
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not JSON ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return data if isinstance(data, dict) else {}


def _run_policy(report: dict, records: Sequence[ProblemRecord]) -> str:
    config = report.get("config")
    if isinstance(config, dict):
        for key in ("voting", "policy"):  # ``policy``: reports before schema 2
            if config.get(key) in POLICIES:
                return str(config[key])
    voted = {r.answer.policy for r in records if r.answer is not None}
    if len(voted) == 1 and (only := voted.pop()) in POLICIES:
        return only
    return "linc"
