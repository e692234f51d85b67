"""Issue 12 item 14 (Z3): ``linc translate --to z3`` prints SMT-LIB that Z3's own parser reads.

Before: symbols went to Z3 as they were named, and Z3 prints a symbol as
it is, so the names ``'a'``, ``_`` and ``1.5`` came out as invalid SMT-LIB
(``(declare-fun 'a' () U)``). Now every symbol is an SMT-LIB simple symbol,
never a reserved word or a Z3 built-in, and two symbols never share a name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from linc_process import assert_clean, run_linc

from linc.ir import And, Const, Eq, Exists, ForAll, Formula, Func, Pred, Var

z3 = pytest.importorskip("z3", reason="these tests run the z3 backend")


def _reads(smt2: str) -> object:
    """Z3's own parser reads it (raises ``Z3Exception`` otherwise)."""
    return z3.parse_smt2_string(smt2, ctx=z3.Context())


def _check(smt2: str) -> object:
    """Z3's answer on the printed problem, every premise switched on (its tracker true)."""
    ctx = z3.Context()
    solver = z3.Solver(ctx=ctx)
    solver.add(z3.parse_smt2_string(smt2, ctx=ctx))
    trackers = [
        line.split()[1] for line in smt2.splitlines() if line.startswith("(declare-fun premise")
    ]
    return solver.check(*(z3.Bool(name, ctx) for name in trackers))


@pytest.mark.parametrize("name", ["'a'", "_", "1.5", "a'", "x'"])
def test_translate_to_z3_prints_valid_smt_lib(tmp_path: Path, name: str) -> None:
    done = run_linc("translate", "--to", "z3", "-p", f"P({name})", "-c", "P(b)", cwd=tmp_path)
    assert_clean(done, [0])
    assertions = _reads(done.stdout)
    assert len(assertions) == 2, done.stdout  # type: ignore[arg-type]


WEIRD = [
    "'a'", "_", "1.5", "and", "true", "false", "not", "=>", "ite", "distinct", "let", "forall",
    "U", "Int", "select", "abs", "mod", "div", "premise0", "premise0!0", "x!0", "|a|", "a b",
    "a\\b", "é", "名字", "", "!", "#eval", "a.b", "-1", "0", "a_", "a-", "A", "a",
]  # fmt: skip


def _problem() -> tuple[list[Formula], Formula]:
    """Every weird name as a constant, a unary predicate, a function and a variable."""
    premises: list[Formula] = []
    for i, name in enumerate(WEIRD):
        c = Const(name)
        premises.append(Pred(name, (c,)))
        premises.append(Eq(Func(name, (c,)), Const(f"k{i}")))
        premises.append(ForAll(Var(name), Exists(Var(name + "'"), Pred("R", (Var(name),)))))
    return premises, And((Pred("'a'", (Const("'a'"),)), Pred("_", (Const("_"),))))


def test_every_name_prints_as_valid_distinct_smt_lib() -> None:
    from linc.backends.z3 import format_smt2

    premises, goal = _problem()
    text = format_smt2(premises, goal)
    assertions = _reads(text)
    declared = [line for line in text.splitlines() if line.startswith("(declare-fun")]
    names = [line.split()[1] for line in declared]
    assert len(names) == len(set(names)), "two symbols got one name"
    assert len(assertions) == len(premises) + 1  # type: ignore[arg-type]
    assert _check(text) == z3.unsat  # the premises prove the goal, read back as from the IR


def test_names_that_differ_stay_different() -> None:
    """``a'`` and ``a_`` print alike once sanitised; they must stay two symbols."""
    from linc.backends.z3 import Z3Backend, format_smt2
    from linc.results import Limits, ProofStatus

    premises: list[Formula] = [Pred("P", (Const("a'"),))]
    goal = Pred("P", (Const("a_"),))
    result = Z3Backend().entails(premises, goal, limits=Limits(seconds=10))
    assert result.status is ProofStatus.NOT_PROVED
    assert _check(format_smt2(premises, goal)) == z3.sat  # nor from the printed text
