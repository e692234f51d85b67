"""An OpenAI-compatible HTTP server that answers with a recorded LINC run.

A live run (``linc eval run --base-url ...``) pointed at this server gets, for
each request, the completion the recorded model wrote for that problem, so a
live run and a replay of the same recording can be compared record by record.

The parts live in two modules, re-exported here:
``linc.evals.served_problems`` derives each problem's sentences from its
completions, makes problems distinct, matches a request to a problem and
writes ``--problems-out``; ``linc.evals.recorded_service`` holds the request
models and builds the answers (which sample a seed picks, token usage). This
module routes HTTP requests to them and builds and runs the server.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from linc.errors import DataError
from linc.evals.recorded import RecordedRun
from linc.evals.recorded_service import (
    OWNER,
    ChatMessage,
    ChatRequest,
    CompletionRequest,
    RecordedService,
    RequestFailure,
    count_tokens,
)
from linc.evals.served_problems import (
    DUPLICATE_SUFFIX,
    SYNTHETIC_CONCLUSION,
    SYNTHETIC_PREMISE,
    Match,
    ProblemIndex,
    ServedProblem,
    derive_sentences,
    served_problems,
    write_problems,
)

__all__ = [
    "DUPLICATE_SUFFIX",
    "OWNER",
    "SYNTHETIC_CONCLUSION",
    "SYNTHETIC_PREMISE",
    "ChatMessage",
    "ChatRequest",
    "CompletionRequest",
    "Match",
    "ProblemIndex",
    "RecordedHTTPServer",
    "RecordedHandler",
    "RecordedService",
    "RequestFailure",
    "ServedProblem",
    "count_tokens",
    "derive_sentences",
    "make_server",
    "serve",
    "served_problems",
    "write_problems",
]

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ HTTP


_ROUTES = {
    ("GET", "/v1/models"): "models",
    ("POST", "/v1/chat/completions"): "chat",
    ("POST", "/v1/completions"): "completions",
}


def _route(method: str, path: str) -> str | None:
    clean = "/" + path.split("?", 1)[0].strip("/")
    if not clean.startswith("/v1/"):
        clean = "/v1" + clean  # a base URL without /v1 works too
    return _ROUTES.get((method, clean))


class RecordedHandler(BaseHTTPRequestHandler):
    """Routes the three endpoints to the server's ``RecordedService``."""

    server: RecordedHTTPServer
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16
    """A buffered writer: the status line, headers and body leave in one send when the
    handler flushes (two small sends on a kept-alive connection wait ~40 ms for the
    client's delayed ACK: Nagle's algorithm)."""

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # not a TCP socket
            pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        start = time.perf_counter()
        note = ""
        try:
            route = _route(method, self.path)
            body = self._body() if method == "POST" else None
            if route is None:
                raise RequestFailure(
                    HTTPStatus.NOT_FOUND, "not_found", f"no endpoint {method} {self.path}"
                )
            service = self.server.service
            if route == "models":
                response = service.models()
            else:
                response, note = service.answer(_json_body(body), chat=route == "chat")
            status = HTTPStatus.OK
        except RequestFailure as failure:
            status, response, note = failure.status, failure.body(), failure.message
        self._send(status, response)
        log.info(
            "%s %s -> %d%s (%.1f ms)",
            method,
            self.path,
            status,
            f" {note}" if note else "",
            1000 * (time.perf_counter() - start),
        )

    def _body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s: " + format, self.address_string(), *args)


def _json_body(body: bytes | None) -> Any:
    try:
        return json.loads(body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestFailure(
            HTTPStatus.BAD_REQUEST, "invalid_request_error", f"the body is not JSON: {exc}"
        ) from None


class RecordedHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that carries its ``RecordedService``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: RecordedService) -> None:
        self.service = service
        super().__init__(address, RecordedHandler)

    @property
    def url(self) -> str:
        """The base URL clients use (``http://host:port/v1``)."""
        host, port = self.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{name}]" if ":" in name else name
        return f"http://{shown}:{port}/v1"


def make_server(
    run: RecordedRun,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    problems_out: Path | str | None = None,
) -> RecordedHTTPServer:
    """A server bound to ``host:port`` (0: any free port) for ``run``; not yet serving.

    ``problems_out`` gets the run's problems as a ``--dataset jsonl`` file
    first. Call ``serve_forever()`` (or ``serve``) and, to stop,
    ``shutdown()`` from another thread, then ``server_close()``.
    """
    if not run.problems:
        raise DataError(f"{run.source or run.name}: the recording has no problems")
    problems = served_problems(run)
    index = ProblemIndex(problems)
    origins = Counter(p.origin for p in problems)
    log.info(
        "%s: %d problems (%d without TEXT lines, %d made distinct)",
        run.name,
        len(problems),
        origins["synthetic"],
        origins["duplicate"],
    )
    ambiguous = index.ambiguous()
    if ambiguous:
        log.warning(
            "%s: %d problem(s) do not match themselves: %s",
            run.name,
            len(ambiguous),
            ", ".join(f"{a} -> {b or 'none'}" for a, b in ambiguous[:5]),
        )
    if problems_out is not None:
        write_problems(problems, problems_out)
    service = RecordedService(index, run.model or run.name)
    return RecordedHTTPServer((host, port), service)


def serve(
    server: RecordedHTTPServer, *, stop: threading.Event | None = None, poll: float = 0.5
) -> None:
    """Serve until ``stop`` is set (or forever), then close the socket."""
    watcher = None
    if stop is not None:
        event = stop

        def _watch() -> None:
            event.wait()
            server.shutdown()

        watcher = threading.Thread(target=_watch, name="serve-recorded-stop", daemon=True)
        watcher.start()
    try:
        server.serve_forever(poll_interval=poll)
    finally:
        server.server_close()
