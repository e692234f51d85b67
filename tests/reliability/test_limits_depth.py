"""Issue 12 item 15: formulas of any depth are read, decided and shipped to workers.

Before: the parsers refused nesting deeper than 100 levels (``ir.MAX_DEPTH``),
so a flat chain of 150 implications was a ParseError, although the README
says "any depth": the walker was iterative, but the IR nodes' generated
``==``, ``hash``, ``repr`` and pickling recursed. Now those walk with
``linc.walk`` too, and there is no cap.
"""

from __future__ import annotations

import json
import pickle
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pytest
from linc_process import assert_clean, replay, run_linc, write_linc_run

from linc.decide import decide
from linc.ir import And, Formula, Implies, Not, Pred, depth
from linc.parsers import parse, read, render
from linc.results import Verdict

CHAIN = 150
SPELLING = {
    "nltk": (" -> ", "P{i}(a)"),
    "unicode": (" → ", "P{i}(a)"),
    "lean": (" → ", "P{i} a"),
    "auto": (" -> ", "P{i}(a)"),
}


def _chain(syntax: str, n: int = CHAIN) -> str:
    arrow, atom = SPELLING[syntax]
    return arrow.join(atom.format(i=i) for i in range(n + 1))


@pytest.mark.parametrize("syntax", SPELLING)
def test_a_flat_chain_of_150_implications_reads(syntax: str) -> None:
    f = parse(_chain(syntax), syntax=syntax)
    assert depth(f) == CHAIN + 1
    assert parse(render(f, syntax="nltk"), syntax="nltk") == f


@pytest.mark.parametrize("syntax", ["nltk", "unicode"])
def test_10_000_levels_of_every_kind_read(syntax: str) -> None:
    neg, arrow, forall = ("-", " -> ", "all x. ") if syntax == "nltk" else ("¬", " → ", "∀x ")
    n = 10_000
    texts = {
        "negations": neg * n + "P(a)",
        "implications": arrow.join(["P(a)"] * (n + 1)),
        "quantifiers": forall * n + "P(x)",
        "terms": "P(" + "f(" * n + "a" + ")" * n + ")",
        "parentheses": "(" * n + "P(a)" + ")" * n,
    }
    for shape, text in texts.items():
        f = read(text, syntax=syntax).formula
        assert depth(f) >= (1 if shape in ("terms", "parentheses") else n), shape


def test_a_free_variable_is_closed_at_any_depth() -> None:
    """The unicode syntax closes free u–z; the closure itself had its own depth check."""
    parsed = read("¬" * 5_000 + "P(x)", syntax="unicode")
    assert parsed.closed == ("x",) and depth(parsed.formula) == 5_002


def _nested(n: int) -> Formula:
    f: Formula = Pred("P", ())
    for i in range(n):
        f = And((Not(f), Pred(f"Q{i % 7}", ()))) if i % 2 else Implies(Pred("R", ()), f)
    return f


def test_deep_formulas_compare_hash_print_and_pickle() -> None:
    a, b = _nested(50_000), _nested(50_000)
    assert a == b and hash(a) == hash(b) and a != _nested(49_999)
    assert {a: 1}[b] == 1
    assert repr(a).startswith("And(args=(Not(body=Implies(left=Pred(name='R', args=()), right=")
    assert pickle.loads(pickle.dumps(a)) == a


def _depth_in_worker(f: Formula) -> int:
    return depth(f)


def test_a_deep_formula_crosses_to_a_worker_process() -> None:
    f = _nested(20_000)
    with ProcessPoolExecutor(1, mp_context=get_context("forkserver")) as pool:
        assert pool.submit(_depth_in_worker, f).result(timeout=120) == depth(f)


@pytest.mark.parametrize("backend", ["prover9", "z3", "eprover"])
def test_linc_prove_decides_a_chain_of_150_implications(tmp_path: Path, backend: str) -> None:
    from linc.registry import get_backend

    if not get_backend(backend).available():
        pytest.skip(f"{backend} is not installed here")
    # every atom a premise: the chain holds however its arrows group (NLTK's fold left)
    premises = [f"-p=P{i}(a)" for i in range(CHAIN + 1)]
    done = run_linc("prove", "-b", backend, *premises, "-c", _chain("nltk"), cwd=tmp_path)
    assert_clean(done, [0])
    assert "verdict: True" in done.stdout, str(done)


def test_decide_reads_a_deep_conclusion() -> None:
    conclusion = " -> ".join(["Dog(rex)"] * 300 + ["Animal(rex)"])
    premises = ["all x. (Dog(x) -> Animal(x))", "Dog(rex)"]
    decision = decide(premises, conclusion, backend="prover9")
    assert decision.verdict is Verdict.TRUE


def test_a_replay_with_a_deep_formula_decides_it_in_worker_processes(tmp_path: Path) -> None:
    deep = " -> ".join(["Dog(Rex)"] * 2_000 + ["Animal(Rex)"])
    generations = write_linc_run(
        tmp_path / "recorded", edit=lambda t: t.replace("FOL:\tAnimal(Rex)", f"FOL:\t{deep}")
    )
    done = replay(generations, tmp_path / "out", "--workers", "2", cwd=tmp_path, voting="best")
    assert_clean(done, [0])
    report = json.loads(done.stdout)
    assert report["sample_parse_rate"] == 1.0 and report["accuracy"] == 1.0, str(done)
