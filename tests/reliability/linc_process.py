"""The ``linc`` command in a real process, and tiny runs to feed it (reliability tests).

Every test here runs ``python -m linc`` as a subprocess with a time bound,
in a scratch directory, with ``LINC_CACHE_DIR`` in the test's own temporary
folder. ``LINC_UNDER_TEST=/path/to/tree`` runs the command from another
checkout instead (its ``linc`` on ``PYTHONPATH``, laid out as it installs:
``linc/backends``, ``linc/parsers`` and ``linc/evals`` as links to the
tree's ``backends/``, ``parsers/`` and ``evals/``), to check that a test
fails on older code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEAD_URL = "http://127.0.0.1:9/v1"
"""A port nothing listens on: a model option that makes no request succeed, at once."""
DEAD_MODEL = ["--base-url", DEAD_URL, "--model", "m", "--max-retries", "0"]
USAGE, ERROR, NO_LLM, INTERRUPTED = 2, 1, 3, 130


def linc_env(cache: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a ``linc`` process: the tree under test, a private cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINC_", "OPENAI_"))}
    tree = os.environ.get("LINC_UNDER_TEST")
    if tree:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [tree, env.get("PYTHONPATH")]))
    if cache is not None:
        env["LINC_CACHE_DIR"] = str(cache)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def linc_argv(*args: str | bytes | Path) -> list[str | bytes]:
    return [sys.executable, "-m", "linc", *(a if isinstance(a, bytes) else str(a) for a in args)]


@dataclass
class Done:
    """A finished ``linc`` process: its exit code and its output as text."""

    argv: list[str | bytes]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"{self.argv[3:]} -> {self.returncode}\nstdout: {self.stdout[-1500:]}\nstderr: {self.stderr[-3000:]}"


def run_linc(
    *args: str | bytes | Path,
    cwd: Path,
    cache: Path | None = None,
    env: dict[str, str] | None = None,
    stdin: str | bytes | None = None,
    timeout: float = 120,
    preexec_fn: Callable[[], Any] | None = None,
) -> Done:
    """``python -m linc ARGS`` to the end (a hang fails the test at ``timeout``)."""
    argv = linc_argv(*args)
    try:
        done = subprocess.run(
            argv,
            cwd=cwd,
            env=env if env is not None else linc_env(cache if cache is not None else cwd / "cache"),
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            timeout=timeout,
            preexec_fn=preexec_fn,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"linc {args} did not end within {timeout} s")
    return Done(
        argv,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def assert_clean(done: Done, codes: Sequence[int]) -> None:
    """Exit code in ``codes`` and no Python traceback on stderr or stdout."""
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, str(done)
    assert done.returncode in codes, str(done)


# -- a tiny recorded LINC run, written by hand (no shared data needed)

_PROBLEMS = [
    (
        ["All dogs are animals.", "Rex is a dog."],
        ["all x. (Dog(x) -> Animal(x))", "Dog(Rex)"],
        ("Rex is an animal.", "Animal(Rex)"),
        "True",
    ),
    (
        ["No cats bark.", "Tom is a cat."],
        ["all x. (Cat(x) -> -Barks(x))", "Cat(Tom)"],
        ("Tom barks.", "Barks(Tom)"),
        "False",
    ),
    (
        ["Some birds fly.", "Tweety is a bird."],
        ["exists x. (Bird(x) & Flies(x))", "Bird(Tweety)"],
        ("Tweety flies.", "Flies(Tweety)"),
        "Uncertain",
    ),
    (
        ["Every student reads.", "Ann is a student."],
        ["all x. (Student(x) -> Reads(x))", "Student(Ann)"],
        ("Ann reads.", "Reads(Ann)"),
        "True",
    ),
]


def completion(sentences: list[str], formulas: list[str], conclusion: tuple[str, str]) -> str:
    """A completion in LINC's format: TEXT/FOL pairs, the conclusion last."""
    pairs = [*zip(sentences, formulas), conclusion]
    return "".join(f"TEXT:\t{text}\nFOL:\t{fol}\n" for text, fol in pairs)


def write_linc_run(
    folder: Path, *, k: int = 3, repeat: int = 1, edit: Callable[[str], str] | None = None
) -> Path:
    """A LINC ``*_generations_raw.json`` (and its references) of the problems above,
    ``repeat`` times over; ``edit`` rewrites each completion. Returns the generations file."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = []
    for sentences, formulas, conclusion, _ in _PROBLEMS * repeat:
        text = completion(sentences, formulas, conclusion)
        raw.append([edit(text) if edit else text for _ in range(k)])
    generations = folder / "tiny-model_proofwriter-neurosymbolic-1shot_generations_raw.json"
    generations.write_text(json.dumps(raw), encoding="utf-8")
    references = folder / "tiny-model_proofwriter-neurosymbolic-1shot_references.json"
    references.write_text(json.dumps([p[3] for p in _PROBLEMS * repeat]), encoding="utf-8")
    return generations


def write_problems(path: Path) -> Path:
    """The problems above as ``--dataset jsonl`` rows, with gold FOL (``eval gold``)."""
    rows = [
        {
            "id": f"p{i}",
            "premises": sentences,
            "conclusion": conclusion[0],
            "label": label,
            "premises_fol": formulas,
            "conclusion_fol": conclusion[1],
        }
        for i, (sentences, formulas, conclusion, label) in enumerate(_PROBLEMS)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def replay(generations: Path, out: Path, *extra: str, cwd: Path, voting: str = "linc") -> Done:
    """``eval replay`` of a LINC run on one worker, no cache, into ``out``."""
    return run_linc(
        "eval", "replay", "--generations", generations, "--voting", voting, "--workers", "1",
        "--no-cache", "--out", out, "--json", *extra, cwd=cwd,
    )  # fmt: skip
