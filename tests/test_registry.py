"""The backend registry: entry points, lazy loading, plug-ins, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linc.decide import decide
from linc.errors import UnknownBackend
from linc.ir import Const, Implies, Not, Or, Pred
from linc.registry import Backend, backend_names, describe_backends, get_backend
from linc.results import Limits, ProofStatus, Verdict

BUILT_INS = {"prover9", "z3", "eprover", "lean"}


def _python(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def test_built_ins_register_through_entry_points() -> None:
    assert BUILT_INS <= set(backend_names())
    for name in BUILT_INS:
        backend = get_backend(name)
        assert backend.name == name
        assert isinstance(backend, Backend)
        assert get_backend(name) is backend  # one shared instance


def test_listing_names_imports_no_backend() -> None:
    done = _python(
        "import sys; from linc.registry import backend_names; names = backend_names();"
        "print(sorted(m for m in sys.modules if m.startswith('linc.backends.') or m in ('z3', 'nltk')))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_unknown_name_lists_installed_and_suggests() -> None:
    with pytest.raises(UnknownBackend) as info:
        get_backend("prover8")
    assert info.value.suggestion == "prover9"
    assert set(info.value.installed) >= BUILT_INS
    assert "Did you mean 'prover9'" in str(info.value)
    with pytest.raises(UnknownBackend):
        decide([], Pred("P", (Const("a"),)), backend="no-such-prover")


def test_lean_unavailable_has_reason_and_hint() -> None:
    info = {i.name: i for i in describe_backends()}["lean"]
    if info.availability:
        pytest.skip("a Lean 4 toolchain is installed here")
    assert "lean" in info.availability.reason
    assert "elan" in info.availability.hint


def test_example_plugin_registers_and_decides() -> None:
    if "truthtable" not in backend_names():
        pytest.skip("example plug-in not installed: pip install -e tests/example_plugin")
    backend = get_backend("truthtable")
    assert backend.available()
    rain, wet = Pred("Rain"), Pred("Wet")
    assert decide([Implies(rain, wet), rain], wet, backend="truthtable").verdict is Verdict.TRUE
    assert (
        decide([Implies(rain, wet), Not(wet)], rain, backend="truthtable").verdict is Verdict.FALSE
    )
    decision = decide([Or((rain, wet))], rain, backend=["truthtable", "prover9"])
    assert decision.verdict is Verdict.UNCERTAIN and decision.agreement
    assert decision.conclusion["truthtable"].countermodel == "true: Pred(name='Wet', args=())"
    out = backend.entails([], Pred("P", (Const("a"),)), limits=Limits())
    assert out.status is ProofStatus.NOT_PROVED


def _broken_plugin(tmp_path: Path) -> dict[str, str]:
    """A real installed-package layout whose entry point cannot be imported."""
    dist = tmp_path / "linc_broken_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: linc-broken-plugin\nVersion: 0.1\n"
    )
    (dist / "entry_points.txt").write_text(
        "[linc.backends]\nbroken = linc_broken_plugin_missing_module:Backend\n"
    )
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    return env


def test_broken_plugin_warns_and_does_not_break_others(tmp_path: Path) -> None:
    env = _broken_plugin(tmp_path)
    code = (
        "import json, logging; logging.basicConfig();"
        "from linc.registry import describe_backends;"
        "print(json.dumps({i.name: [bool(i.availability), i.availability.reason] for i in describe_backends()}))"
    )
    done = _python(code, env=env)
    assert done.returncode == 0, done.stderr
    listing = json.loads(done.stdout)
    assert listing["broken"][0] is False
    assert "failed to load" in listing["broken"][1]
    assert listing["prover9"][0] is True
    assert "'broken'" in done.stderr and "failed to load" in done.stderr


def test_broken_plugin_in_cli_listing(tmp_path: Path) -> None:
    env = _broken_plugin(tmp_path)
    done = _python(
        "from linc.cli import main; raise SystemExit(main(['backends', '--json']))", env=env
    )
    assert done.returncode == 0, done.stderr
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert rows["broken"]["available"] is False
    assert rows["z3"]["available"] is True
    done = _python(
        "from linc.cli import main; raise SystemExit(main(['prove', '--backend', 'broken',"
        " '--premise', 'P(a)', '--conclusion', 'P(a)']))",
        env=env,
    )
    assert done.returncode == 1
    assert "failed to load" in done.stderr
