"""Replay: a run whose completions come from a recording (no API calls).

``replay_linc(run, settings)`` and ``replay_logiclm(programs, settings)``
send every recorded sample through the one pipeline and runner
(``linc.evals.runner``) with the given ``linc.settings.Settings`` (default:
the ``best`` preset; ``Settings.preset_of("linc")`` is LINC's evaluation rule
for rule) and return a ``Report``. A live run through ``linc serve-recorded``
decides the same samples the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from linc.parsers.extract import PROGRAM
from linc.settings import Settings

from .catalogue import DatasetInfo
from .recorded import LogicLMProgram, RecordedRun
from .report import Report, build_report, write_json, write_markdown
from .runner import Runner
from .sources import LogicLMPrograms, RecordedLinc, Source


def replay_linc(
    run: RecordedRun,
    settings: Settings | None = None,
    *,
    out: Path | str | None = None,
    resume: bool = False,
    data: DatasetInfo | None = None,
    **run_options: Any,
) -> Report:
    """Replay a LINC-format recorded run. ``run_options``: ``Runner``'s
    ``workers``, ``cache``, ``cache_dir``, ``progress``, ``executor``
    (``"local"`` or ``"ray"``) and ``ray_address``."""
    settings = (settings or Settings.preset_of()).with_(syntax="nltk")
    config: dict[str, Any] = {"format": "linc", "source": run.source, "model": run.model}
    config.update(task=run.task, shots=run.shots)
    return replay(
        RecordedLinc(run),
        settings,
        name=run.name,
        config=config,
        published=run.published_accuracy,
        data=data,
        out=out,
        resume=resume,
        **run_options,
    )


def replay_logiclm(
    programs: Sequence[LogicLMProgram],
    settings: Settings | None = None,
    *,
    name: str = "logiclm",
    out: Path | str | None = None,
    resume: bool = False,
    data: DatasetInfo | None = None,
    **run_options: Any,
) -> Report:
    """Replay Logic-LM programs: one sample per problem, read as Unicode FOL.

    ``exe_rate`` is the share of programs that give a verdict; accuracy is
    over all programs, a program that does not execute being wrong (never a
    random guess, unlike Logic-LM's own scoring).

    How ambiguous programs are read (the Unicode grammar's conventions plus
    the best preset's repairs): ``¬`` binds tightest, then ``∧``, ``∨``,
    ``⊕``, ``→`` (right-associative), ``↔``; so ``A → B ∧ C`` is
    ``A → (B ∧ C)``. A free variable (``Perform(x) → Attend(x)``) is
    universally closed over its own formula, as Prover9, Logic-LM's own
    solver, reads it. An unparenthesised quantifier whose variable recurs
    after it (``∀x P(x) → Q(x)``) covers the rest. The first
    ``Conclusion:`` line is the conclusion; a program without premises or
    conclusion does not execute.
    """
    settings = (settings or Settings.preset_of()).with_(syntax="unicode", extraction=PROGRAM)
    return replay(
        LogicLMPrograms(programs, name=name),
        settings,
        name=name,
        config={"format": "logiclm", "source": name},
        published=None,
        data=data,
        out=out,
        resume=resume,
        **run_options,
    )


def replay(
    source: Source,
    settings: Settings,
    *,
    name: str,
    config: dict[str, Any],
    published: float | None,
    out: Path | str | None,
    resume: bool,
    data: DatasetInfo | None = None,
    **run_options: Any,
) -> Report:
    """Run ``source`` through the runner and write the report next to the records
    (``data``: the recording's gold labels, for the report)."""
    out_path = Path(out) if out is not None else None
    runner = Runner(settings, **run_options)
    records, seconds = runner.run(source, out=out_path, resume=resume)
    report = build_report(
        records,
        kind="replay",
        name=name,
        seconds=seconds,
        config={**settings.model_dump(mode="json"), **config, **runner.executor_config()},
        decisions=runner.stats.as_dict(),
        published_accuracy=published,
        versions=dict(runner.versions),
        dataset=data,
    )
    if out_path is not None:
        write_json(report, out_path / "report.json")
        write_markdown(report, out_path / "report.md")
    return report


def iter_runs(paths: Iterable[Path | str]) -> Iterable[Path]:
    """Expand directories into their ``*_generations_raw.json`` files."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            yield from sorted(path.glob("*_generations_raw.json"))
        else:
            yield path


__all__ = ["iter_runs", "replay", "replay_linc", "replay_logiclm"]
