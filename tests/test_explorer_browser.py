"""The run explorer in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The page is made by ``linc eval report`` from two replays of the first 20
recorded FOLIO problems (GPT-3.5, 8-shot, 10 samples; the ``folio8_replays``
fixture: ``best`` as run A, ``linc`` as run B). The test reads what the page
shows and checks it against ``records.jsonl`` and the recording itself; it
fails on any console error, page error or network request. Screenshots go to
``tests/artifacts/`` (ignored by git), with the page's time to interactive
(measured here, never asserted; ``benchmarks/report.py`` reports it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from linc.cli import main
from linc.evals.compare import paired_comparison
from linc.evals.records import read_records
from linc.parsers.extract import extract

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless system Chromium; skips when it or Playwright is missing."""
    executable = _chromium()
    if executable is None:
        pytest.skip("no chromium on PATH: apt-get install chromium (.ci/run installs it)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def report_page(folio8_replays: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("explorer") / "report.html"
    code = main(
        ["eval", "report", str(folio8_replays["best"]), str(folio8_replays["linc"]),
         "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    return out


class Watched:
    """A page with its console errors, page errors and requests recorded."""

    def __init__(self, browser: Any, url: str) -> None:
        self.url = url
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def open(self, fragment: str = "") -> Any:
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("body[data-ready='1']", state="attached")
        return self.page

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.requests and all(u.split("#")[0] == self.url for u in self.requests), (
            self.requests
        )


@pytest.fixture
def watched(browser: Any, report_page: Path) -> Iterator[Watched]:
    w = Watched(browser, report_page.as_uri())
    yield w
    w.page.close()


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


def _formulas(completion: str) -> list[str]:
    found = extract(completion, extraction="released")  # best's extraction
    return [] if found is None else [*found.premises, found.conclusion]


def test_accuracy_wrong_answers_and_a_problem(
    watched: Watched, folio8_replays: dict[str, Path], shared_data: Path
) -> None:
    records = {r.index: r for r in read_records(folio8_replays["best"] / "records.jsonl")}
    report = json.loads((folio8_replays["best"] / "report.json").read_text(encoding="utf-8"))
    page = watched.open()
    ready = page.evaluate("window.lincReady")

    correct = sum(r.correct for r in records.values())
    assert page.inner_text("#accuracy") == f"{correct / len(records):.4f}"
    assert page.inner_text("#accuracy") == f"{report['accuracy']:.4f}"
    assert f"{correct} / {len(records)} problems" in page.inner_text("#summary")
    assert "95 % CI" in page.inner_text("#summary")
    _shot(page, "explorer-summary.png")

    page.click("nav a[data-tab='problems']")
    page.select_option("#f-result", "wrong")
    rows = page.locator("#problem-table tbody tr")
    wrong = sorted(i for i, r in records.items() if not r.correct)
    assert wrong, "the fixture's run should have wrong answers"
    assert [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.index)")] == wrong
    assert page.inner_text("#shown") == f"{len(wrong)} of {len(records)} problems"

    raw = json.loads((shared_data / _raw_name(report)).read_text(encoding="utf-8"))
    for position, index in enumerate(wrong):  # every wrong answer, opened from the table
        rows.nth(position).click()
        page.wait_for_selector(f"#view h2:has-text('Problem {index} ')")
        _check_problem(page, records[index], raw[index])
    _shot(page, "explorer-problem.png")
    (ARTIFACTS / "explorer-timing.json").write_text(
        json.dumps({"time_to_interactive_ms": ready, "problems": len(records)}), encoding="utf-8"
    )
    watched.check_clean()


def _check_problem(page: Any, record: Any, completions: list[str]) -> None:
    """The open problem shows each sample's verdict, formulas and repairs, and the outcome."""
    blocks = page.locator("#view .sample")
    assert blocks.count() == len(record.samples) == len(completions)
    for sample in record.samples:
        block = page.locator(f"#view .sample[data-sample='{sample.index}']")
        assert block.locator("h3 .verdict").inner_text() == sample.verdict.value
        shown = block.locator("td.formula").all_inner_texts()
        assert shown == _formulas(completions[sample.index])
        for kind in sample.repairs:
            assert kind in block.inner_text()
    outcome = page.inner_text("#view-outcome")
    assert "wrong" in outcome and record.predicted.value in outcome
    assert record.answer is not None
    assert f"margin {record.answer.margin:.2f}" in outcome


def _raw_name(report: dict[str, Any]) -> str:
    return "recorded/linc/" + Path(str(report["config"]["source"])).name


def test_filters_and_search(watched: Watched, folio8_replays: dict[str, Path]) -> None:
    records = read_records(folio8_replays["best"] / "records.jsonl")
    page = watched.open("#problems")
    rows = page.locator("#problem-table tbody tr")
    assert rows.count() == len(records)
    gold = records[0].gold
    assert gold is not None
    page.select_option("#f-gold", gold.value)
    assert rows.count() == sum(r.gold is gold for r in records)
    page.select_option("#f-gold", "")
    # an id no other id contains ("…/19", not "…/1", which "…/10" to "…/19" contain)
    alone = next(r.id for r in records if not any(r.id in o.id for o in records if o is not r))
    page.fill("#f-search", alone)
    assert rows.count() == 1
    page.fill("#f-search", "no such words anywhere in this run")
    assert rows.count() == 0
    page.fill("#f-search", "")
    page.check("#f-inconsistent")
    flagged = sum(bool(r.answer and r.answer.inconsistent) for r in records)
    assert rows.count() == flagged
    watched.check_clean()


def test_two_runs_flips_and_mcnemar(watched: Watched, folio8_replays: dict[str, Path]) -> None:
    stats = paired_comparison(folio8_replays["best"], folio8_replays["linc"])
    page = watched.open("#compare")
    assert page.inner_text("#mcnemar") == f"{stats.mcnemar_p:.4g}"
    assert page.locator("#flips-a tbody tr").count() == stats.only_a_right
    assert page.locator("#flips-b tbody tr").count() == stats.only_b_right
    assert stats.only_a_right + stats.only_b_right > 0, "best and linc should differ somewhere"
    flip = page.locator("#flips-a tbody tr, #flips-b tbody tr").first
    index = flip.get_attribute("data-index")
    flip.click()
    page.wait_for_selector("#view .sample")
    assert page.inner_text("#view h2").startswith(f"Problem {index}")
    assert "run B: predicted" in page.inner_text("#view")
    _shot(page, "explorer-compare.png")
    watched.check_clean()
