"""Sources of completions for the runner: recorded LINC runs, Logic-LM programs, a live LLM.

A source lists its problems and gives each one's completions: a recording
has them at hand (``RunProblem.completions``); the live source fetches them
(``fetch`` returns a future). Everything after that is the same pipeline.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from linc.problems import Problem
from linc.results import Verdict

from .recorded import LogicLMProgram, RecordedRun


@dataclass(frozen=True)
class RunProblem:
    """One problem as the runner sees it."""

    index: int
    id: str
    gold: Verdict | None = None
    depth: int | None = None
    recorded: list[Verdict] | None = None  # the recording system's own per-sample verdicts
    completions: list[str] | None = None  # None: the source fetches them
    premises: tuple[str, ...] = ()
    conclusion: str = ""
    executed: bool = False  # report whether the sample executed (Logic-LM programs)


@dataclass
class Fetched:
    """A problem's completions, and what fetching them cost."""

    completions: list[str]
    extra: dict[str, Any] = field(default_factory=dict)


class Source(Protocol):
    """What the runner needs of a source of completions."""

    kind: ClassVar[str]  # replay | run
    samples_per_problem: int

    def problems(self) -> list[RunProblem]: ...

    def fetch(self, problem: RunProblem) -> Future[Fetched]: ...

    def identity(self) -> dict[str, Any]: ...


class RecordedLinc:
    """A LINC-format recorded run: ``k`` completions per problem, at hand."""

    kind: ClassVar[str] = "replay"

    def __init__(self, run: RecordedRun) -> None:
        self.run = run
        self.samples_per_problem = max((len(p.completions) for p in run.problems), default=1)

    def problems(self) -> list[RunProblem]:
        return [
            RunProblem(
                index=p.index,
                id=p.id,
                gold=p.label,
                depth=p.depth,
                recorded=p.recorded,
                completions=list(p.completions),
            )
            for p in self.run.problems
        ]

    def fetch(self, problem: RunProblem) -> Future[Fetched]:
        raise RuntimeError("a recorded run has every completion at hand")

    def identity(self) -> dict[str, Any]:
        return {"format": "linc", "source": self.run.source, "problems": self.run.n}


class LogicLMPrograms:
    """Logic-LM programs: one program text per problem, read as Unicode FOL."""

    kind: ClassVar[str] = "replay"
    samples_per_problem = 1

    def __init__(self, programs: Sequence[LogicLMProgram], *, name: str) -> None:
        self.programs = list(programs)
        self.name = name

    def problems(self) -> list[RunProblem]:
        return [
            RunProblem(index=p.index, id=p.id, gold=p.label, completions=[p.text], executed=True)
            for p in self.programs
        ]

    def fetch(self, problem: RunProblem) -> Future[Fetched]:
        raise RuntimeError("Logic-LM programs are at hand")

    def identity(self) -> dict[str, Any]:
        return {"format": "logiclm", "source": self.name, "problems": len(self.programs)}


Translate = Callable[[RunProblem], Coroutine[Any, Any, Fetched]]


class LiveSource:
    """Completions from an LLM: ``translate(problem)`` runs on one event loop in a thread.

    The loop lives as long as the source (``close`` stops it), so one HTTP
    client and its concurrency limit serve every problem of the run.
    """

    kind: ClassVar[str] = "run"

    def __init__(
        self,
        problems: Sequence[Problem],
        *,
        translate: Translate,
        k: int,
        identity: dict[str, Any],
        close: Callable[[], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        self._problems = list(problems)
        self._translate = translate
        self._close = close
        self._identity = identity
        self.samples_per_problem = k
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def problems(self) -> list[RunProblem]:
        return [
            RunProblem(
                index=i,
                id=p.id,
                gold=p.label,
                depth=p.depth,
                premises=tuple(p.premises),
                conclusion=p.conclusion,
            )
            for i, p in enumerate(self._problems)
        ]

    def fetch(self, problem: RunProblem) -> Future[Fetched]:
        return asyncio.run_coroutine_threadsafe(self._translate(problem), self._loop)

    def identity(self) -> dict[str, Any]:
        return self._identity

    def close(self) -> None:
        """Close the client on its loop, then stop the loop."""
        if self._close is not None:
            asyncio.run_coroutine_threadsafe(self._close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
