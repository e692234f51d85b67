"""``linc serve-recorded``: an OpenAI-compatible server that answers with a recorded run.

Point a live run at it (``linc eval run --dataset jsonl --path PROBLEMS
--base-url URL``) to send recorded completions through the live pipeline;
``--problems-out`` writes the problems that run needs, with the ids replay
gives them.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve-recorded",
        help="serve a recorded run through an OpenAI-compatible HTTP API",
        description=(
            "Answer /v1/chat/completions and /v1/completions with the recorded completion of the "
            "problem whose sentences the request contains (sample: the request's seed modulo the "
            "problem's completions; no seed: sample 0). Serves until Ctrl-C or SIGTERM."
        ),
    )
    p.add_argument("--format", choices=("linc",), default="linc", help="recorded format")
    p.add_argument("--generations", type=Path, required=True, help="LINC *_generations_raw.json")
    p.add_argument(
        "--references", type=Path, help="LINC *_references.json (default: next to --generations)"
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, required=True, help="port to bind (0: any free port)")
    p.add_argument(
        "--problems-out",
        type=Path,
        help="first write the run's problems here as a --dataset jsonl file",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from linc.evals.recorded import load_linc_run
    from linc.evals.serve_recorded import make_server

    recording = load_linc_run(args.generations, args.references, depths=None, recorded=False)
    server = make_server(recording, host=args.host, port=args.port, problems_out=args.problems_out)
    line = f"linc serve-recorded: {recording.name} ({recording.n} problems) at {server.url}"
    if args.problems_out is not None:
        line += f"; problems in {args.problems_out}"
    print(line, flush=True)

    def _stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever to return: call it from another thread
        threading.Thread(target=server.shutdown, daemon=True).start()

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main_thread else None
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
        server.server_close()
    print("linc serve-recorded: stopped", file=sys.stderr)
    return 0
