"""Issue 12 items 3/4 (the part of ``eval plot``/``eval compare``): a records file that holds
one problem twice (two runs wrote one folder) is refused, naming the id.

Before: ``eval plot`` counted every copy (164 lines, 64 duplicates, all
counted) and ``eval compare`` stopped with exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from linc_process import ERROR, assert_clean, run_linc

from linc.evals.records import RECORDS


def _doubled(replayed: Path) -> str:
    """Append two of the run's records again; the first id repeated."""
    records = replayed / RECORDS
    lines = records.read_text(encoding="utf-8").splitlines(keepends=True)
    records.write_text("".join(lines + lines[1:3]), encoding="utf-8")  # two problems twice
    return json.loads(lines[1])["id"]


@pytest.mark.parametrize(
    "words", [["plot", "DOUBLED"], ["plot", "DOUBLED", "--json"], ["compare", "DOUBLED", "CLEAN"],
              ["compare", "CLEAN", "DOUBLED"]],
)  # fmt: skip
def test_a_records_file_with_an_id_twice_is_refused(
    tmp_path: Path, replayed: Path, words: list[str]
) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / RECORDS).write_text((replayed / RECORDS).read_text(encoding="utf-8"))
    repeated = _doubled(replayed)
    folders = {"DOUBLED": replayed, "CLEAN": clean}
    done = run_linc("eval", *[folders.get(word, word) for word in words], cwd=tmp_path)
    assert_clean(done, [ERROR])
    assert f"problem id {repeated!r} appears 2 times" in done.stderr, str(done)
    assert str(replayed / RECORDS) in done.stderr
