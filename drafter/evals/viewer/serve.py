"""Serve the viewer of the kept runs on 127.0.0.1: the static site, built once into a
temporary folder when the server starts, behind Python's threaded HTTP server."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from drafter.evals.history import RunHistory
from drafter.evals.viewer.site import build_site

__all__ = ["serve"]

# The page needs nothing but itself and its data scripts; say so to the browser too.
_POLICY = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'"


class _Handler(SimpleHTTPRequestHandler):
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
    with tempfile.TemporaryDirectory(prefix="drafter-eval-view-") as site:
        build_site(history, Path(site))
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Handler, directory=site))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
