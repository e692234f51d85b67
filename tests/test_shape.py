"""The code's shape (issue 11): short functions everywhere, small modules in ``evals/``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("linc", "parsers", "backends", "evals")
LONGEST_FUNCTION = 80
LONGEST_EVALS_MODULE = 400


def _sources(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


def test_no_function_is_longer_than_80_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)"
        for path in _sources(*PACKAGES)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > LONGEST_FUNCTION
    ]
    assert not long, long


def test_no_evals_module_is_longer_than_400_lines() -> None:
    long = [
        f"{path.relative_to(ROOT)} ({lines} lines)"
        for path in _sources("evals")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_EVALS_MODULE
    ]
    assert not long, long
