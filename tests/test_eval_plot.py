"""``linc eval plot`` and ``linc.evals.curves`` on real replayed runs.

Two runs of the first 20 recorded FOLIO problems (GPT-3.5, 8-shot, 10
samples each), replayed with real provers in LINC's mode and in best mode;
the proof cache lives in a temporary directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from linc.cli import main
from linc.evals.curves import Curves, accuracy_by_samples, compare_runs, run_curve
from linc.evals.records import RECORDS, JsonlWriter, read_records
from linc.results import Verdict
from linc.voting import vote

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def runs(folio8_replays: dict[str, Path]) -> dict[str, Path]:
    """``--out`` folders of a parity (``linc``) and a ``best`` replay (see conftest)."""
    return folio8_replays


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode", ["linc", "best"])
def test_the_last_point_is_the_runs_own_accuracy(runs, mode):
    report = _report(runs[mode])
    curve = run_curve(runs[mode])
    assert curve.policy == mode == report["config"]["voting"]
    assert curve.problems == 20 and curve.samples == 10
    assert [p.samples for p in curve.points] == list(range(1, 11))
    assert all(p.n == 20 for p in curve.points)
    assert curve.points[-1].accuracy == pytest.approx(report["accuracy"])
    assert curve.points[-1].correct == report["correct"]
    assert curve.reported_accuracy == pytest.approx(report["accuracy"])


@pytest.mark.parametrize("mode", ["linc", "best"])
def test_revoting_the_records_gives_each_problems_own_label(runs, mode):
    for record in read_records(runs[mode] / RECORDS):
        label = vote([s.to_sample() for s in record.samples], policy=mode).label
        assert label is record.predicted, record.id


def test_one_sample_voted_is_that_samples_verdict(runs):
    records = read_records(runs["linc"] / RECORDS)
    first = accuracy_by_samples(records, policy="linc")[0]
    by_hand = sum(r.samples[0].verdict is r.gold for r in records)
    assert first.correct == by_hand
    assert first.accuracy == pytest.approx(by_hand / len(records))


@pytest.mark.parametrize("mode", ["linc", "best"])
def test_sample_outcomes_add_up_to_the_samples(runs, mode):
    report = _report(runs[mode])
    outcomes = run_curve(runs[mode]).outcomes
    assert outcomes.total == report["samples"] == 200
    assert sum(outcomes.verdicts.values()) == outcomes.total
    assert set(outcomes.verdicts) == {v.value for v in Verdict}
    assert sum(outcomes.errors.values()) == outcomes.verdicts["Error"]
    assert outcomes.errors == report["errors"]


def test_the_policy_can_be_overridden(runs):
    records = read_records(runs["best"] / RECORDS)
    curve = run_curve(runs["best"], policy="majority")
    assert curve.policy == "majority"
    assert curve.points == accuracy_by_samples(records, policy="majority")
    by_hand = sum(vote([s.to_sample() for s in r.samples], policy="majority").label is r.gold
                  for r in records)  # fmt: skip
    assert curve.points[-1].correct == by_hand


def test_problems_without_gold_are_skipped(runs, tmp_path):
    records = read_records(runs["linc"] / RECORDS)
    with JsonlWriter(tmp_path / RECORDS) as writer:
        for r in records:
            writer.write(r.model_copy(update={"gold": None}) if r.index < 5 else r)
    curve = run_curve(tmp_path)
    kept = [r for r in records if r.index >= 5]
    assert all(p.n == len(kept) == 15 for p in curve.points)
    assert curve.points[-1].correct == sum(r.correct for r in kept)
    assert curve.policy == "linc"  # no report.json: the records' own policy
    assert curve.reported_accuracy is None


def test_runs_of_one_name_get_distinct_labels(runs):
    curves = compare_runs([runs["linc"], runs["best"]])
    names = {run.name for run in curves.runs}
    labels = [run.label for run in curves.runs]
    assert len(names) == 1 and len(set(labels)) == 2
    assert labels[0].endswith("(linc)") and labels[1].endswith("(best)")


def test_png_figure_is_written(runs, tmp_path):
    from matplotlib import image

    fig = tmp_path / "figs" / "fig.png"
    assert main(["eval", "plot", str(runs["linc"]), str(runs["best"]), "--out", str(fig)]) == 0
    assert fig.read_bytes()[:8] == PNG_SIGNATURE
    pixels = image.imread(fig)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels.std() > 0  # not a blank canvas


def test_svg_figure_is_written(runs, tmp_path):
    fig = tmp_path / "fig.svg"
    assert main(["eval", "plot", str(runs["best"]), "--out", str(fig)]) == 0
    text = fig.read_text(encoding="utf-8")
    assert "<svg" in text and "Accuracy against samples voted" in text


def test_unknown_figure_format_is_refused(runs, tmp_path, capsys):
    assert main(["eval", "plot", str(runs["best"]), "--out", str(tmp_path / "fig.jpg")]) == 1
    assert ".png" in capsys.readouterr().err
    assert not (tmp_path / "fig.jpg").exists()


def test_a_folder_without_records_is_named(runs, tmp_path, capsys):
    assert main(["eval", "plot", str(runs["linc"]), str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path / RECORDS) in err and "eval replay" in err


def test_table_lists_accuracy_by_samples_voted(runs, capsys):
    assert main(["eval", "plot", str(runs["linc"]), str(runs["best"])]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert "samples voted" in lines[0] and "[linc]" in lines[0] and "[best]" in lines[0]
    rows = [line.strip("|").split("|") for line in lines[2:]]
    assert [row[0].strip() for row in rows] == [*map(str, range(1, 11)), "report.json"]
    tenth, reported = rows[9], rows[10]
    assert [c.strip() for c in tenth[1:]] == [c.strip() for c in reported[1:]]
    expected = [f"{_report(runs[m])['accuracy']:.4f}" for m in ("linc", "best")]
    assert [c.strip() for c in reported[1:]] == expected


def test_json_output_is_the_curves(runs, capsys):
    assert main(["eval", "plot", str(runs["best"]), "--json"]) == 0
    curves = Curves.model_validate_json(capsys.readouterr().out)
    (run,) = curves.runs
    assert run.path == str(runs["best"]) and len(run.points) == 10
    assert run.points[-1].accuracy == pytest.approx(_report(runs["best"])["accuracy"])
