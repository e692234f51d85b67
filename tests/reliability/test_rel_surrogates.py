"""Issue 12 item 7: text that is not valid Unicode never kills a run or prints a traceback.

A lone surrogate (``\\udcff``: what Python makes of an undecodable byte, and
what a JSON file may spell ``"\\udcff"``) in a recorded completion crashed the
whole replay in ``linc.cache.digest``; a non-UTF-8 argument to ``linc
prove`` gave a traceback.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from linc_process import ERROR, assert_clean, replay, run_linc, write_linc_run

from linc.cache import Cache, digest


def _with_surrogate(text: str) -> str:
    """The completion with a line of prose that holds a lone surrogate (not a FOL line)."""
    return text.replace("TEXT:\t", "TEXT:\tnote \udcff: ", 1)


@pytest.mark.parametrize("voting", ["linc", "best"])
def test_lone_surrogate_in_a_recorded_completion_replays(tmp_path: Path, voting: str) -> None:
    """Same accuracy as without it, cold and warm: the sample and proof caches take it too."""
    clean = write_linc_run(tmp_path / "clean")
    dirty = write_linc_run(tmp_path / "dirty", edit=_with_surrogate)
    assert "\\udcff" in dirty.read_text(encoding="utf-8")  # JSON's escape of the lone surrogate
    want = replay(clean, tmp_path / "out-clean", cwd=tmp_path, voting=voting)
    assert_clean(want, [0])
    for attempt in ("cold", "warm"):
        got = run_linc(
            "eval", "replay", "--generations", dirty, "--voting", voting, "--workers", "1",
            "--out", tmp_path / attempt, "--json", cwd=tmp_path,
        )  # fmt: skip
        assert_clean(got, [0])
        assert json.loads(got.stdout)["accuracy"] == json.loads(want.stdout)["accuracy"] == 1.0


def test_digest_keys_of_valid_text_are_unchanged_and_surrogates_hash(tmp_path: Path) -> None:
    value = {"text": "Ünïcödé ∀x P(x) 🐕", "n": [1, 2]}
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert digest(value) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert digest("a\udcff") != digest("a\udcfe") != digest("a")
    cache = Cache("t", directory=tmp_path)
    cache.put(digest("a\udcff"), {"completion": "P(a)\udcff"})
    cache.put_many({"k": ["\ud800", "ok"]})
    assert Cache("t", directory=tmp_path).get(digest("a\udcff")) == {"completion": "P(a)\udcff"}
    assert cache.get("k") == ["\ud800", "ok"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["prove", "-p", b"P(\xff)", "-c", "P(a)"], "--premise"),
        (["prove", "-p", "P(a)", "-c", b"Q(\xe9)"], "--conclusion"),
        (["translate", "--to", "z3", "-p", "P(a)", "-c", b"\xffP(a)"], "--conclusion"),
        (["parse", b"P(\xc3)"], "formulas"),
    ],
)
def test_a_non_utf8_argument_is_a_clear_error(tmp_path: Path, args: list, option: str) -> None:
    done = run_linc(*args, cwd=tmp_path)
    assert_clean(done, [ERROR])
    assert f"argument {option}: not valid UTF-8 text" in done.stderr, str(done)


def test_lone_surrogate_in_a_formula_name_replays(tmp_path: Path) -> None:
    """Inside a formula it reaches the reader and the provers (best: Z3 first): no crash."""
    dirty = write_linc_run(
        tmp_path / "dirty", edit=lambda text: text.replace("Dog(Rex)", "Dog(Rex\udcff)")
    )
    done = replay(dirty, tmp_path / "out", cwd=tmp_path, voting="best")
    assert_clean(done, [0])
