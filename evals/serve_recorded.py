"""An OpenAI-compatible HTTP server that answers with a recorded LINC run.

A live run (``linc eval run --base-url ...``) pointed at this server gets, for
each request, the completion the recorded model wrote for that problem, so a
live run and a replay of the same recording can be compared record by record.

**Problems.** A recording in LINC's format holds completions, not the
dataset. Each problem's sentences are read from its completions' ``TEXT:``
lines (``linc.parsers.extract.extract_texts``, each sentence put on one line as the prompt puts it,
``one_line``; empty sentences dropped): the sequence that most completions
write, a tie going to the one that comes first in sample order. Premises are
all sentences but the last; the conclusion is the last. A problem with no
``TEXT:`` line at all gets two synthetic sentences that name its id
(``Recorded problem <id> has no TEXT lines.`` and ``Recorded problem <id> is
answered from its recording.``). Problem ids are the recorded-run loader's
(``<run name>/<index>``), so live records pair with replay records on id.

**Duplicates.** Two problems whose sets of sentences are equal could not be
told apart by a request. Every such problem after the first (in run order)
gets `` [<id>]`` appended to its conclusion, so a request made from the
served sentences matches one problem. (On the LINC runs in
``../shared/data/recorded/linc`` no two problems share their sentences.)

**Matching.** The request text is the content of the chat's ``user``
messages (or the completion's ``prompt``), put on one line with
``one_line``. A problem matches when each of its sentences occurs in that
text; among matches the one with the most sentence characters wins (a tie
goes to the earlier problem). This lets the few-shot examples and a re-ask
(the assistant's answer and ``repair_message``) surround the problem. An
index keeps this fast: each sentence of three words or more is filed under
its rarest inner word (an inner word occurs whole in any text that contains
the sentence), so only sentences filed under a word of the request are
tested; shorter sentences are tested always.

**Samples.** The request's ``seed`` picks the sample: ``seed`` modulo the
problem's number of completions (no seed: sample 0). The live client sends
``config.seed + i`` for sample ``i`` with ``config.seed`` 0 by default, so
live sample ``i`` gets recorded completion ``i``. With ``n`` > 1, choice
``j`` is the sample of ``seed + j``.

**Usage.** Token counts are rough: whitespace-separated words of the
request's message contents (or prompt) and of the completion.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from linc.errors import DataError
from linc.evals.recorded import RecordedRun
from linc.parsers.extract import extract_texts
from linc.parsers.llm_prompts import one_line, problem_text
from linc.results import Verdict

log = logging.getLogger(__name__)

SYNTHETIC_PREMISE = "Recorded problem {id} has no TEXT lines."
SYNTHETIC_CONCLUSION = "Recorded problem {id} is answered from its recording."
DUPLICATE_SUFFIX = " [{id}]"
OWNER = "linc"


# ------------------------------------------------------------------ problems


@dataclass(frozen=True)
class ServedProblem:
    """One recorded problem as the server knows it."""

    id: str
    index: int
    premises: tuple[str, ...]
    conclusion: str
    completions: tuple[str, ...]
    label: Verdict | None = None
    depth: int | None = None
    origin: str = "text"  # "text", "synthetic" (no TEXT lines) or "duplicate" (id appended)

    @property
    def sentences(self) -> tuple[str, ...]:
        return (*self.premises, self.conclusion)

    @property
    def distinct(self) -> frozenset[str]:
        return frozenset(self.sentences)

    @property
    def weight(self) -> int:
        """Characters of its distinct sentences (the tie-break between matches)."""
        return sum(len(s) for s in self.distinct)

    def completion(self, seed: int | None) -> tuple[int, str]:
        """``(sample index, text)`` for a request's seed (empty text when none is recorded)."""
        if not self.completions:
            return 0, ""
        sample = (seed or 0) % len(self.completions)
        return sample, self.completions[sample]

    def row(self) -> dict[str, Any]:
        """The problem as a line of a ``--dataset jsonl`` file."""
        out: dict[str, Any] = {
            "id": self.id,
            "premises": list(self.premises),
            "conclusion": self.conclusion,
        }
        if self.label is not None and self.label is not Verdict.ERROR:
            out["label"] = self.label.value
        if self.depth is not None:
            out["depth"] = self.depth
        return out


def derive_sentences(completions: Sequence[str]) -> list[str]:
    """The TEXT sequence most completions write (a tie: the first in sample order).

    Sentences are put on one line (``one_line``); empty ones are dropped. An
    empty list when no completion has a TEXT line.
    """
    sequences = [tuple(s for s in map(one_line, extract_texts(c)) if s) for c in completions]
    counts = Counter(s for s in sequences if s)
    if not counts:
        return []
    best = max(counts.values())
    return list(next(s for s in sequences if counts.get(s) == best))


def served_problems(run: RecordedRun) -> list[ServedProblem]:
    """The run's problems with their derived sentences, made distinct (see the module doc)."""
    out: list[ServedProblem] = []
    seen: set[frozenset[str]] = set()
    for problem in run.problems:
        sentences = derive_sentences(problem.completions)
        origin = "text"
        if not sentences:
            origin = "synthetic"
            sentences = [
                SYNTHETIC_PREMISE.format(id=problem.id),
                SYNTHETIC_CONCLUSION.format(id=problem.id),
            ]
        key = frozenset(sentences)
        if key in seen:
            origin = "duplicate"
            sentences[-1] += DUPLICATE_SUFFIX.format(id=problem.id)
        seen.add(key)
        out.append(
            ServedProblem(
                id=problem.id,
                index=problem.index,
                premises=tuple(sentences[:-1]),
                conclusion=sentences[-1],
                completions=tuple(problem.completions),
                label=problem.label,
                depth=problem.depth,
                origin=origin,
            )
        )
    return out


def write_problems(problems: Iterable[ServedProblem], path: Path | str) -> int:
    """Write the problems as a ``--dataset jsonl`` file; returns how many."""
    target = Path(path)
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with target.open("w", encoding="utf-8") as handle:
        for problem in problems:
            handle.write(json.dumps(problem.row(), ensure_ascii=False) + "\n")
            count += 1
    return count


# ------------------------------------------------------------------ matching


@dataclass(frozen=True)
class Match:
    """What ``ProblemIndex.match`` found: a problem, or why there is none."""

    problem: ServedProblem | None
    reason: str = ""
    candidates: int = 0  # problems all of whose sentences occur in the text


@dataclass
class ProblemIndex:
    """Finds the problem whose sentences a request contains (see the module doc)."""

    problems: Sequence[ServedProblem]
    _by_word: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)
    _short: list[str] = field(default_factory=list, init=False, repr=False)
    _owners: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)
    _sizes: list[int] = field(default_factory=list, init=False, repr=False)
    _weights: list[int] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        owners: defaultdict[str, list[int]] = defaultdict(list)
        for position, problem in enumerate(self.problems):
            for sentence in problem.distinct:
                owners[sentence].append(position)
            self._sizes.append(len(problem.distinct))
            self._weights.append(problem.weight)
        self._owners = dict(owners)
        frequency: Counter[str] = Counter()
        for sentence in self._owners:
            frequency.update(set(sentence.split()[1:-1]))
        by_word: defaultdict[str, list[str]] = defaultdict(list)
        for sentence in self._owners:
            inner = sentence.split()[1:-1]
            if inner:
                by_word[min(inner, key=lambda w: (frequency[w], w))].append(sentence)
            else:
                self._short.append(sentence)
        self._by_word = dict(by_word)

    def found(self, text: str) -> set[str]:
        """The indexed sentences that occur in ``text`` (already on one line)."""
        hits = {s for s in self._short if s in text}
        for word in set(text.split()):
            for sentence in self._by_word.get(word, ()):
                if sentence in text:
                    hits.add(sentence)
        return hits

    def match(self, text: str) -> Match:
        """The problem all of whose sentences occur in ``text`` and that has the most characters."""
        flat = one_line(text)
        hits = self.found(flat)
        present: Counter[int] = Counter()
        for sentence in hits:
            present.update(self._owners[sentence])
        complete = [p for p, n in present.items() if n == self._sizes[p]]
        if complete:
            best = min(complete, key=lambda p: (-self._weights[p], p))
            return Match(self.problems[best], candidates=len(complete))
        if not present:
            return Match(None, "no sentence of any recorded problem occurs in the request")
        position = min(present, key=lambda p: (-present[p] / self._sizes[p], p))
        closest = self.problems[position]
        missing = [s for s in closest.sentences if s not in hits]
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        return Match(
            None,
            f"no recorded problem has all its sentences in the request; the closest, "
            f"{closest.id}, has {present[position]} of {self._sizes[position]}; "
            f"missing: {missing[0]!r}{more}",
        )

    def ambiguous(self) -> list[tuple[str, str]]:
        """``(problem id, id it resolves to)`` for each problem whose own statement
        (``problem_text``) matches another problem."""
        out = []
        for problem in self.problems:
            found = self.match(problem_text(problem.premises, problem.conclusion)).problem
            if found is None or found.id != problem.id:
                out.append((problem.id, found.id if found is not None else ""))
        return out


# ------------------------------------------------------------------ requests


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatMessage(_Lenient):
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # content parts: keep the text ones
            return "\n".join(
                str(p.get("text", "")) for p in self.content if p.get("type") == "text"
            )
        return self.content or ""


class _Sampling(_Lenient):
    model: str = ""
    seed: int | None = None
    n: int = Field(default=1, ge=1, le=128)
    stream: bool | None = False


class ChatRequest(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)

    def match_text(self) -> str:
        return "\n".join(m.text() for m in self.messages if m.role == "user")

    def all_text(self) -> str:
        return "\n".join(m.text() for m in self.messages)


class CompletionRequest(_Sampling):
    prompt: str | list[str]

    def match_text(self) -> str:
        return self.prompt if isinstance(self.prompt, str) else "\n".join(self.prompt)

    all_text = match_text


def count_tokens(text: str) -> int:
    """A rough token count: whitespace-separated words."""
    return len(text.split())


class RequestFailure(Exception):
    """An HTTP error answer: status, OpenAI-style error type and message."""

    def __init__(self, status: HTTPStatus, kind: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.kind, "code": int(self.status)}}


@dataclass
class RecordedService:
    """The answers, without HTTP: what each endpoint returns for a parsed JSON body."""

    index: ProblemIndex
    model: str

    def models(self) -> dict[str, Any]:
        entry = {"id": self.model, "object": "model", "created": 0, "owned_by": OWNER}
        return {"object": "list", "data": [entry]}

    def answer(self, body: Any, *, chat: bool) -> tuple[dict[str, Any], str]:
        """The response to a chat or completions request, and a note for the log."""
        request = _parse(ChatRequest if chat else CompletionRequest, body)
        if request.stream:
            raise RequestFailure(
                HTTPStatus.BAD_REQUEST,
                "invalid_request_error",
                "stream is not supported: this server answers with whole recorded completions",
            )
        found = self.index.match(request.match_text())
        if found.problem is None:
            raise RequestFailure(HTTPStatus.NOT_FOUND, "not_found", found.reason)
        seed = request.seed or 0
        samples = [found.problem.completion(seed + j) for j in range(request.n)]
        choices: list[dict[str, Any]] = []
        for j, (_, text) in enumerate(samples):
            choice: dict[str, Any] = {"index": j, "finish_reason": "stop", "logprobs": None}
            if chat:
                choice["message"] = {"role": "assistant", "content": text}
            else:
                choice["text"] = text
            choices.append(choice)
        prompt_tokens = count_tokens(request.all_text())
        completion_tokens = sum(count_tokens(text) for _, text in samples)
        response = {
            "id": ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex,
            "object": "chat.completion" if chat else "text_completion",
            "created": int(time.time()),
            "model": request.model or self.model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
        note = f"{found.problem.id} sample {','.join(str(s) for s, _ in samples)}"
        return response, note


def _parse(model: type[_Sampling], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise RequestFailure(
            HTTPStatus.BAD_REQUEST, "invalid_request_error", f"invalid request: {problems}"
        ) from None


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
