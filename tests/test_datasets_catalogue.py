"""Datasets by name (issue 16): the catalogue, fetching through a mirror, loading, reports.

The real files of ``../shared/data`` are served by an HTTP server on
127.0.0.1 under their canonical ``<repository>/<commit>/<path>`` paths, and
``LINC_DATA_MIRROR`` points linc at it; the cache is a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from linc.cli import main
from linc.errors import DataError
from linc.evals.catalogue import DataFile, catalogue
from linc.evals.catalogue_fetch import cache_path, data_dir, fetch, is_cached
from linc.evals.catalogue_open import open_dataset

# where each catalogue file is in ../shared/data (its README: repository, commit, path, sha256)
LOCAL = {
    ("Yale-LILY/FOLIO", "data/v0.0/folio-train.jsonl"): "folio-v0/folio-train.jsonl",
    ("Yale-LILY/FOLIO", "data/v0.0/folio-validation.jsonl"): "folio-v0/folio-validation.jsonl",
    ("teacherpeterpan/Logic-LLM", "data/FOLIO/dev.json"): "logiclm/FOLIO/dev.json",
    ("teacherpeterpan/Logic-LLM", "data/ProofWriter/dev.json"): "logiclm/ProofWriter/dev.json",
    ("teacherpeterpan/Logic-LLM", "data/ProntoQA/dev.json"): "logiclm/ProntoQA/dev.json",
    ("Aiden0526/Aristotle", "data/LogicNLI/dev.json"): "logicnli/dev.json",
}
LINC_RUNS = "recorded/linc/gpt-3.5-turbo-16k-0613_folio-neurosymbolic-{}shot_generations_raw.json"


def local_file(shared_data: Path, file: DataFile) -> Path:
    return shared_data / LOCAL[(file.repository, file.path)]


class Mirror(ThreadingHTTPServer):
    """Serves ``files`` (URL path -> bytes); ``mode`` ok | wrong (one byte changed) |
    truncate (half the body, then the connection closes); ``requests`` lists the paths asked."""

    daemon_threads = True

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.files = files
        self.mode = "ok"
        self.requests: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Mirror

    def do_GET(self) -> None:
        self.server.requests.append(self.path)
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if self.server.mode == "wrong":
            body = bytes([body[0] ^ 1]) + body[1:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.server.mode == "truncate":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def mirror(shared_data: Path) -> Iterator[Mirror]:
    files = {
        f"/{file.canonical}": local_file(shared_data, file).read_bytes()
        for entry in catalogue().values()
        for file in entry.splits.values()
    }
    server = Mirror(files)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def env(mirror: Mirror, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Mirror:
    """A fresh cache, linc pointed at the mirror, the mirror serving good bytes."""
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LINC_DATA_MIRROR", mirror.url + "/")
    mirror.mode = "ok"
    mirror.requests.clear()
    return mirror


def cached_files() -> list[Path]:
    return [p for p in data_dir().rglob("*") if p.is_file()] if data_dir().exists() else []


# ------------------------------------------------------------------ the catalogue


def test_catalogue_matches_the_real_files(shared_data: Path) -> None:
    entries = catalogue()
    assert {"folio", "folio-linc", "proofwriter", "prontoqa", "folio-logiclm", "logicnli"} <= set(
        entries
    )
    for entry in entries.values():
        assert entry.license and entry.citation and entry.description
        assert entry.default_split in entry.splits
        for split, file in entry.splits.items():
            path = local_file(shared_data, file)
            data = path.read_bytes()
            assert hashlib.sha256(data).hexdigest() == file.sha256, (entry.name, split)
            assert len(data) == file.size, (entry.name, split)
            opened = open_dataset(f"{entry.name}:{split}", path)
            assert len(opened.problems) == file.problems, (entry.name, split)
            # every gold label the data uses is one the entry places
            assert {p.label for p in opened.problems} <= set(entry.labels.values())
            assert opened.skipped == []


def test_folio_linc_is_the_182_problems_of_linc_recordings_in_their_order(
    shared_data: Path,
) -> None:
    """LINC's recorded runs: same gold labels, and the completions restate each conclusion."""
    problems = open_dataset("folio-linc", shared_data / "folio-v0/folio-validation.jsonl").problems
    assert len(problems) == len({p.id for p in problems}) == 182
    references = json.loads(
        (shared_data / LINC_RUNS.format(8).replace("generations_raw", "references")).read_text()
    )
    assert [p.label.value for p in problems if p.label] == references

    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()

    runs = [json.loads((shared_data / LINC_RUNS.format(k)).read_text()) for k in (1, 2, 4, 8)]
    restated = 0
    for i, problem in enumerate(problems):
        last = Counter(
            norm(lines[-1].split("TEXT:", 1)[1])
            for run in runs
            for completion in run[i]
            if (lines := [line for line in completion.splitlines() if "TEXT:" in line])
        )
        restated += last.most_common(1)[0][0] == norm(problem.conclusion)
    assert restated >= 180, restated


def test_folio_linc_order_is_linc_shuffle(shared_data: Path) -> None:
    """The documented derivation: keep the 182 in file order, then numpy's
    ``default_rng(7).permutation`` (Hugging Face datasets' ``shuffle(seed=7)``)."""
    numpy = pytest.importorskip("numpy")
    ids = catalogue()["folio-linc"].ids
    assert ids is not None
    kept = sorted(ids, key=lambda i: int(i.removeprefix("folio-")))
    assert [kept[j] for j in numpy.random.default_rng(7).permutation(182)] == list(ids)


# ------------------------------------------------------------------ fetching


def test_fetch_then_load_equals_path(env: Mirror, shared_data: Path) -> None:
    for name, entry in catalogue().items():
        assert main(["datasets", "fetch", name]) == 0
        for split, file in entry.splits.items():
            assert is_cached(file)
            fetched = open_dataset(f"{name}:{split}")
            given = open_dataset(f"{name}:{split}", local_file(shared_data, file))
            assert fetched.problems == given.problems, (name, split)
            assert fetched.info.sha256 == given.info.sha256 == file.sha256
            assert fetched.info.source.endswith(file.canonical)
    served = {f"/{f.canonical}" for e in catalogue().values() for f in e.splits.values()}
    assert set(env.requests) == served  # each file asked once (folio-linc shares folio's)
    assert len(env.requests) == len(served)


def test_cached_rerun_makes_no_request(env: Mirror, capsys: pytest.CaptureFixture[str]) -> None:
    entry = catalogue()["proofwriter"]
    first = open_dataset("proofwriter")
    assert env.requests == [f"/{entry.splits['dev'].canonical}"]
    env.requests.clear()
    again = open_dataset("proofwriter")
    assert again.problems == first.problems
    assert main(["datasets", "fetch", "proofwriter"]) == 0
    assert env.requests == []
    capsys.readouterr()
    assert main(["datasets", "--json"]) == 0
    listed = {e["name"]: e for e in json.loads(capsys.readouterr().out)}
    assert listed["proofwriter"]["cached"] is True
    assert listed["folio"]["cached"] is False
    for e in listed.values():
        assert {"name", "splits", "license", "url", "sha256"} <= set(e)
        assert e["url"].startswith("https://raw.githubusercontent.com/")
    assert env.requests == []


def test_wrong_bytes_fail_clearly_and_leave_no_cache_entry(env: Mirror) -> None:
    env.mode = "wrong"
    file = catalogue()["prontoqa"].splits["dev"]
    with pytest.raises(DataError) as caught:
        fetch(file)
    message = str(caught.value)
    assert "not the catalogue's" in message and file.canonical in message
    assert "--path" in message
    assert not cache_path(file).exists()
    assert cached_files() == []
    env.mode = "ok"  # the next, good download is used
    assert fetch(file) == cache_path(file) and is_cached(file)


def test_interrupted_download_leaves_no_partial_file(
    env: Mirror, capsys: pytest.CaptureFixture[str]
) -> None:
    env.mode = "truncate"
    assert main(["datasets", "fetch", "logicnli"]) == 1
    assert "cannot download" in capsys.readouterr().err
    assert env.requests  # it was asked, and cut short
    assert cached_files() == []


def test_offline_error_names_url_cache_path_and_path(
    env: Mirror, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("LINC_DATA_MIRROR", f"http://127.0.0.1:{port}")
    file = catalogue()["folio"].splits["validation"]
    assert main(["eval", "gold", "--dataset", "folio", "--limit", "1"]) == 1
    err = capsys.readouterr().err
    assert f"http://127.0.0.1:{port}/{file.canonical}" in err
    assert str(cache_path(file)) in err
    assert "--path" in err
    assert cached_files() == []


def test_local_folder_mirror(
    shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An air-gapped site: the mirror is a folder laid out as <repository>/<commit>/<path>."""
    file = catalogue()["folio-logiclm"].splits["dev"]
    target = tmp_path / "mirror" / file.canonical
    target.parent.mkdir(parents=True)
    target.write_bytes(local_file(shared_data, file).read_bytes())
    monkeypatch.setenv("LINC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LINC_DATA_MIRROR", (tmp_path / "mirror").as_uri())
    assert len(open_dataset("folio-logiclm").problems) == 204
    target.write_bytes(b"[]")  # a bad copy on the mirror is refused, and nothing is cached
    cache_path(file).unlink()
    with pytest.raises(DataError, match="not the catalogue's"):
        fetch(file)
    assert cached_files() == []


# ------------------------------------------------------------------ eval gold from the mirror


@pytest.mark.slow
def test_eval_gold_from_the_mirror_agrees_with_path(
    env: Mirror, shared_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``linc eval gold --dataset folio:validation --backend prover9 --json`` needs no --path
    and gives what --path gives; under LINC's rules (no repairs) that is 191/204."""
    path = shared_data / "folio-v0/folio-validation.jsonl"
    results = {}
    for how, extra in (("mirror", []), ("path", ["--path", str(path)])):
        for voting in ("best", "linc"):
            args = ["eval", "gold", "--dataset", "folio:validation", "--backend", "prover9"]
            assert main([*args, "--voting", voting, "--json", *extra]) == 0
            results[how, voting] = json.loads(capsys.readouterr().out)
    for voting in ("best", "linc"):
        mirrored, given = results["mirror", voting], results["path", voting]
        assert mirrored["n"] == given["n"] == 204
        assert mirrored["agree"] == given["agree"]
        assert mirrored["per_label"] == given["per_label"]
        assert mirrored["dataset"]["sha256"] == given["dataset"]["sha256"]
        assert mirrored["dataset"]["n"] == 204 and mirrored["dataset"]["split"] == "validation"
    assert results["mirror", "linc"]["agree"] == 191
    assert results["mirror", "best"]["agree"] >= 191
    assert len(env.requests) == 1  # fetched once, then read from the cache


@pytest.mark.slow
def test_folio_linc_gold_fol_reproduces_every_label_under_linc_rules(
    env: Mirror, capsys: pytest.CaptureFixture[str]
) -> None:
    """LINC kept the problems whose gold FOL reproduces the label under NLTK and Prover9: with
    LINC's reading rules, every one of the 182 does."""
    args = ["eval", "gold", "--dataset", "folio-linc", "--backend", "prover9", "--voting", "linc"]
    assert main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == report["agree"] == 182
    assert report["dataset"]["subset"] == "folio-linc"
