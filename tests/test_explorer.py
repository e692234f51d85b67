"""The run explorer without a browser: margin, risk–coverage, alignment, the page's data, CLI.

Browser tests are in ``test_explorer_browser.py``. Here: ``Answer.margin``
(and its recomputation for older records), risk–coverage on hand-made runs,
how completions become formulas aligned with sentences, a folder of live-run
records (completions in the records) made into a page, and the commands.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from linc.cli import main
from linc.evals.explorer import explorer_data, page_json, render_explorer
from linc.evals.explorer_data import align, pairs_of
from linc.evals.explorer_stats import accuracy_at_coverage, margin_of, risk_coverage
from linc.evals.records import RECORDS, JsonlWriter, read_records
from linc.evals.report import ProblemRecord
from linc.results import Verdict
from linc.voting import Answer, Sample, vote, vote_margin

T, F, U, E = Verdict.TRUE, Verdict.FALSE, Verdict.UNCERTAIN, Verdict.ERROR


# ---------------------------------------------------------------- margin


@pytest.mark.parametrize(
    ("samples", "policy", "margin"),
    [
        ([T] * 10, "linc", 1.0),
        ([T] * 6 + [F] * 4, "linc", 0.2),
        ([T] * 5 + [F] * 5, "linc", 0.0),  # a tie
        ([E] * 4, "linc", 0.0),  # nothing counted
        ([T] + [E] * 9, "linc", 0.1),  # errors count in the denominator
        ([U] * 10, "best", 0.1),  # ten Uncertain votes weigh 1 under best
        ([T] * 5 + [U] * 5, "best", 0.45),
        ([T] * 5 + [U] * 5, "majority", 0.0),
    ],
)
def test_margin(samples: list[Verdict], policy: str, margin: float) -> None:
    assert vote(samples, policy=policy).margin == pytest.approx(margin)


def test_margin_of_an_answer_from_abstaining_samples_only_is_zero() -> None:
    inconsistent = [Sample(verdict=T, inconsistent=True, index=i) for i in range(3)]
    answer = vote(inconsistent, policy="best")
    assert answer.label is T and answer.margin == 0.0
    assert vote(inconsistent, policy="linc").margin == 1.0  # linc does not abstain


def test_older_answers_without_margin_recompute_it() -> None:
    answer = vote([T] * 7 + [F] * 2 + [E], policy="linc")
    data = answer.model_dump(mode="json")
    del data["margin"]
    assert Answer.model_validate(data).margin == pytest.approx(0.5)
    data["margin"] = 0.25  # a stored margin is kept as written
    assert Answer.model_validate(data).margin == 0.25
    assert vote_margin({T: 3.0}, 0) == 0.0


# ---------------------------------------------------------------- risk-coverage


def _record(index: int, gold: Verdict, samples: list[Verdict]) -> ProblemRecord:
    answer = vote(samples, policy="linc")
    return ProblemRecord(
        id=f"p{index}",
        index=index,
        gold=gold,
        predicted=answer.label,
        correct=answer.label is gold,
        answer=answer,
        samples=[Sample(index=i, verdict=v) for i, v in enumerate(samples)],
    )


def test_risk_coverage_by_hand() -> None:
    records = [
        _record(0, T, [T, T, T, T]),  # margin 1, right
        _record(1, F, [T, T, T, T]),  # margin 1, wrong
        _record(2, T, [T, T, T, F]),  # margin 0.5, right
        _record(3, T, [T, F, E, E]),  # tie: margin 0, right (first seen)
        _record(4, None, [F, F, F, F]),  # no gold: left out  # type: ignore[arg-type]
    ]
    points = risk_coverage(records)
    assert [(p.threshold, p.answered, p.correct) for p in points] == [
        (1.0, 2, 1),
        (0.5, 3, 2),
        (0.0, 4, 3),
    ]
    assert points[-1].accuracy == 0.75 and points[-1].coverage == 1.0
    quotes = {q.coverage: q for q in accuracy_at_coverage(points, (0.25, 0.5, 1.0))}
    # one problem of the margin-1 pair, drawn at random: expected accuracy 0.5
    assert quotes[0.25].expected_accuracy == pytest.approx(0.5)
    assert quotes[0.25].reached_coverage == 0.5 and quotes[0.25].threshold == 1.0
    assert quotes[0.5].expected_accuracy == pytest.approx(0.5)
    assert quotes[1.0].expected_accuracy == pytest.approx(0.75)
    assert accuracy_at_coverage([]) == []
    assert margin_of(records[2]) == pytest.approx(0.5)


# ---------------------------------------------------------------- alignment

FOLIO8 = "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json"
"""The recording the ``folio8_replays`` fixture replays (a path under the shared data)."""
COMPLETION = (
    "TEXT:\tAll dogs are animals.\nFOL:\tall x. (Dog(x) -> Animal(x))\n"
    "TEXT:\tRex is a dog.\nFOL: Dog(rex)\n"
    "TEXT:\tRex is an animal.\nFOL:\tAnimal(rex)\n"
)


def test_pairs_follow_the_extraction() -> None:
    assert pairs_of(COMPLETION, "released") == [
        ("All dogs are animals.", "all x. (Dog(x) -> Animal(x))"),
        ("Rex is a dog.", "Dog(rex)"),
        ("Rex is an animal.", "Animal(rex)"),
    ]
    # LINC's published extraction reads 'FOL:' and a tab only
    assert [f for _, f in pairs_of(COMPLETION, "published")] == [
        "all x. (Dog(x) -> Animal(x))",
        "Animal(rex)",
    ]
    program = (
        "Predicates:\nDog(x) ::: x is a dog\nPremises:\n∀x (Dog(x) → Animal(x)) ::: All dogs "
        "are animals.\nDog(rex) ::: Rex is a dog.\nConclusion:\nAnimal(rex) ::: Rex is an animal."
    )
    assert pairs_of(program, "program")[-1] == ("Rex is an animal.", "Animal(rex)")


def test_align_by_text_then_position() -> None:
    sentences = ["All dogs are animals.", "Rex is a dog.", "Rex is an animal."]
    pairs = [("rex is a dog", "Dog(rex)"), ("", "all x. P(x)"), ("whatever", "Animal(rex)")]
    assert [(i, f) for i, f, _ in align(pairs, sentences)] == [
        (1, "Dog(rex)"),  # matched by text, case and final stop aside
        (1, "all x. P(x)"),  # same shape: by position
        (2, "Animal(rex)"),  # the last formula is the conclusion
    ]
    short = align([("Something else", "Q(a)"), ("", "Animal(rex)")], sentences)
    assert [i for i, _, _ in short] == [-1, 2]


# ---------------------------------------------------------------- a live run's records


def _live_folder(folder: Path) -> list[ProblemRecord]:
    """A folder as ``eval run`` writes it: completions in each record's ``extra``."""
    nasty = "TEXT:\t</script><script>alert(1)</script>\nFOL:\tP(a)\nFOL:\tP(a)"
    rows = [
        (0, T, [T, T, U], [COMPLETION] * 3, {"premises": ["All dogs are animals.",
                                                    "Rex is a dog."], "conclusion": "Rex is an animal."}),
        (1, F, [U, E, U], [COMPLETION, "no formulas here", nasty], {}),
    ]  # fmt: skip
    records = []
    for index, gold, verdicts, completions, extra in rows:
        record = _record(index, gold, verdicts)
        record.extra = {"completions": completions, **extra}
        records.append(record)
    records[1].samples[1] = Sample(index=1, verdict=E, error="no_formulas", detail="no FOL: line")  # type: ignore[arg-type]
    folder.mkdir()
    with JsonlWriter(folder / RECORDS) as writer:
        for record in records:
            writer.write(record)
    return records


def test_a_live_runs_records_make_a_page(tmp_path: Path) -> None:
    records = _live_folder(tmp_path / "run")
    data = explorer_data(tmp_path / "run")
    strings = data["strings"]
    first, second = data["problems"]
    assert first["src"] == "dataset"
    assert [strings[i] for i in first["s"]] == [
        "All dogs are animals.",
        "Rex is a dog.",
        "Rex is an animal.",
    ]
    rows = first["sm"][0]["f"]
    assert [(s, strings[f]) for s, f, _ in rows] == [
        (0, "all x. (Dog(x) -> Animal(x))"),
        (1, "Dog(rex)"),
        (2, "Animal(rex)"),
    ]
    assert [s["v"] for s in first["sm"]] == [v.verdict.value for v in records[0].samples]
    assert second["src"] == "samples" and second["sm"][1]["f"] == []
    assert second["c"] == ["no_formulas"] and second["ok"] is False
    assert data["run"]["accuracy"] == 0.5 and data["run"]["config"]["k"] == 3

    html = render_explorer(tmp_path / "run")
    assert "</script><script>alert(1)" not in html  # model text cannot close the data block
    embedded = re.search(
        r'<script type="application/json" id="data">(.*?)</script>', html, re.DOTALL
    )
    assert embedded is not None
    assert json.loads(embedded.group(1))["strings"] == strings
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing from the network
    assert "\u2028" not in page_json({"x": "a\u2028b"})


def test_records_without_margin_still_make_a_page(tmp_path: Path) -> None:
    records = _live_folder(tmp_path / "run")
    lines = []
    for line in (tmp_path / "run" / RECORDS).read_text(encoding="utf-8").splitlines():
        data = json.loads(line)
        del data["answer"]["margin"]
        lines.append(json.dumps(data))
    (tmp_path / "run" / RECORDS).write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = read_records(tmp_path / "run" / RECORDS)
    assert [r.answer.margin for r in again if r.answer] == [
        r.answer.margin for r in records if r.answer
    ]
    assert explorer_data(tmp_path / "run")["problems"][0]["m"] == pytest.approx(1 / 3, abs=1e-4)


# ---------------------------------------------------------------- commands


def test_eval_report_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _live_folder(tmp_path / "run")
    assert main(["eval", "report", str(tmp_path / "run")]) == 0
    page = tmp_path / "run" / "report.html"
    assert page.is_file() and 'id="accuracy" data-value="0.5000"' in page.read_text("utf-8")
    assert (
        main(["eval", "report", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.html")]) == 1
    )
    assert "records.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_html_needs_out(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "replay", "--format", "linc", "--generations", "x.json", "--html"])
    assert code == 1
    assert "--html needs --out" in capsys.readouterr().err


def test_replay_html(folio8_replays: dict[str, Path], shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "replay"
    code = main(
        ["eval", "replay", "--format", "linc", "--generations", str(shared_data / FOLIO8),
         "--limit", "4", "--workers", "1", "--no-progress", "--json",
         "--cache-dir", str(folio8_replays["best"].parent / "cache"),
         "--out", str(out), "--html", str(tmp_path / "page.html")]
    )  # fmt: skip
    assert code == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    html = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert f'data-value="{report["accuracy"]:.4f}"' in html
    data = explorer_data(out)
    assert len(data["problems"]) == 4
    assert all(s["f"] for p in data["problems"] for s in p["sm"])  # formulas from the recording


def test_live_run_and_replay_give_the_same_page_data(tmp_path: Path) -> None:
    """``eval run`` (completions in its records) and ``eval replay`` (completions in the
    recording) of one handmade recording: the same formulas, verdicts and margins."""
    from recorded_server import serving

    from linc.evals.recorded import load_linc_run

    cats = "TEXT:\tAll cats are pets.\nFOL:\tall x. (Cat(x) -> Pet(x))\nTEXT:\tTom is a cat.\n"
    completions = [
        cats + "FOL:\tCat(Tom)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        cats + "FOL:\tCat(Tim)\nTEXT:\tTom is a pet.\nFOL:\tPet(Tom)",
        "TEXT:\tTom is a pet.\nthe answer is True",
    ]
    raw = tmp_path / "handmade_folio-neurosymbolic-2shot_generations_raw.json"
    raw.write_text(json.dumps([completions]), encoding="utf-8")
    (tmp_path / "handmade_folio-neurosymbolic-2shot_references.json").write_text('["True"]')
    common = ["--workers", "1", "--no-progress", "--json", "--cache-dir", str(tmp_path / "c")]
    replayed = tmp_path / "replay"
    assert main(["eval", "replay", "--generations", str(raw), "--out", str(replayed), "--html",
                 *common]) == 0  # fmt: skip
    problems = tmp_path / "problems.jsonl"
    with serving(load_linc_run(raw), problems_out=problems) as server:
        live = tmp_path / "live"
        code = main(
            ["eval", "run", "--dataset", "jsonl", "--path", str(problems), "--base-url",
             server.url, "--model", "recorded", "--k", "3", "--out", str(live), "--html", *common]
        )  # fmt: skip
    assert code == 0
    assert (replayed / "report.html").is_file() and (live / "report.html").is_file()

    def shown(folder: Path) -> list[tuple[str, float, list[str] | None]]:
        data = explorer_data(folder)
        strings = data["strings"]
        (problem,) = data["problems"]
        return [
            (
                s["v"],
                problem["m"],
                [strings[f] for _, f, _ in s["f"]] if s["f"] is not None else None,
            )
            for s in problem["sm"]
        ]

    assert shown(live) == shown(replayed)
    assert shown(live)[0][2] == ["all x. (Cat(x) -> Pet(x))", "Cat(Tom)", "Pet(Tom)"]
    assert shown(live)[2][0] == "Error" and shown(live)[2][2] == []


def test_ask_json_has_the_margin() -> None:
    from types import SimpleNamespace

    from linc.cli.ask import answer_json
    from linc.reasoner import ReasonedAnswer
    from linc.settings import Settings

    answer = ReasonedAnswer(**vote([T, T, T, F], policy="linc").model_dump())
    data = answer_json(answer, SimpleNamespace(settings=Settings.preset_of("linc")))
    assert data["margin"] == pytest.approx(0.5)


def test_logiclm_replay_shows_each_programs_formulas(shared_data: Path, tmp_path: Path) -> None:
    from linc.evals.recorded import load_logiclm_programs

    programs = shared_data / "recorded/logiclm/FOLIO_dev_gpt-3.5-turbo.json"
    out = tmp_path / "logiclm"
    code = main(
        ["eval", "replay", "--format", "logiclm", "--programs", str(programs), "--limit", "2",
         "--workers", "1", "--no-progress", "--json", "--cache-dir", str(tmp_path / "c"),
         "--out", str(out), "--html"]
    )  # fmt: skip
    assert code == 0 and (out / "report.html").is_file()
    data = explorer_data(out)
    strings = data["strings"]
    for problem, program in zip(data["problems"], load_logiclm_programs(programs, limit=2)):
        (sample,) = problem["sm"]
        wanted = [line.formula for line in [*program.premises, *program.conclusions[:1]]]
        assert [strings[f] for _, f, _ in sample["f"]] == wanted
        assert [strings[i] for i in problem["s"]][-1] == program.conclusions[0].comment


def test_page_data_with_a_lone_surrogate_is_still_utf8() -> None:
    from linc.evals.explorer import page_json

    text = page_json({"completion": "FOL: P(a\udcff)</script>"})
    text.encode("utf-8")  # a lone surrogate would not encode
    assert json.loads(text) == {"completion": "FOL: P(a\udcff)</script>"}
    assert "</script>" not in text
