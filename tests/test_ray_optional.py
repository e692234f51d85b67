"""Ray is optional: ``import linc`` never imports it, and without it ``--executor ray``
names the install to run. Real subprocesses, so no test's imports leak in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_importing_linc_and_its_runner_never_imports_ray():
    done = run_python(
        "import sys\n"
        "import linc, linc.cli, linc.cli.options, linc.evals.runner, linc.evals.replay\n"
        "import linc.evals.live, linc.evals.gold, linc.evals.executor, linc.evals.schedule\n"
        "from linc.cli import main\n"
        "main(['eval', 'replay', '--help'])\n"
    )
    assert "--executor" in done.stdout and "--ray-address" in done.stdout
    check = run_python(
        "import sys, linc, linc.evals.runner, linc.evals.executor\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "[]"


def test_without_ray_executor_ray_names_the_install(tmp_path):
    done = run_python(
        "import sys\n"
        "sys.modules['ray'] = None  # as if Ray were not installed\n"
        "from linc.cli import main\n"
        f"sys.exit(main(['eval', 'gold', '--path', {str(tmp_path / 'x.jsonl')!r}, "
        "'--executor', 'ray']))\n"
    )
    assert done.returncode == 1, done.stderr
    assert "pip install 'linc[ray]'" in done.stderr
    assert "Traceback" not in done.stderr
    for command in (["eval", "replay", "--generations", "x.json"], ["eval", "run"]):
        done = run_python(
            "import sys\n"
            "sys.modules['ray'] = None\n"
            "from linc.cli import main\n"
            f"sys.exit(main({[*command, '--ray-address', '127.0.0.1:1']!r}))\n"
        )
        assert done.returncode in (1, 2), done.stderr
        if done.returncode == 1:
            assert "pip install 'linc[ray]'" in done.stderr
