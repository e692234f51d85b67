"""``linc eval compare`` and ``linc.evals.compare`` on real replayed runs.

Two runs of the first 20 recorded FOLIO problems (GPT-3.5, 8-shot, 10
samples each), replayed with real provers in LINC's mode and in best mode;
the proof cache lives in a temporary directory. The statistics are checked
against values computed by hand and published ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc.cli import main
from linc.errors import DataError
from linc.evals.compare import (
    Comparison,
    compare_records,
    mcnemar_exact_p,
    paired_comparison,
    paired_difference_ci,
)
from linc.evals.records import RECORDS, JsonlWriter, read_records
from linc.evals.report import wilson_interval
from linc.results import Verdict

LIMIT = 20  # problems in the folio8_replays fixture (conftest)


@pytest.fixture
def runs(folio8_replays: dict[str, Path]) -> dict[str, Path]:
    """``--out`` folders of a parity (``linc``) and a ``best`` replay (see conftest)."""
    return folio8_replays


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------- real runs


def test_counts_add_up_and_match_each_runs_report(runs):
    c = paired_comparison(runs["best"], runs["linc"])
    best, linc = _report(runs["best"]), _report(runs["linc"])
    assert c.paired == LIMIT and c.a.unpaired == c.b.unpaired == 0
    assert c.both_right + c.only_a_right + c.only_b_right + c.both_wrong == c.paired
    assert c.a.correct == c.both_right + c.only_a_right == best["correct"]
    assert c.b.correct == c.both_right + c.only_b_right == linc["correct"]
    assert c.a.accuracy == pytest.approx(best["accuracy"])
    assert c.b.accuracy == pytest.approx(linc["accuracy"])
    assert c.difference == pytest.approx(best["accuracy"] - linc["accuracy"])
    assert c.mcnemar_p == mcnemar_exact_p(c.only_a_right, c.only_b_right)
    low, high = c.difference_ci95
    assert -1 <= low < c.difference < high <= 1


def test_counts_match_the_records_problem_by_problem(runs):
    best = {r.id: r.correct for r in read_records(runs["best"] / RECORDS)}
    linc = {r.id: r.correct for r in read_records(runs["linc"] / RECORDS)}
    c = paired_comparison(runs["linc"], runs["best"])
    assert c.only_a_right == sum(linc[k] and not best[k] for k in linc)
    assert c.only_b_right == sum(best[k] and not linc[k] for k in linc)
    assert c.both_wrong == sum(not best[k] and not linc[k] for k in linc)


def test_swapping_the_runs_mirrors_the_comparison(runs):
    ab = paired_comparison(runs["best"], runs["linc"])
    ba = paired_comparison(runs["linc"], runs["best"])
    assert (ab.only_a_right, ab.only_b_right) == (ba.only_b_right, ba.only_a_right)
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.difference_ci95[0] == pytest.approx(-ba.difference_ci95[1])
    assert ab.difference_ci95[1] == pytest.approx(-ba.difference_ci95[0])
    assert ab.mcnemar_p == ba.mcnemar_p


def test_a_run_against_itself_differs_in_nothing(runs):
    c = paired_comparison(runs["best"], runs["best"])
    assert c.only_a_right == c.only_b_right == 0
    assert c.mcnemar_p == 1.0 and c.difference == 0.0
    low, high = c.difference_ci95
    assert low < 0 < high  # a score interval: no zero width without discordant pairs
    assert c.a.label != c.b.label or c.a.path == c.b.path


def test_runs_of_one_name_get_distinct_labels(runs):
    c = paired_comparison(runs["linc"], runs["best"])
    assert c.a.name == c.b.name
    assert c.a.label.endswith("(linc)") and c.b.label.endswith("(best)")


def test_reports_carry_the_wilson_interval(runs):
    for mode in ("linc", "best"):
        report = _report(runs[mode])
        low, high = report["accuracy_ci95"]
        assert (low, high) == pytest.approx(wilson_interval(report["correct"], report["n"]))
        assert low < report["accuracy"] < high
        assert "95 % CI" in (runs[mode] / "report.md").read_text(encoding="utf-8")


def test_unpaired_problems_are_counted_on_each_side(runs, tmp_path):
    records = read_records(runs["linc"] / RECORDS)
    with JsonlWriter(tmp_path / RECORDS) as writer:
        for r in records:
            if r.index >= 5:  # the first five are missing; three more lack gold
                writer.write(r.model_copy(update={"gold": None}) if r.index < 8 else r)
    c = paired_comparison(tmp_path, runs["best"])
    assert c.paired == LIMIT - 8
    assert (c.a.problems, c.a.unpaired) == (LIMIT - 5, 3)
    assert (c.b.problems, c.b.unpaired) == (LIMIT, 8)
    assert c.a.name == tmp_path.name  # no report.json: the folder's name
    kept = [r for r in records if r.index >= 8]
    assert c.a.correct == sum(r.correct for r in kept)


def test_runs_of_different_problems_are_refused(runs):
    records = read_records(runs["linc"] / RECORDS)
    flipped = [
        r.model_copy(update={"gold": Verdict.FALSE if r.gold is Verdict.TRUE else Verdict.TRUE})
        for r in records
    ]
    with pytest.raises(DataError, match="not of the same problems"):
        compare_records(records, flipped)
    with pytest.raises(DataError, match="twice"):
        compare_records(records + records[:1], records)


# ----------------------------------------------------------------- statistics


@pytest.mark.parametrize(
    ("only_a", "only_b", "p"),
    [
        (0, 6, 2 / 64),  # 2 * (1/2)^6
        (6, 0, 2 / 64),
        (3, 3, 1.0),
        (1, 9, 0.021484375),  # 2 * (1 + 10) / 1024
        (2, 8, 0.109375),  # 2 * (1 + 10 + 45) / 1024
        (0, 1, 1.0),
        (0, 0, 1.0),
    ],
)
def test_mcnemar_exact_p_matches_hand_computed_values(only_a, only_b, p):
    assert mcnemar_exact_p(only_a, only_b) == p


def test_mcnemar_stays_exact_for_many_discordant_pairs():
    # 2 * P[X <= 0], X ~ Bin(200, 1/2): far below float rounding of a running sum
    assert mcnemar_exact_p(0, 200) == 2.0**-199
    assert mcnemar_exact_p(100, 100) == 1.0


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),  # Newcombe (1998), Stat Med 17:857, example (i)
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),  # upper = z^2 / (n + z^2)
        (1, 29, 0.0061, 0.1718),
        (20, 20, 0.8389, 1.0),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("n", [1, 7, 182])
def test_wilson_interval_stays_inside_zero_one_and_holds_the_estimate(n):
    for k in range(n + 1):
        low, high = wilson_interval(k, n)
        assert 0.0 <= low <= k / n <= high <= 1.0
        assert low < high
    assert wilson_interval(0, n)[0] == 0.0 and wilson_interval(n, n)[1] == 1.0


def test_wilson_interval_refuses_an_empty_sample():
    with pytest.raises(ValueError, match="n > 0"):
        wilson_interval(0, 0)


def test_paired_difference_ci_matches_newcombe_method_10():
    # Newcombe (1998), Stat Med 17:2635, Table II, example (a): 36, 12, 2, 0
    assert paired_difference_ci(36, 12, 2, 0) == pytest.approx((0.0569, 0.3404), abs=5e-5)


def test_paired_difference_ci_is_inside_minus_one_one():
    for table in [(0, 10, 0, 0), (0, 0, 10, 0), (10, 0, 0, 0), (0, 0, 0, 10), (1, 1, 1, 1)]:
        low, high = paired_difference_ci(*table)
        estimate = (table[1] - table[2]) / sum(table)
        assert -1.0 <= low <= estimate <= high <= 1.0


# ----------------------------------------------------------------- the command


def test_table_shows_counts_intervals_and_p(runs, capsys):
    assert main(["eval", "compare", str(runs["best"]), str(runs["linc"])]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    cells = {name: value for name, value in rows}
    c = paired_comparison(runs["best"], runs["linc"])
    assert cells["paired problems"] == str(LIMIT)
    assert cells["only A right"] == str(c.only_a_right)
    assert cells["only B right"] == str(c.only_b_right)
    assert cells["both right"] == str(c.both_right)
    assert cells["both wrong"] == str(c.both_wrong)
    assert cells["McNemar exact p"] == f"{c.mcnemar_p:.4g}"
    low, high = c.difference_ci95
    assert cells["difference A - B"] == f"{c.difference:+.4f} [{low:.4f}, {high:.4f}]"
    assert cells[f"A: {c.a.label}"].startswith(f"{c.a.accuracy:.4f} [")


def test_json_output_is_the_comparison(runs, capsys):
    assert main(["eval", "compare", str(runs["linc"]), str(runs["best"]), "--json"]) == 0
    parsed = Comparison.model_validate_json(capsys.readouterr().out)
    assert parsed == paired_comparison(runs["linc"], runs["best"])
    assert parsed.a.path == str(runs["linc"]) and "Newcombe" in parsed.difference_method


def test_a_folder_without_records_is_named(runs, tmp_path, capsys):
    assert main(["eval", "compare", str(runs["linc"]), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / RECORDS) in err and "eval replay" in err
