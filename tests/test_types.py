"""The package passes mypy (it ships ``py.typed``), checked as it installs.

``parsers/``, ``backends/`` and ``evals/`` install as ``linc.parsers`` and so
on (``[tool.setuptools.package-dir]``), which mypy cannot read from the
editable install. The test lays the package out in a temporary tree of
symlinks to the real files, runs mypy there with the project's settings and
reports errors under the repository's own paths.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs tomllib or tomli")

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = REPO / "pyproject.toml"
PACKAGE = "linc"


def _package_dirs() -> dict[str, str]:
    """``{"linc": "linc", "linc.parsers": "parsers", ...}`` from pyproject.toml."""
    with PYPROJECT.open("rb") as f:
        return dict(tomllib.load(f)["tool"]["setuptools"]["package-dir"])


def _installed_layout(root: Path) -> dict[str, str]:
    """Symlink the package under ``root`` as it installs.

    Returns ``{path prefix in the tree: path prefix in the repository}``.
    """
    prefixes: dict[str, str] = {}
    for package, source in sorted(_package_dirs().items(), key=lambda kv: kv[0].count(".")):
        target = root.joinpath(*package.split("."))
        origin = REPO / source
        if package == PACKAGE:  # a real directory, so that sub-packages can be added
            target.mkdir(parents=True)
            for child in origin.iterdir():
                if child.name != "__pycache__":
                    (target / child.name).symlink_to(child)
        else:
            assert not target.exists(), f"{package} is both a directory and a package-dir entry"
            target.symlink_to(origin, target_is_directory=True)
        prefixes[f"{target.relative_to(root).as_posix()}/"] = f"{source}/"
    return prefixes


def _to_repo_paths(output: str, prefixes: dict[str, str]) -> str:
    """Rewrite ``linc/parsers/build.py:3: ...`` to ``parsers/build.py:3: ...``."""
    ordered = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    lines = []
    for line in output.splitlines():
        for tree, repo in ordered:
            if line.startswith(tree):
                line = repo + line[len(tree) :]
                break
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.slow
def test_package_passes_mypy(tmp_path: Path) -> None:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -e '.[dev]')")
    root = tmp_path / "tree"
    prefixes = _installed_layout(root)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            str(PYPROJECT),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "--no-color-output",
            "-p",
            PACKAGE,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    output = _to_repo_paths(done.stdout + done.stderr, prefixes)
    assert done.returncode == 0, f"mypy found errors:\n{output}"
