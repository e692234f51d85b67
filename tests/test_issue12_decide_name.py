"""Issue 12, item 1: ``linc.decide`` is the function, whatever was imported first.

Importing a submodule sets it as an attribute of its package, and the
submodule ``linc.decide`` has the function's name. Each order runs in a fresh
interpreter, since the first import is what the bug depended on.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("z3", reason="the calls decide with the z3 backend")

CALL = "linc.decide(['P(a)'], 'P(a)', backend='z3').verdict.value"


@pytest.mark.parametrize(
    "setup",
    [
        f"import linc; {CALL}",  # the second call broke
        "import linc; linc.Decision",  # touching Decision first broke the first call
        "import linc.decide",
        "from linc.decide import Decision",
        "import linc.reasoner",  # imports the submodule itself
        "from linc import decide as first; assert first is linc.decide",
    ],
)
def test_decide_is_the_function_in_every_import_order(setup: str) -> None:
    code = f"import linc\n{setup}\nprint({CALL}, {CALL}, callable(linc.decide))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "True"]


def test_the_submodule_stays_reachable() -> None:
    import importlib

    import linc

    module = importlib.import_module("linc.decide")
    assert module is sys.modules["linc.decide"]
    assert module.decide is linc.decide and module.Decision is linc.Decision


def test_import_linc_imports_no_optional_dependency() -> None:
    code = (
        "import sys, linc\n"
        "print(sorted(m for m in ('z3', 'llama_cpp', 'matplotlib', 'openai', 'ray') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"
