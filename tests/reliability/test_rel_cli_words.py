"""Issue 12 item 16: a formula that starts with '-' (NLTK's negation), and which formula
an error is in.

``-c -P(a)`` is argparse's option ``-P(a)``: the error now says to join the
value (``-c=-P(a)``, ``--conclusion=-P(a)``), which works, as ``--help``
documents. A formula that does not read names its premise by number.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from linc_process import ERROR, USAGE, assert_clean, run_linc


@pytest.mark.parametrize("command", ["prove", "translate"])
def test_a_value_starting_with_dash_gets_a_hint_that_works(tmp_path: Path, command: str) -> None:
    head = [command] if command == "prove" else [command, "--to", "prover9"]
    refused = run_linc(*head, "-p", "P(a)", "-c", "-P(a)", cwd=tmp_path)
    assert_clean(refused, [USAGE])
    assert "--conclusion=-P(a)" in refused.stderr and "-c=-P(a)" in refused.stderr, str(refused)
    for joined in (["-c=-P(a)"], ["--conclusion=-P(a)"], ["-c-P(a)"]):
        done = run_linc(*head, "--premise=-Q(a)", "-p=P(a)", *joined, cwd=tmp_path)
        assert_clean(done, [0])
        if command == "prove":
            assert done.stdout.startswith("verdict: False"), str(done)
        else:
            assert "-Q(a) # label(p0)." in done.stdout, str(done)
            assert "formulas(goals).\n-P(a).\n" in done.stdout, str(done)


def test_help_documents_the_joined_form(tmp_path: Path) -> None:
    done = run_linc("prove", "--help", cwd=tmp_path)
    assert_clean(done, [0])
    assert "-c=-P(a)" in " ".join(done.stdout.split())


def test_parse_hints_at_double_dash(tmp_path: Path) -> None:
    refused = run_linc("parse", "-P(a)", cwd=tmp_path)
    assert_clean(refused, [USAGE])
    assert "linc parse -- '-P(a)'" in refused.stderr, str(refused)
    assert_clean(run_linc("parse", "--", "-P(a)", cwd=tmp_path), [0])


@pytest.mark.parametrize(
    ("premises", "conclusion", "where"),
    [
        (["P(a)", "all x. (P(x) -> Q(x)", "R(b)"], "Q(a)", "premise 2: "),
        (["P(a)"], "Q(a) &", "conclusion: "),
        (["P(a) & (", "Q(a)"], "Q(a)", "premise 1: "),
    ],
)
@pytest.mark.parametrize("command", ["prove", "translate"])
def test_a_formula_error_names_its_premise(
    tmp_path: Path, premises: list[str], conclusion: str, where: str, command: str
) -> None:
    head = [command] if command == "prove" else [command, "--to", "z3"]
    args = [*head, *[f"--premise={p}" for p in premises], f"--conclusion={conclusion}"]
    done = run_linc(*args, cwd=tmp_path)
    assert_clean(done, [ERROR])
    assert done.stderr.startswith(f"linc: error: {where}line 1, column"), str(done)
