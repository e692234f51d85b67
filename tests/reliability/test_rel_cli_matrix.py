"""The CLI abuse matrix: every command × bad arguments, bad files, bad environment.

Each case runs ``python -m linc`` in a real process with a time bound and
asserts an exit code of 1, 2 or 3 (bad input or a failed run, usage, no LLM
request succeeded) and no Python traceback. No case talks to a real model:
those that need one point at a port nothing listens on, with no retries.

The cases run concurrently once per session (``outcomes``); each is then
checked as its own test, so a failure names the case.
"""

from __future__ import annotations

import json
import os
import random
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from linc_process import (
    DEAD_MODEL,
    Done,
    assert_clean,
    linc_env,
    run_linc,
    write_linc_run,
    write_problems,
)

TIME_BOUND = 90.0  # seconds a case may take (most take one or two)
PROVE = ["prove", "-p", "P(a)"]
GOLD = ["eval", "gold", "--dataset", "jsonl"]
REPLAY = ["eval", "replay", "--no-cache", "--workers", "1"]
RUN = ["eval", "run", "--dataset", "jsonl", "--k", "1", "--no-progress", *DEAD_MODEL]
ASK = ["ask", "-p", "All dogs bark.", "-c", "Rex barks.", "--k", "1"]
SERVE = ["serve-recorded", "--generations"]


@dataclass(frozen=True)
class Case:
    """One abuse: ``args`` (``{name}`` is a file of the fixture folder), extra environment."""

    name: str
    args: tuple[str | bytes, ...]
    env: dict[str, str] = field(default_factory=dict)
    stdin: bytes | None = None


def _case(
    name: str, *args: str | bytes, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> Case:
    return Case(name, args, env or {}, stdin)


def _bad_files(head: list[str], option: str, tag: str, names: list[str]) -> list[Case]:
    """``head OPTION FILE`` for each bad file name."""
    return [_case(f"{tag}: {option} {name}", *head, option, f"{{{name}}}") for name in names]


BAD_FILES = [
    "missing",
    "dir",
    "empty",
    "garbage",
    "latin1",
    "json_obj",
    "json_numbers",
    "json_string",
    "jsonl_wrong",
    "proc_mem",
    "under_file",
]
FOLDERS = [
    "missing",
    "afile",
    "empty_dir",
    "records_garbage",
    "records_latin1",
    "records_empty",
    "records_doubled",
    "report_garbage",
]

CASES: list[Case] = [
    # ---- top level
    _case("linc: no command"),
    _case("linc: unknown command", "frobnicate"),
    _case("linc: unknown option", "--frobnicate", "prove"),
    _case("linc: eval alone", "eval"),
    _case("linc: eval unknown", "eval", "frobnicate"),
    _case("linc: -v on its own", "-v"),
    # ---- ask (a model that answers nothing: exit 3)
    _case("ask: no arguments", "ask"),
    _case("ask: no conclusion", "ask", "-p", "All dogs bark."),
    _case("ask: dead endpoint", *ASK, *DEAD_MODEL),
    _case("ask: dead endpoint, json", *ASK, *DEAD_MODEL, "--json"),
    _case("ask: k 0", *ASK, *DEAD_MODEL, "--k", "0"),
    _case("ask: k -1", *ASK, *DEAD_MODEL, "--k", "-1"),
    _case("ask: k not a number", *ASK, *DEAD_MODEL, "--k", "many"),
    _case("ask: bad voting", *ASK, *DEAD_MODEL, "--voting", "plurality"),
    _case("ask: bad target", *ASK, *DEAD_MODEL, "--target", "coq"),
    _case("ask: temperature nan", *ASK, *DEAD_MODEL, "--temperature", "nan"),
    _case("ask: llm timeout 0", *ASK, *DEAD_MODEL, "--llm-timeout", "0"),
    _case("ask: max tokens 0", *ASK, *DEAD_MODEL, "--max-tokens", "0"),
    _case("ask: shots 99", *ASK, *DEAD_MODEL, "--shots", "99"),
    _case("ask: concurrency 0", *ASK, *DEAD_MODEL, "--concurrency", "0"),
    _case("ask: prover timeout 0", *ASK, *DEAD_MODEL, "--prover-timeout", "0"),
    _case("ask: unknown backend", *ASK, *DEAD_MODEL, "-b", "nosuch"),
    _case(
        "ask: base url not a url",
        *ASK,
        "--model",
        "m",
        "--base-url",
        "not a url",
        "--max-retries",
        "0",
    ),
    _case(
        "ask: base url bad ipv6",
        *ASK,
        "--model",
        "m",
        "--base-url",
        "http://[::1/v1",
        "--max-retries",
        "0",
    ),
    _case("ask: empty premise and conclusion", "ask", "-p", "", "-c", "", *DEAD_MODEL),
    _case("ask: non-UTF-8 premise", "ask", "-p", b"Dogs \xff bark.", "-c", "x", *DEAD_MODEL),
    _case("ask: cache dir is a file", *ASK, *DEAD_MODEL, env={"LINC_CACHE_DIR": "{afile}"}),
    # ---- prove
    _case("prove: no arguments", "prove"),
    _case("prove: conclusion missing its value", *PROVE, "-c"),
    _case("prove: conclusion starts with -", *PROVE, "-c", "-P(a)"),
    _case("prove: empty conclusion", *PROVE, "-c", ""),
    _case("prove: unbalanced", *PROVE, "-c", "P(a"),
    _case("prove: deep unbalanced", *PROVE, "-c", "(" * 5000 + "P(a)"),
    _case("prove: 20 kB of junk", *PROVE, "-c", "P(a) & " * 3_000 + "&"),
    _case("prove: arity clash", *PROVE, "-p", "P(a, b)", "-c", "P(a)"),
    _case("prove: unknown backend", *PROVE, "-c", "P(a)", "-b", "nosuch"),
    _case("prove: unknown syntax", *PROVE, "-c", "P(a)", "--syntax", "fancy"),
    _case("prove: timeout inf", *PROVE, "-c", "P(a)", "--prover-timeout", "inf"),
    _case("prove: timeout 0", *PROVE, "-c", "P(a)", "--prover-timeout", "0"),
    _case("prove: timeout -1", *PROVE, "-c", "P(a)", "--timeout", "-1"),
    _case("prove: memory 0", *PROVE, "-c", "P(a)", "--memory", "0"),
    _case("prove: memory huge", *PROVE, "-c", "P(a)", "--memory", "99999999999"),
    _case("prove: non-UTF-8 premise", "prove", "-p", b"P(\xff)", "-c", "P(a)"),
    _case("prove: prover9 missing", *PROVE, "-c", "P(a)", env={"LINC_PROVER9": "{missing}"}),
    _case("prove: prover9 not executable", *PROVE, "-c", "P(a)", env={"LINC_PROVER9": "{garbage}"}),
    _case("prove: prover9 is /bin/false", *PROVE, "-c", "P(a)", env={"LINC_PROVER9": "/bin/false"}),
    _case(
        "prove: eprover missing",
        *PROVE,
        "-c",
        "P(a)",
        "-b",
        "eprover",
        env={"LINC_EPROVER": "{missing}"},
    ),
    # ---- translate
    _case("translate: no --to", "translate", "-p", "P(a)", "-c", "P(a)"),
    _case("translate: bad target", "translate", "--to", "coq", "-c", "P(a)"),
    _case("translate: unbalanced", "translate", "--to", "z3", "-c", "P(a"),
    _case("translate: arity clash", "translate", "--to", "tptp", "-p", "P(a,b)", "-c", "P(a)"),
    _case("translate: unknown syntax", "translate", "--to", "lean", "-c", "P(a)", "--syntax", "x"),
    _case("translate: timeout 0", "translate", "--to", "prover9", "-c", "P(a)", "--timeout", "0"),
    _case("translate: non-UTF-8", "translate", "--to", "z3", "-c", b"P(\xfe)"),
    # ---- parse
    _case("parse: bad syntax", "parse", "--syntax", "fancy", "P(a)"),
    _case("parse: bad target", "parse", "--to", "fancy", "P(a)"),
    _case("parse: unbalanced", "parse", "P(a"),
    _case("parse: starts with -", "parse", "-P(a)"),
    _case("parse: non-UTF-8 argument", "parse", b"P(\xff)"),
    _case("parse: stdin garbage", "parse", stdin=random.Random(7).randbytes(4096)),
    _case("parse: stdin latin-1", "parse", "--json", stdin=b"P(caf\xe9)\nQ(a\n"),
    _case("parse: stdin deep", "parse", stdin=b"-" * 20_000 + b"P(a\n"),
    # ---- backends
    _case("backends: unknown option", "backends", "--all"),
    _case("backends: extra argument", "backends", "z3"),
    # ---- eval gold
    _case("gold: no --path", *GOLD),
    *_bad_files(GOLD, "--path", "gold", BAD_FILES),
    _case("gold: bad dataset", "eval", "gold", "--dataset", "nosuch", "--path", "{problems}"),
    _case("gold: folio reads a list of numbers", "eval", "gold", "--path", "{json_numbers}"),
    _case("gold: unknown syntax", *GOLD, "--path", "{problems}", "--syntax", "fancy"),
    _case("gold: limit -1", *GOLD, "--path", "{problems}", "--limit", "-1"),
    _case("gold: workers 0", *GOLD, "--path", "{problems}", "--workers", "0"),
    _case("gold: memory 0", *GOLD, "--path", "{problems}", "--memory", "0"),
    _case("gold: prover timeout 0", *GOLD, "--path", "{problems}", "--prover-timeout", "0"),
    _case("gold: prover timeout inf", *GOLD, "--path", "{problems}", "--prover-timeout", "inf"),
    _case("gold: uncertain weight 5", *GOLD, "--path", "{problems}", "--uncertain-weight", "5"),
    _case("gold: first seconds -1", *GOLD, "--path", "{problems}", "--first-seconds", "-1"),
    _case("gold: unknown backend", *GOLD, "--path", "{problems}", "-b", "nosuch"),
    _case("gold: bad voting", *GOLD, "--path", "{problems}", "--voting", "nope"),
    # ---- eval replay
    _case("replay: no --generations", *REPLAY),
    *_bad_files(REPLAY, "--generations", "replay", BAD_FILES),
    _case("replay: bad references", *REPLAY, "--generations", "{gen}", "--references", "{garbage}"),
    _case(
        "replay: references too short",
        *REPLAY,
        "--generations",
        "{gen}",
        "--references",
        "{json_string_list}",
    ),
    _case("replay: bad depths", *REPLAY, "--generations", "{gen}", "--depths", "{json_obj}"),
    _case("replay: bad recorded", *REPLAY, "--generations", "{gen}", "--recorded", "{garbage}"),
    _case("replay: logiclm without programs", *REPLAY, "--format", "logiclm"),
    *_bad_files(
        REPLAY + ["--format", "logiclm"],
        "--programs",
        "replay logiclm",
        ["missing", "garbage", "json_obj", "json_numbers"],
    ),
    _case("replay: bad format", *REPLAY, "--format", "csv", "--generations", "{gen}"),
    _case("replay: out is a file", *REPLAY, "--generations", "{gen}", "--out", "{afile}"),
    _case("replay: out under /proc", *REPLAY, "--generations", "{gen}", "--out", "/proc/x"),
    _case(
        "replay: resume into another run",
        *REPLAY,
        "--generations",
        "{gen}",
        "--voting",
        "best",
        "--out",
        "{linc_run}",
        "--resume",
    ),
    _case(
        "replay: cache dir is a file",
        "eval",
        "replay",
        "--generations",
        "{gen}",
        "--cache-dir",
        "{afile}",
    ),
    _case(
        "replay: cache env is a file",
        "eval",
        "replay",
        "--generations",
        "{gen}",
        env={"LINC_CACHE_DIR": "{afile}"},
    ),
    _case(
        "replay: corrupt cache",
        "eval",
        "replay",
        "--generations",
        "{gen}",
        "--workers",
        "1",
        "--cache-dir",
        "{corrupt_cache}",
    ),
    _case("replay: prover timeout 0", *REPLAY, "--generations", "{gen}", "--prover-timeout", "0"),
    _case(
        "replay: prover timeout inf", *REPLAY, "--generations", "{gen}", "--prover-timeout", "inf"
    ),
    _case("replay: unknown backend", *REPLAY, "--generations", "{gen}", "-b", "nosuch"),
    _case("replay: bad voting", *REPLAY, "--generations", "{gen}", "--voting", "x"),
    _case("replay: bad extraction", *REPLAY, "--generations", "{gen}", "--extraction", "x"),
    # ---- eval run (a model that answers nothing: exit 3)
    _case("run: no arguments", "eval", "run"),
    _case("run: bad dataset", "eval", "run", "--dataset", "x", "--path", "{problems}"),
    *_bad_files(
        RUN,
        "--path",
        "run",
        ["missing", "dir", "garbage", "latin1", "json_obj", "jsonl_wrong", "proc_mem"],
    ),
    _case("run: dead endpoint", *RUN, "--path", "{problems}"),
    _case("run: dead endpoint, out", *RUN, "--path", "{problems}", "--out", "{fresh_out}"),
    _case("run: k 0", *RUN, "--path", "{problems}", "--k", "0"),
    _case("run: resume without out", *RUN, "--path", "{problems}", "--resume"),
    _case("run: out is a file", *RUN, "--path", "{problems}", "--out", "{afile}"),
    _case("run: prover timeout 0", *RUN, "--path", "{problems}", "--prover-timeout", "0"),
    _case("run: problems at once 0", *RUN, "--path", "{problems}", "--problems-at-once", "0"),
    _case("run: concurrency 0", *RUN, "--path", "{problems}", "--concurrency", "0"),
    _case(
        "run: cache env is a file", *RUN, "--path", "{problems}", env={"LINC_CACHE_DIR": "{afile}"}
    ),
    _case(
        "run: cache dir under /proc",
        *RUN,
        "--path",
        "{problems}",
        "--cache-dir",
        "/proc/linc-cache",
    ),
    # ---- eval plot
    _case("plot: no folder", "eval", "plot"),
    *[_case(f"plot: {name}", "eval", "plot", f"{{{name}}}") for name in FOLDERS],
    _case("plot: figure suffix", "eval", "plot", "{linc_run}", "--out", "{fresh_out}/f.jpg"),
    _case("plot: figure under /proc", "eval", "plot", "{linc_run}", "--out", "/proc/f.png"),
    _case("plot: figure is a folder", "eval", "plot", "{linc_run}", "--out", "{dir_png}"),
    _case("plot: bad policy", "eval", "plot", "{linc_run}", "--policy", "x"),
    # ---- eval compare
    _case("compare: one folder", "eval", "compare", "{linc_run}"),
    *[
        _case(f"compare: {name}", "eval", "compare", "{linc_run}", f"{{{name}}}")
        for name in FOLDERS
    ],
    _case("compare: other gold", "eval", "compare", "{linc_run}", "{other_gold}"),
    # ---- serve-recorded (bad input only: a good one serves until stopped)
    _case("serve: no arguments", "serve-recorded"),
    *_bad_files(
        [*SERVE[:1], "--port", "0"],
        "--generations",
        "serve",
        ["missing", "dir", "empty", "garbage", "json_obj", "json_numbers"],
    ),
    _case("serve: port -1", *SERVE, "{gen}", "--port", "-1"),
    _case("serve: port 70000", *SERVE, "{gen}", "--port", "70000"),
    _case("serve: port taken", *SERVE, "{gen}", "--port", "{busy_port}"),
    _case("serve: port words", *SERVE, "{gen}", "--port", "eighty"),
    _case("serve: host unknown", *SERVE, "{gen}", "--port", "0", "--host", "no.such.host."),
    _case(
        "serve: problems-out a folder", *SERVE, "{gen}", "--port", "0", "--problems-out", "{dir}"
    ),
    _case(
        "serve: problems-out under /proc",
        *SERVE,
        "{gen}",
        "--port",
        "0",
        "--problems-out",
        "/proc/p.jsonl",
    ),
    _case("serve: bad references", *SERVE, "{gen}", "--port", "0", "--references", "{garbage}"),
]


def _fixture_files(root: Path) -> dict[str, str]:
    """The files and folders the cases name (``{name}``)."""
    files: dict[str, str] = {}

    def put(name: str, data: bytes) -> None:
        path = root / name
        path.write_bytes(data)
        files[name] = str(path)

    root.mkdir(parents=True, exist_ok=True)
    put("afile", b"a file\n")
    put("empty", b"")
    put("garbage", random.Random(12).randbytes(20_000))
    put("latin1", b'{"id": "caf\xe9", "premises": ["x"], "conclusion": "y"}\n')
    put("json_obj", b'{"a": 1}')
    put("json_numbers", b"[1, 2, 3]")
    put("json_string", b'"x"')
    put("json_string_list", b'["True"]')
    put("jsonl_wrong", b'{"premises": 5, "conclusion": []}\n[1]\nnull\n{"label": {}}\n')
    files["missing"] = str(root / "no-such-file")
    files["under_file"] = str(root / "afile" / "x.json")
    files["proc_mem"] = "/proc/self/mem"
    for name in ("dir", "empty_dir", "dir_png"):
        (root / name).mkdir()
        files[name] = str(root / name)
    files["dir_png"] = str(root / "dir_png.png")
    (root / "dir_png.png").mkdir()
    files["fresh_out"] = str(root / "fresh-out")
    files["problems"] = str(write_problems(root / "problems.jsonl"))
    files["gen"] = str(write_linc_run(root / "recorded"))
    files.update(_run_folders(root, Path(files["gen"])))
    return files


def _run_folders(root: Path, generations: Path) -> dict[str, str]:
    """A real replay's ``--out`` and damaged copies of it."""
    linc_run = root / "linc-run"
    done = run_linc(
        "eval",
        "replay",
        "--generations",
        generations,
        "--voting",
        "linc",
        "--workers",
        "1",
        "--out",
        linc_run,
        "--json",
        cwd=root,
        cache=root / "cache",
    )
    assert done.returncode == 0, str(done)
    records = (linc_run / "records.jsonl").read_bytes()
    report = (linc_run / "report.json").read_bytes()
    folders = {
        "records_garbage": (random.Random(3).randbytes(5000), report),
        "records_latin1": (b'{"id": "caf\xe9"}\n', None),
        "records_empty": (b"", None),
        "records_doubled": (records + records, report),
        "report_garbage": (records, b"{not json"),
        "other_gold": (records.replace(b'"gold":"True"', b'"gold":"False"'), report),
    }
    out = {"linc_run": str(linc_run)}
    for name, (data, rep) in folders.items():
        folder = root / name
        folder.mkdir()
        (folder / "records.jsonl").write_bytes(data)
        if rep is not None:
            (folder / "report.json").write_bytes(rep)
        out[name] = str(folder)
    corrupt = root / "corrupt-cache"
    corrupt.mkdir()
    for namespace in ("proofs", "samples", "llm"):
        (corrupt / f"{namespace}.sqlite").write_bytes(random.Random(5).randbytes(8192))
    out["corrupt_cache"] = str(corrupt)
    return out


def _fill(value: str | bytes, files: dict[str, str]) -> str | bytes:
    if isinstance(value, bytes) or "{" not in value or value.startswith(("(", "P(a)")):
        return value
    for name, path in files.items():
        value = value.replace(f"{{{name}}}", path)
    return value


def _run_case(case: Case, root: Path, files: dict[str, str]) -> Done:
    folder = root / "cases" / str(CASES.index(case))
    folder.mkdir(parents=True)
    env = linc_env(folder / "cache", **{k: str(_fill(v, files)) for k, v in case.env.items()})
    args = [_fill(a, files) for a in case.args]
    return run_linc(*args, cwd=folder, env=env, stdin=case.stdin, timeout=TIME_BOUND)


@pytest.fixture(scope="module")
def busy_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory, busy_port: int) -> dict[str, Done]:
    """Every case, run a few at a time."""
    root = tmp_path_factory.mktemp("abuse")
    files = _fixture_files(root / "files")
    files["busy_port"] = str(busy_port)
    workers = max(2, min(8, (os.cpu_count() or 1) + 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(lambda case: _run_case(case, root, files), CASES))
    return {case.name: result for case, result in zip(CASES, done)}


def test_case_names_are_distinct() -> None:
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_abuse(case: Case, outcomes: dict[str, Done]) -> None:
    assert_clean(outcomes[case.name], [1, 2, 3])


def test_the_matrix_covers_every_command() -> None:
    commands = {"ask", "prove", "translate", "parse", "backends", "serve-recorded"}
    evals = {"gold", "replay", "run", "plot", "compare"}
    seen = {str(c.args[0]) for c in CASES if c.args} | {
        str(c.args[1]) for c in CASES if len(c.args) > 1 and c.args[0] == "eval"
    }
    assert commands | evals <= seen
    print(json.dumps({"cases": len(CASES)}))
