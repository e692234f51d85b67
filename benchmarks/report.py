"""The run explorer: page generation time, file size, time to interactive, risk–coverage.

For gpt-3.5 FOLIO 8-shot (182 problems × 10 samples) and gpt-4 ProofWriter
8-shot (360 × 5: the recording holds 5 samples a problem), replayed with
``--voting best``:

- ``generate_seconds``: ``write_explorer`` in this process (imports done),
  median of ``--repeat`` (``generate_cpu_seconds``: its CPU time, which a
  loaded machine inflates less); ``cli_seconds``: ``linc eval report`` as a
  process (Python start and imports included), once;
- ``megabytes``: the HTML file's size;
- ``interactive_ms``: in headless Chromium (Debian's ``chromium`` through
  Playwright), from navigation start to the page's script having drawn the
  problem table (``window.lincReady``), median of ``--repeat`` fresh pages;
- ``risk_coverage`` (FOLIO): accuracy at 50 %, 80 % and 100 % coverage by the
  vote's margin, both the expected accuracy with ties in margin broken at
  random and the accuracy at the threshold that first reaches the coverage.

Targets (issue 15): generation < 2 s, file < 3 MB, interactive < 1 s.
Run folders are replayed into a temporary directory unless given.

Usage::

    python benchmarks/report.py [--folio DIR] [--proofwriter DIR] [--repeat 3] [--screenshot PNG]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("LINC_SHARED_DATA", REPO.parent / "shared" / "data"))
LINC = DATA / "recorded" / "linc"
RUNS = {
    "folio-8": LINC / "gpt-3.5-turbo-16k-0613_folio-neurosymbolic-8shot_generations_raw.json",
    "pw-gpt4": LINC / "gpt-4-0613_proofwriter-neurosymbolic-8shot_generations_raw.json",
}


def linc_command() -> list[str]:
    return [sys.executable, "-c", "import sys; from linc.cli import main; sys.exit(main())"]


def replay(name: str, root: Path) -> Path:
    out = root / name
    command = [*linc_command(), "eval", "replay", "--format", "linc", "--generations",
               str(RUNS[name]), "--voting", "best", "--out", str(out), "--no-progress", "--json"]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return out


def generation(folder: Path, page: Path, repeat: int) -> dict[str, Any]:
    from linc.evals.explorer import write_explorer

    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        write_explorer(folder, page)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    start = time.perf_counter()
    subprocess.run([*linc_command(), "eval", "report", str(folder), "--out", str(page)],
                   check=True, stderr=subprocess.DEVNULL)  # fmt: skip
    cli = time.perf_counter() - start
    size = page.stat().st_size
    return {
        "generate_seconds": round(statistics.median(times), 3),
        "generate_cpu_seconds": round(statistics.median(cpu), 3),
        "cli_seconds": round(cli, 3),
        "bytes": size,
        "megabytes": round(size / 1e6, 3),
    }


def interactive(pages: list[Path], repeat: int) -> dict[str, float | None]:
    """Median ms from navigation start to ``window.lincReady`` per page (None: no browser)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        return {str(p): None for p in pages}
    from playwright.sync_api import sync_playwright

    out: dict[str, float | None] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        for page_path in pages:
            samples = []
            for _ in range(repeat):
                page = browser.new_page()
                page.goto(page_path.as_uri())
                page.wait_for_selector("body[data-ready='1']", state="attached")
                samples.append(float(page.evaluate("window.lincReady")))
                page.close()
            out[str(page_path)] = round(statistics.median(samples), 1)
        browser.close()
    return out


def screenshot(page_path: Path, png: Path) -> None:
    """The top of the page (accuracy, config, confusion, curves) as a PNG."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 1180})
        page.goto(page_path.as_uri())
        page.wait_for_selector("body[data-ready='1']", state="attached")
        png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(png))
        browser.close()


def coverage(folder: Path) -> list[dict[str, float]]:
    from linc.evals.explorer_stats import accuracy_at_coverage, risk_coverage
    from linc.evals.records import read_records

    points = risk_coverage(read_records(folder / "records.jsonl"))
    return [
        {
            "coverage": q.coverage,
            "expected_accuracy": round(q.expected_accuracy, 4),
            "threshold": q.threshold,
            "reached_coverage": round(q.reached_coverage, 4),
            "accuracy_at_threshold": round(q.reached_accuracy, 4),
        }
        for q in accuracy_at_coverage(points)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folio", type=Path, help="an existing --out folder of the FOLIO replay")
    parser.add_argument("--proofwriter", type=Path, help="... of the ProofWriter replay")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--screenshot", type=Path, help="also save a PNG of the FOLIO page's summary (README)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linc-report-bench-") as tmp:
        root = Path(tmp)
        folders = {
            "folio-8": args.folio or replay("folio-8", root),
            "pw-gpt4": args.proofwriter or replay("pw-gpt4", root),
        }
        results: dict[str, Any] = {}
        pages = {}
        for name, folder in folders.items():
            pages[name] = root / f"{name}.html"
            results[name] = generation(folder, pages[name], args.repeat)
        ready = interactive(list(pages.values()), args.repeat)
        if args.screenshot is not None:
            screenshot(pages["folio-8"], args.screenshot)
        for name, page in pages.items():
            results[name]["interactive_ms"] = ready[str(page)]
        results["folio-8"]["risk_coverage"] = coverage(folders["folio-8"])
    print(json.dumps({
        "runs": results,
        "targets": {"generate_seconds": 2.0, "megabytes": 3.0, "interactive_ms": 1000},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg(), "python": platform.python_version()},
    }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
