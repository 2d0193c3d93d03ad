"""Serve the viewer of the kept runs on 127.0.0.1, behind Python's threaded HTTP server.

The pages are the static site's (``site.py``), made on request from the history as it is
then: a run kept after the server started shows up on the next reload. A kept run never
changes, so each run's results are read once and kept in memory.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

from drafter.errors import UserError
from drafter.evals.history import KeptRun, RunHistory
from drafter.evals.results import RunResults
from drafter.evals.viewer.site import index_script, page, run_script

__all__ = ["serve"]

# The page needs nothing but itself and its data scripts; say so to the browser too.
_POLICY = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'"
_RUN_PATH = re.compile(r"^/data/runs/([0-9]{8}-[0-9]{6}-[0-9a-f]{6})\.js$")


class _LiveSite:
    """The history's runs as the viewer's files, re-listed on every request for the index."""

    def __init__(self, history: RunHistory) -> None:
        self.history = history
        self._loaded: dict[str, RunResults] = {}
        self._lock = threading.Lock()

    def _results(self, kept: KeptRun) -> RunResults:
        with self._lock:
            if kept.id not in self._loaded:
                self._loaded[kept.id] = self.history.load(kept.id)
            return self._loaded[kept.id]

    def index(self) -> str:
        return index_script([(kept, self._results(kept)) for kept in self.history.runs()])

    def run(self, run_id: str) -> str | None:
        kept = next((run for run in self.history.runs() if run.id == run_id), None)
        return None if kept is None else run_script(kept, self._results(kept))


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[_LiveSite]

    def do_GET(self) -> None:
        try:
            self._get(self.path.split("?", 1)[0])
        except UserError as error:  # a kept run's results file that cannot be read
            self.send_error(500, str(error))

    def _get(self, path: str) -> None:
        if path in ("/", "/index.html"):
            self._send(page(), "text/html")
        elif path == "/data/index.js":
            self._send(self.site.index(), "text/javascript")
        elif (found := _RUN_PATH.match(path)) and (script := self.site.run(found[1])):
            self._send(script, "text/javascript")
        else:
            self.send_error(404)

    def _send(self, text: str, kind: str) -> None:
        body = text.encode()
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", _POLICY)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal shows the address, not every request."""


@contextmanager
def serve(history: RunHistory, *, port: int = 0) -> Iterator[str]:
    """Serve the viewer of ``history`` on 127.0.0.1:``port`` (0: any free port) in a thread
    while the ``with`` block runs; yields the address.

    Raises:
        OSError: the port is taken.
    """
    handler = type("Handler", (_Handler,), {"site": _LiveSite(history)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
