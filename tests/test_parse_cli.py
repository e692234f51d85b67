"""``linc parse``: arguments or stdin, --syntax, --to, --repair, --json, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from linc.cli import main

MIXED_INPUT = "all x. (Man(x) -> Mortal(x))\n∀x (Student(x) → ∃y (Course(y) ∧ Takes(x, y)))\n"


def test_mixed_syntax_stdin_prints_unicode() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linc", "parse", "--to", "unicode"],
        input=MIXED_INPUT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "∀x (Man(x) → Mortal(x))",
        "∀x (Student(x) → ∃y (Course(y) ∧ Takes(x, y)))",
    ]


def test_arguments_and_target_syntax(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--to", "nltk", "∀x (P(x) → Q(x))"]) == 0
    assert capsys.readouterr().out.strip() == "all x. (P(x) -> Q(x))"
    assert main(["parse", "--syntax", "nltk", "--to", "lean", "all x. (P(x) -> Q(x))"]) == 0
    assert capsys.readouterr().out.strip() == "∀ x, P x → Q x"


def test_bad_line_gets_caret_and_exit_1_but_others_print(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("P(a) &\n\nQ(b)\n"))
    assert main(["parse", "--syntax", "nltk", "--to", "nltk"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["Q(b)"]
    assert "line 1" in captured.err and "column 7" in captured.err
    assert captured.err.rstrip().endswith("^")


def test_json_records_syntax_repairs_and_closure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--json", "--repair", "Perform(x) → Attend(x).", "P(a) &"]) == 1
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["syntax"] == "unicode"
    assert first["closed"] == ["x"]
    assert [r["kind"] for r in first["repairs"]] == ["trailing-dot"]
    assert first["output"] == "∀x (Perform(x) → Attend(x))"
    assert "error" in second and second["line"] == 2


def test_unwritable_name_is_reported_not_raised(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "--to", "nltk", "Support(anti-abortion)"]) == 1
    assert "cannot be written" in capsys.readouterr().err


def test_a_line_that_is_not_utf8_is_one_bad_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "linc", "parse", "--to", "nltk"],
        input=b"P(a)\n\xff\xfeQ\nR(b)\n",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout.decode().splitlines() == ["P(a)", "R(b)"]
    assert b"not UTF-8" in done.stderr


def test_output_into_a_closed_pipe_stops_quietly(tmp_path: Path) -> None:
    many = tmp_path / "many.txt"
    many.write_text("all x. (P(x) -> Q(x))\n" * 30000)  # far more than a pipe buffer holds
    command = f"'{sys.executable}' -m linc parse --to unicode < '{many}' | head -c 10"
    done = subprocess.run(
        ["sh", "-c", command], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.stdout == "∀x (P(x)"  # the first 10 bytes (∀ takes 3)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
