"""Issue 12 item 9: a limit that means nothing is refused up front, never a traceback.

Before: ``linc prove --timeout inf|0|-1`` and ``--memory 0`` ended in
pydantic/``OverflowError`` tracebacks; ``--limit -1`` meant "none" in one
command and "all but the last" in another.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from linc_process import ERROR, USAGE, assert_clean, run_linc, write_problems

from linc.errors import ConfigError
from linc.results import Limits

PROVE = ["prove", "-p", "P(a)", "-c", "P(a)"]


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--prover-timeout", "inf"], "--prover-timeout"),
        (["--prover-timeout", "0"], "--prover-timeout"),
        (["--prover-timeout", "-1"], "--prover-timeout"),
        (["--prover-timeout", "nan"], "--prover-timeout"),
        (["--prover-timeout", "1e300"], "--prover-timeout"),
        (["--timeout", "inf"], "--timeout"),
        (["--memory", "0"], "--memory"),
        (["--memory", "-1"], "--memory"),
        (["--memory", "10000000000000"], "--memory"),
    ],
)
def test_prove_refuses_a_meaningless_limit(tmp_path: Path, extra: list[str], option: str) -> None:
    done = run_linc(*PROVE, *extra, cwd=tmp_path)
    assert_clean(done, [USAGE])
    assert f"argument {option}" in done.stderr, str(done)


@pytest.mark.parametrize(
    "args",
    [
        ["translate", "--to", "prover9", "-p", "P(a)", "-c", "P(a)", "--timeout", "inf"],
        ["translate", "--to", "prover9", "-p", "P(a)", "-c", "P(a)", "--timeout", "0"],
        ["eval", "gold", "--dataset", "jsonl", "--path", "p.jsonl", "--memory", "0"],
        ["eval", "gold", "--dataset", "jsonl", "--path", "p.jsonl", "--limit", "-1"],
        ["eval", "gold", "--dataset", "jsonl", "--path", "p.jsonl", "--workers", "0"],
    ],
)
def test_other_commands_refuse_a_meaningless_limit(tmp_path: Path, args: list[str]) -> None:
    write_problems(tmp_path / "p.jsonl")
    done = run_linc(*args, cwd=tmp_path)
    assert_clean(done, [USAGE])
    assert f"argument {args[-2]}: " in done.stderr, str(done)  # argparse names the option


def test_limits_refuse_what_a_prover_cannot_take() -> None:
    for bad in ({"seconds": float("inf")}, {"seconds": 0}, {"seconds": float("nan")},
                {"seconds": 1e300}, {"memory_mb": 0}, {"memory_mb": 10**13}):  # fmt: skip
        with pytest.raises(ConfigError, match="limits: "):
            Limits(**bad)
    assert Limits(seconds=0.5, memory_mb=None).seconds == 0.5


class _Counting(BaseHTTPRequestHandler):
    """An endpoint that counts requests and refuses them all (500)."""

    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def counting_server() -> Iterator[tuple[str, type[_Counting]]]:
    handler = type("Counter", (_Counting,), {"requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _eval_run(tmp_path: Path, url: str, *extra: str):
    return run_linc(
        "eval", "run", "--dataset", "jsonl", "--path", write_problems(tmp_path / "p.jsonl"),
        "--base-url", url, "--model", "m", "--max-retries", "0", "--k", "1", "--no-progress",
        "--json", *extra, cwd=tmp_path,
    )  # fmt: skip


def test_eval_run_with_prover_timeout_0_fails_before_any_request(
    tmp_path: Path, counting_server: tuple[str, type[_Counting]]
) -> None:
    url, handler = counting_server
    done = _eval_run(tmp_path, url, "--prover-timeout", "0")
    assert_clean(done, [USAGE, ERROR])  # refused by the option's type, or by Settings
    assert "prover-timeout" in done.stderr or "prover_timeout" in done.stderr, str(done)
    assert handler.requests == 0


def test_eval_run_with_prover_timeout_inf_fails_before_any_request(
    tmp_path: Path, counting_server: tuple[str, type[_Counting]]
) -> None:
    url, handler = counting_server
    done = _eval_run(tmp_path, url, "--prover-timeout", "inf")
    assert_clean(done, [USAGE, ERROR])
    assert handler.requests == 0


def test_limit_minus_one_is_an_error_in_replay(tmp_path: Path, tiny_run: Path) -> None:
    args = ["eval", "replay", "--generations", tiny_run, "--no-cache", "--limit", "-1"]
    done = run_linc(*args, cwd=tmp_path)
    assert_clean(done, [USAGE, ERROR])
    assert "limit" in done.stderr, str(done)


def test_limit_minus_one_is_an_error_in_run(tmp_path: Path) -> None:
    done = _eval_run(tmp_path, "http://127.0.0.1:9/v1", "--limit", "-1")
    assert_clean(done, [USAGE, ERROR])
    assert "limit" in done.stderr, str(done)
