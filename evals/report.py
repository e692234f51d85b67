"""The evaluation report: one schema for replayed and live runs.

A run produces one ``ProblemRecord`` per problem (streamed to JSONL as it
finishes, so an interrupt loses nothing that finished) and, at the end, one
``Report`` that summarises them: accuracy, counts, speed, sample parse rate,
errors by cause, the confusion matrix, per-depth accuracy, and optional token
usage, executability (Logic-LM) and agreement with a recorded system's own
per-sample answers. ``build_report`` computes it from the records; ``write_json``
and ``render_markdown`` serialise it.
"""

from __future__ import annotations

import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from statistics import NormalDist
from typing import Any

from pydantic import BaseModel, Field

from linc import __version__
from linc.evals.catalogue import DatasetInfo
from linc.evals.explorer_stats import CoverageQuote, accuracy_at_coverage, risk_coverage
from linc.results import TokenUsage, Verdict
from linc.voting import Answer, ErrorCause, Sample

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
LABELS = (Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN, Verdict.PARADOX, Verdict.ERROR)
PARSE_FAILURES = frozenset({ErrorCause.NO_FORMULAS, ErrorCause.PARSE})


SampleRecord = Sample
"""The per-sample record of ``records.jsonl`` (``linc.voting.Sample``)."""


class ProblemRecord(BaseModel):
    """The result for one problem; one JSONL line of ``--out``."""

    id: str
    index: int
    gold: Verdict | None = None
    predicted: Verdict
    correct: bool
    depth: int | None = None
    answer: Answer | None = None
    samples: list[SampleRecord] = Field(default_factory=list)
    seconds: float = 0.0
    executed: bool | None = Field(default=None, description="Logic-LM: the program gave a verdict")
    tokens: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class DepthScore(BaseModel):
    n: int
    correct: int
    accuracy: float


class Agreement(BaseModel):
    """Per-sample agreement with a recorded system's own verdicts."""

    compared: int
    agree: int
    rate: float
    differences: list[dict[str, Any]] = Field(default_factory=list)
    by_pair: dict[str, int] = Field(default_factory=dict, description="'recorded -> ours' counts")
    votes_compared: int = 0
    votes_agree: int = 0


class Report(BaseModel):
    """Summary of one evaluation run (replay or live)."""

    schema_version: int = SCHEMA_VERSION
    kind: str = Field(description="replay | run | gold")
    name: str
    config: dict[str, Any] = Field(default_factory=dict)
    n: int
    correct: int
    accuracy: float
    accuracy_ci95: tuple[float, float] | None = Field(
        default=None, description="95 % Wilson score interval of the accuracy"
    )
    seconds: float
    samples: int = 0
    sample_parse_rate: float = 0.0
    errors: dict[str, int] = Field(default_factory=dict, description="sample errors by cause")
    all_error_problems: int = 0
    confusion: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="gold -> predicted -> count"
    )
    per_depth: dict[str, DepthScore] | None = None
    exe_rate: float | None = None
    tokens: TokenUsage | None = None
    decisions: dict[str, int] = Field(
        default_factory=dict, description="prover work: distinct, cached, calls"
    )
    agreement: Agreement | None = None
    published_accuracy: float | None = None
    versions: dict[str, str] = Field(
        default_factory=dict, description="linc's and each backend's version"
    )
    skipped_rows: list[str] = Field(
        default_factory=list, description="dataset rows left out, each 'line N: reason'"
    )
    dataset: DatasetInfo | None = Field(
        default=None,
        description="the data scored: name, split, sha256, problems scored, how labels were scored",
    )
    coverage: list[CoverageQuote] = Field(
        default_factory=list,
        description="accuracy at 50/80/100 % coverage, answering by the vote's margin",
    )


def build_report(
    records: Sequence[ProblemRecord],
    *,
    kind: str,
    name: str,
    seconds: float,
    config: dict[str, Any] | None = None,
    decisions: dict[str, int] | None = None,
    published_accuracy: float | None = None,
    versions: dict[str, str] | None = None,
    tokens: TokenUsage | None = None,
    agreement_details: int = 5000,
    skipped_rows: Sequence[str] = (),
    dataset: DatasetInfo | None = None,
) -> Report:
    """Summarise problem records into a ``Report`` (records in any order)."""
    records = sorted(records, key=lambda r: r.index)
    n = len(records)
    correct = sum(r.correct for r in records)
    sample_list = [s for r in records for s in r.samples]
    parsed = sum(1 for s in sample_list if s.error not in PARSE_FAILURES)
    errors = Counter(s.error.value for s in sample_list if s.error is not None)
    confusion: dict[str, dict[str, int]] = {}
    for r in records:
        gold = r.gold.value if r.gold is not None else "None"
        row = confusion.setdefault(gold, {})
        row[r.predicted.value] = row.get(r.predicted.value, 0) + 1

    per_depth = None
    if any(r.depth is not None for r in records):
        per_depth = {}
        for depth in sorted({r.depth for r in records if r.depth is not None}):
            group = [r for r in records if r.depth == depth]
            hit = sum(r.correct for r in group)
            per_depth[str(depth)] = DepthScore(n=len(group), correct=hit, accuracy=hit / len(group))

    executed = [r.executed for r in records if r.executed is not None]
    exe_rate = sum(executed) / n if executed and n else None
    if tokens is None and any(r.tokens for r in records):
        tokens = TokenUsage(total=sum(r.tokens or 0 for r in records))

    return Report(
        kind=kind,
        name=name,
        config=config or {},
        n=n,
        correct=correct,
        accuracy=correct / n if n else 0.0,
        accuracy_ci95=wilson_interval(correct, n) if n else None,
        seconds=round(seconds, 3),
        samples=len(sample_list),
        sample_parse_rate=parsed / len(sample_list) if sample_list else 0.0,
        errors=dict(sorted(errors.items())),
        all_error_problems=sum(1 for r in records if r.predicted is Verdict.ERROR),
        confusion=confusion,
        per_depth=per_depth,
        exe_rate=exe_rate,
        tokens=tokens,
        decisions=decisions or {},
        agreement=agreement(records, details=agreement_details),
        published_accuracy=published_accuracy,
        versions={"linc": __version__, **(versions or {})},
        skipped_rows=list(skipped_rows),
        dataset=dataset.model_copy(update={"n": n}) if dataset is not None else None,
        coverage=accuracy_at_coverage(risk_coverage(records)),
    )


def wilson_interval(successes: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval of the proportion ``successes / n`` (``n > 0``).

    Unlike the Wald interval it stays inside [0, 1] and is not empty at 0/n
    or n/n (Newcombe 1998, method 3: 81/263 gives 0.2553 to 0.3662).
    """
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n and n > 0, got {successes}/{n}")
    z = NormalDist().inv_cdf((1 + level) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def agreement(records: Iterable[ProblemRecord], *, details: int = 5000) -> Agreement | None:
    """Per-sample agreement with the recorded verdicts, when any are known.

    Also compares the vote the recorded verdicts give under LINC's rule
    with ours, problem by problem.
    """
    from linc.voting import vote

    compared = agree = 0
    diffs: list[dict[str, Any]] = []
    pairs: Counter[str] = Counter()
    votes_compared = votes_agree = 0
    for r in records:
        recorded = [s.recorded for s in r.samples]
        if recorded and all(v is not None for v in recorded):
            votes_compared += 1
            theirs = vote(recorded, policy="linc").label
            ours = vote([s.verdict for s in r.samples], policy="linc").label
            votes_agree += theirs is ours
        for s in r.samples:
            if s.recorded is None:
                continue
            compared += 1
            if s.recorded is s.verdict:
                agree += 1
                continue
            pairs[f"{s.recorded.value} -> {s.verdict.value}"] += 1
            if len(diffs) < details:
                diffs.append(
                    {
                        "problem": r.index,
                        "sample": s.index,
                        "recorded": s.recorded.value,
                        "ours": s.verdict.value,
                        "error": s.error.value if s.error else None,
                        "detail": s.detail[:300],
                    }
                )
    if not compared:
        return None
    return Agreement(
        compared=compared,
        agree=agree,
        rate=agree / compared,
        differences=diffs,
        by_pair=dict(pairs.most_common()),
        votes_compared=votes_compared,
        votes_agree=votes_agree,
    )


# ----------------------------------------------------------------- writing


def write_json(report: Report, path: Path | str) -> None:
    """Write the report as indented JSON (atomically)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f} %"


def _ci(report: Report) -> str:
    if report.accuracy_ci95 is None:
        return ""
    low, high = report.accuracy_ci95
    return f"; 95 % CI {low:.4f} to {high:.4f}"


def render_markdown(report: Report) -> str:
    """A human-readable summary of the report."""
    lines = [f"# {report.kind}: {report.name}", ""]
    cfg = ", ".join(f"{k}={v}" for k, v in report.config.items() if not isinstance(v, (dict, list)))
    if cfg:
        lines += [f"Config: {cfg}", ""]
    if report.dataset is not None:
        lines += _dataset_lines(report.dataset)
    lines += [
        "| metric | value |",
        "|---|---|",
        f"| accuracy | {report.accuracy:.4f} ({report.correct}/{report.n}){_ci(report)} |",
    ]
    if report.published_accuracy is not None:
        lines.append(f"| published accuracy | {report.published_accuracy:.4f} |")
    if report.exe_rate is not None:
        lines.append(f"| exe_rate | {report.exe_rate:.4f} |")
    lines += [
        f"| samples | {report.samples} |",
        f"| sample parse rate | {_pct(report.sample_parse_rate)} |",
        f"| all-error problems | {report.all_error_problems} |",
        *[
            f"| accuracy at {100 * q.coverage:.0f} % coverage (by margin) | "
            f"{q.expected_accuracy:.4f} |"
            for q in report.coverage
        ],
        f"| seconds | {report.seconds:.2f} |",
    ]
    for key, value in report.decisions.items():
        lines.append(f"| decisions: {key} | {value} |")
    if report.tokens is not None:
        lines.append(f"| tokens | {report.tokens.total} |")
    if report.agreement is not None:
        a = report.agreement
        lines.append(
            f"| agreement with recorded samples | {a.agree}/{a.compared} ({_pct(a.rate)}) |"
        )
        lines.append(f"| agreement of recorded votes | {a.votes_agree}/{a.votes_compared} |")
    lines.append("")
    if report.skipped_rows:
        lines += [f"## Dataset rows left out ({len(report.skipped_rows)})", ""]
        lines += [f"- {row}" for row in report.skipped_rows]
        lines.append("")
    if report.errors:
        lines += ["## Sample errors by cause", "", "| cause | samples |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in report.errors.items()]
        lines.append("")
    if report.confusion:
        cols = [v.value for v in LABELS if any(v.value in row for row in report.confusion.values())]
        lines += ["## Confusion (rows gold, columns predicted)", ""]
        lines.append("| gold \\ predicted | " + " | ".join(cols) + " |")
        lines.append("|---" * (len(cols) + 1) + "|")
        for gold, row in sorted(report.confusion.items()):
            lines.append(f"| {gold} | " + " | ".join(str(row.get(c, 0)) for c in cols) + " |")
        lines.append("")
    if report.per_depth:
        lines += [
            "## Accuracy by depth",
            "",
            "| depth | n | correct | accuracy |",
            "|---|---|---|---|",
        ]
        for depth, score in report.per_depth.items():
            lines.append(f"| {depth} | {score.n} | {score.correct} | {score.accuracy:.4f} |")
        lines.append("")
    if report.agreement is not None and report.agreement.by_pair:
        lines += [
            "## Differences from the recorded samples",
            "",
            "| recorded -> ours | samples |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v} |" for k, v in report.agreement.by_pair.items()]
        lines.append("")
    return "\n".join(lines)


def _dataset_lines(data: DatasetInfo) -> list[str]:
    """The data scored, and how each of its labels was scored."""
    split = f":{data.split}" if data.split else ""
    lines = [f"Dataset: {data.name}{split}, {data.n} problems scored, sha256 {data.sha256}", ""]
    if data.labels:
        lines += ["| label | scored as |", "|---|---|"]
        lines += [f"| {label} | {how} |" for label, how in data.labels.items()]
        lines.append("")
    return lines


def write_markdown(report: Report, path: Path | str) -> None:
    Path(path).write_text(render_markdown(report), encoding="utf-8")
