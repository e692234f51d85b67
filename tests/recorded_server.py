"""``linc serve-recorded``'s server in a thread, for the tests that talk to it over HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from linc.evals.recorded import RecordedRun
from linc.evals.serve_recorded import RecordedHTTPServer, make_server


@contextmanager
def serving(run: RecordedRun, **options: Any) -> Iterator[RecordedHTTPServer]:
    """The server for ``run`` on a free port of 127.0.0.1, stopped on exit."""
    server = make_server(run, port=0, **options)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
