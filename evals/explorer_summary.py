"""The summary panel of the run explorer: config, accuracy, confusion, causes, curves.

``summary`` computes it from a run's records (``build_report``, the curve of
accuracy against samples voted, risk–coverage by the vote's margin) and the
run's ``report.json`` and ``run.json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from linc import __version__
from linc.evals.curves import accuracy_by_samples
from linc.evals.explorer_stats import accuracy_at_coverage, risk_coverage
from linc.evals.report import ProblemRecord, build_report
from linc.voting import POLICIES, UNCERTAIN_WEIGHT


def section(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` when it is a dict, else ``{}`` (reports and run.json of any age)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def run_policy(report: dict[str, Any], records: Sequence[ProblemRecord]) -> tuple[str, float]:
    """The run's vote policy and ``Uncertain`` weight (for re-voting with fewer samples)."""
    config = section(report, "config")
    policy = next((config[k] for k in ("voting", "policy") if config.get(k) in POLICIES), None)
    if policy is None:
        voted = {r.answer.policy for r in records if r.answer is not None}
        policy = voted.pop() if len(voted) == 1 else "linc"
    weight = config.get("uncertain_weight")
    return str(policy), float(weight) if isinstance(weight, (int, float)) else UNCERTAIN_WEIGHT


def summary(
    folder: Path, records: Sequence[ProblemRecord], report: dict[str, Any], identity: dict
) -> dict[str, Any]:
    """The summary panel: config, accuracy, confusion, causes, depth, curves."""
    policy, weight = run_policy(report, records)
    built = build_report(records, kind=str(report.get("kind") or identity.get("kind") or "run"),
                         name=str(report.get("name") or folder.name), seconds=0.0)  # fmt: skip
    points = risk_coverage(records)
    return {
        "vote_rule": vote_rule(policy, weight),
        "name": built.name,
        "kind": built.kind,
        "folder": str(folder),
        "config": run_config(report, identity, records, policy),
        "n": built.n,
        "correct": built.correct,
        "accuracy": built.accuracy,
        "ci": built.accuracy_ci95,
        "confusion": built.confusion,
        "confusion_columns": confusion_columns(built.confusion),
        "errors": built.errors,
        "samples": built.samples,
        "parse_rate": built.sample_parse_rate,
        "all_error": built.all_error_problems,
        "wrong_by_cause": wrong_by_cause(records),
        "per_depth": {k: v.model_dump() for k, v in (built.per_depth or {}).items()},
        "by_samples": [
            p.model_dump()
            for p in accuracy_by_samples(records, policy=policy, uncertain_weight=weight)
        ],
        "risk_coverage": [p.model_dump() for p in points],
        "coverage_quotes": [q.model_dump() for q in accuracy_at_coverage(points)],
    }


def confusion_columns(confusion: dict[str, dict[str, int]]) -> list[str]:
    """True, False, Uncertain, Error, then any other verdict predicted."""
    seen = {label for row in confusion.values() for label in row}
    columns = ["True", "False", "Uncertain", "Error"]
    return columns + sorted(seen - set(columns))


def vote_rule(policy: str, weight: float) -> str:
    """How the policy counts votes, in one sentence (``linc.voting``)."""
    if policy == "best":
        return (
            f"best: errors are dropped, samples with inconsistent premises abstain, an Uncertain "
            f"vote counts {weight:g}; a tie goes to fewer repaired samples, then sample order"
        )
    if policy == "linc":
        return "linc: errors are dropped, plurality of the rest; a tie goes to the first in sample order"
    return "majority: plurality of non-error samples; a tie goes to the first in sample order"


def wrong_by_cause(records: Sequence[ProblemRecord]) -> dict[str, int]:
    """Why each wrong answer was wrong, one cause a problem (first that applies)."""
    causes: Counter[str] = Counter()
    for r in records:
        if r.correct or r.gold is None:
            continue
        a = r.answer
        if r.predicted.value == "Error":
            causes["every sample failed"] += 1
        elif a is not None and a.tie:
            causes["a tie"] += 1
        elif a is not None and a.timed_out:
            causes["a limit reached in some sample"] += 1
        elif a is not None and a.inconsistent:
            causes["inconsistent premises in some sample"] += 1
        elif a is not None and a.votes.get(r.gold, 0) > 0:
            causes["outvoted: some samples were right"] += 1
        else:
            causes["no sample was right"] += 1
    return dict(causes.most_common())


def run_config(
    report: dict[str, Any], identity: dict, records: Sequence[ProblemRecord], policy: str
) -> dict[str, Any]:
    """What the run was: model, preset, k, dataset (and hash), backends and versions, linc."""
    config = section(report, "config")
    settings = section(identity, "settings")
    source = section(identity, "source")
    versions = section(report, "versions")
    backends = config.get("backends") or settings.get("backends") or []
    data = section(report, "dataset")
    dataset = (
        data.get("name") or config.get("dataset") or source.get("dataset") or config.get("task")
    )
    if data.get("split"):
        dataset = f"{dataset} ({data['split']})"
    hashed = data.get("sha256") or config.get("dataset_sha256")
    return {
        "model": config.get("model") or source.get("model") or "–",
        "preset": config.get("preset") or settings.get("preset") or "–",
        "voting": policy,
        "k": max((len(r.samples) for r in records), default=0),
        "dataset": dataset or "–",
        "dataset hash": hashed or "not recorded",
        "source": config.get("source") or source.get("source") or "–",
        "backends": ", ".join(f"{b} {versions.get(b, '')}".strip() for b in backends) or "–",
        "prover timeout (s)": config.get("prover_timeout") or settings.get("prover_timeout") or "–",
        "linc": str(versions.get("linc") or f"{__version__} (this report)"),
    }
