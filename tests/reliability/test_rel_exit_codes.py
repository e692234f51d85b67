"""Exit codes, the same for every command, and never a Python traceback (issue 12, Deliver).

0 done; 1 bad input or a failed run; 2 usage; 3 no LLM request succeeded;
130 interrupted (143 SIGTERM, 141 a closed pipe). ``linc --debug`` shows
the traceback.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hard_problems import pigeonhole
from linc_process import (
    DEAD_MODEL,
    ERROR,
    INTERRUPTED,
    NO_LLM,
    USAGE,
    Done,
    assert_clean,
    linc_argv,
    linc_env,
    run_linc,
    write_problems,
)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["prove", "-p", "P(a)", "-c", "P(a)"], 0),
        (["prove", "-p", "P(a", "-c", "P(a)"], ERROR),  # a ParseError
        (["prove", "-p", "P(a)", "-c", "P(a)", "-b", "nosuch"], ERROR),  # UnknownBackend
        (["eval", "plot", "no-such-folder"], ERROR),  # a DataError
        (["eval", "gold", "--path", "p.jsonl", "--dataset", "jsonl", "--syntax", "x"], ERROR),
        (["prove", "--no-such-option"], USAGE),
        (["eval"], USAGE),
    ],
)
def test_exit_codes(tmp_path: Path, args: list[str], code: int) -> None:
    write_problems(tmp_path / "p.jsonl")
    assert_clean(run_linc(*args, cwd=tmp_path), [code])


def _python(code: str, tmp_path: Path, *args: str) -> Done:
    """``main(args)`` in a fresh process after ``code`` (which patches a command)."""
    script = f"import sys\n{code}\nfrom linc.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tmp_path,
        env=linc_env(tmp_path / "cache"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Done([sys.executable, "-c", "", *args], done.returncode, done.stdout, done.stderr)


RAISE_IN_DECIDE = """
import linc.cli.prove
def broken(*args, **kwargs):
    raise {error}
linc.cli.prove.decide = broken
"""


def test_no_llm_response_exits_3(tmp_path: Path) -> None:
    patch = RAISE_IN_DECIDE.format(
        error="__import__('linc.errors').errors.NoLLMResponse('no request reached the model')"
    )
    done = _python(patch, tmp_path, "prove", "-p", "P(a)", "-c", "P(a)")
    assert_clean(done, [NO_LLM])
    assert done.stderr.strip() == "linc: error: no request reached the model", str(done)


@pytest.mark.parametrize("command", ["eval run", "ask"])
def test_a_dead_endpoint_exits_3(tmp_path: Path, command: str) -> None:
    if command == "ask":
        args = ["ask", "-p", "All dogs bark.", "-c", "Rex barks.", "--k", "1"]
    else:
        args = ["eval", "run", "--dataset", "jsonl", "--path", str(write_problems(tmp_path / "p")),
                "--k", "1", "--no-progress"]  # fmt: skip
    assert_clean(run_linc(*args, *DEAD_MODEL, cwd=tmp_path, timeout=90), [NO_LLM])


def test_an_internal_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    patch = RAISE_IN_DECIDE.format(error="RuntimeError('boom\\nsecond line')")
    done = _python(patch, tmp_path, "prove", "-p", "P(a)", "-c", "P(a)")
    assert_clean(done, [ERROR])
    assert done.stderr.splitlines() == [
        "linc: internal error: RuntimeError: boom (run with --debug for the traceback)"
    ], str(done)
    debug = _python(patch, tmp_path, "--debug", "prove", "-p", "P(a)", "-c", "P(a)")
    assert debug.returncode == ERROR and "Traceback" in debug.stderr, str(debug)
    assert "RuntimeError: boom" in debug.stderr


def test_debug_shows_the_traceback_of_a_linc_error(tmp_path: Path) -> None:
    plain = run_linc("prove", "-p", "P(a", "-c", "P(a)", cwd=tmp_path)
    debug = run_linc("--debug", "prove", "-p", "P(a", "-c", "P(a)", cwd=tmp_path)
    assert_clean(plain, [ERROR])
    assert debug.returncode == ERROR and "Traceback" in debug.stderr, str(debug)


def test_a_full_disk_on_stdout_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    for args in (["backends"], ["prove", "-p", "P(a)", "-c", "P(a)", "--json"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                linc_argv(*args),
                cwd=tmp_path,
                env=linc_env(tmp_path / "cache"),
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=120,
                check=False,
            )
        result = Done(linc_argv(*args), done.returncode, "", done.stderr)
        assert_clean(result, [ERROR])
        assert "No space left on device" in done.stderr
        assert "Exception ignored" not in done.stderr, str(result)


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    lines = tmp_path / "formulas.txt"
    lines.write_bytes(b"P(a)\n" * 50_000)
    with lines.open("rb") as stdin:
        proc = subprocess.Popen(
            linc_argv("parse"),
            cwd=tmp_path,
            env=linc_env(tmp_path / "cache"),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        proc.stdout.read(10)
        proc.stdout.close()  # the reader goes away, as `| head` does
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGPIPE and b"Traceback" not in stderr, stderr


def _pigeonhole() -> list[str]:
    return [f"--premise={premise}" for premise in pigeonhole()]


@pytest.mark.parametrize("command", ["parse", "prove"])
def test_ctrl_c_exits_130_without_a_traceback(tmp_path: Path, command: str) -> None:
    """SIGINT while a command waits on its input, or on a prover (z3)."""
    args = ["parse"] if command == "parse" else [
        "prove", "-b", "z3", *_pigeonhole(), "-c", "Q(a)", "--prover-timeout", "60"
    ]  # fmt: skip
    proc = subprocess.Popen(
        linc_argv(*args),
        cwd=tmp_path,
        env=linc_env(tmp_path / "cache"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(4)  # imports done, waiting on stdin or proving
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    done = Done(linc_argv(*args), proc.returncode, out.decode(), err.decode())
    if command == "prove" and proc.returncode == 0:
        pytest.skip("the prover finished before the signal")
    assert_clean(done, [INTERRUPTED])
    assert "interrupted" in done.stderr
