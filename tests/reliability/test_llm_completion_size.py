"""Issue 12, item 15 (part): a huge completion neither stalls a run nor blocks the event loop.

Before, a 2 MB completion was read (the re-ask check) on the asyncio loop:
seconds during which no other request of the run could make progress, so
they timed out spuriously; a 21 MB one stalled a run for over 300 s. Now a
completion longer than ``LLMConfig.max_completion_chars`` (200 000 by
default) is an error on its sample with a clear message, never parsed, and
the check runs in a worker thread.

Real ``linc`` processes and the real fault server of ``tests/llm/conftest.py``
(its ``huge`` answer pads a good translation with formula lines).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from linc_process import assert_clean, run_linc

from linc.config import LLMConfig
from linc.reasoner import Reasoner


def test_a_completion_over_the_cap_is_an_error_on_its_sample(fault_server, tmp_path: Path) -> None:
    fault_server.set_script(["ok"], huge_chars=2_000_000, by_seed={0: "huge"})
    start = time.monotonic()
    done = run_linc(
        "ask", "-p", "All dogs bark.", "-p", "Rex is a dog.", "-c", "Rex barks.",
        "--base-url", fault_server.url, "--model", "m", "--k", "2", "--no-cache", "--json",
        cwd=tmp_path, timeout=300,
    )  # fmt: skip
    seconds = time.monotonic() - start
    assert_clean(done, [0])
    answer = json.loads(done.stdout)
    huge, fine = answer["samples"]
    assert huge["verdict"] == "Error" and huge["completion"] == ""
    assert "max_completion_chars (200,000)" in huge["detail"], huge["detail"]
    assert "it was not parsed" in huge["detail"]
    assert fine["verdict"] == "True" and answer["label"] == "True"
    assert len(fault_server.log.requests) == 2, "an oversized completion is not asked again"
    # before: the 2 MB completion was read (about 15 s of CPU) and re-asked
    assert seconds < 60, f"took {seconds:.1f} s"


def test_reading_a_long_completion_leaves_the_event_loop_free(
    fault_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the cap raised, a 3 MB completion takes seconds to read: the loop must keep
    serving the other samples' requests meanwhile (a heartbeat shows how long it was held:
    before, as long as the reading; now a small part of it, however loaded the machine)."""
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    fault_server.set_script(["ok"], huge_chars=3_000_000, by_seed={0: "huge"})
    options = {"model": "m", "base_url": fault_server.url, "k": 1, "shots": 1, "repair_rounds": 0}
    if "max_completion_chars" in LLMConfig.model_fields:  # (older code, to show it fails there)
        options["max_completion_chars"] = 4_000_000
    config = LLMConfig.model_validate(options)
    reasoner = Reasoner(config=config, base_url=fault_server.url, cache=False)
    import openai  # noqa: F401 - imported before, so the heartbeat sees only the reading

    assert reasoner.check("TEXT:\tA.\nFOL:\tP(a)\nTEXT:\tA.\nFOL:\tP(a)") is None
    gaps: list[float] = []

    async def heartbeat(stop: asyncio.Event) -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def run() -> float:
        stop = asyncio.Event()
        beat = asyncio.create_task(heartbeat(stop))
        start = time.perf_counter()
        translations = await reasoner.parser.atranslate(["All dogs bark."], "Dogs bark.")
        seconds = time.perf_counter() - start
        stop.set()
        await beat
        await reasoner.parser.aclose()
        assert translations[0].ok, translations[0].error
        return seconds

    seconds = asyncio.run(run())
    print(f"reading {seconds:.2f} s, loop held at most {max(gaps):.3f} s")
    assert seconds > 1.0, "the completion was too cheap to read to show anything"
    assert max(gaps) < seconds / 4, (
        f"the loop was held for {max(gaps):.2f} s (reading took {seconds:.1f} s)"
    )
