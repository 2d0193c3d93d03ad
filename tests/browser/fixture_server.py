"""An HTTPS server on 127.0.0.1 that plays every helpdesk the extension knows.

Chromium maps the real hostnames (acme.zendesk.com, mail.google.com…) to this server with
--host-resolver-rules, so the extension's real manifest match patterns and host permissions
are what the tests exercise. Pages are chosen by host and path, as the real products route them.
"""

from __future__ import annotations

import re
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
VENDOR = HERE / "editors" / "vendor"

# (host pattern, path pattern, page): the URL shapes of each product's ticket view.
ROUTES: list[tuple[str, str, str]] = [
    (r"[a-z0-9-]+\.zendesk\.com", r"/agent/tickets/\d+", "zendesk.html"),
    (r"[a-z0-9-]+\.freshdesk\.com", r"/a/tickets/\d+", "freshdesk.html"),
    (r"mail\.google\.com", r"/mail/u/\d+/", "gmail.html"),
    (r"secure\.helpscout\.net", r"/conversation/\d+/\d+", "helpscout.html"),
    (r"shop\.example\.test", r"/support/.*", "generic.html"),
]
HOSTS = [
    "*.zendesk.com",
    "*.freshdesk.com",
    "mail.google.com",
    "secure.helpscout.net",
    "shop.example.test",
]
TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
INCLUDE = "<!-- include importmap -->"


def page_for(host: str, path: str) -> Path | None:
    for host_re, path_re, page in ROUTES:
        if re.fullmatch(host_re, host) and re.fullmatch(path_re, path):
            return PAGES / page
    return None


def asset_for(path: str) -> Path | None:
    for prefix, root in (
        ("/__fixtures__/static/", PAGES / "static"),
        ("/__fixtures__/vendor/", VENDOR),
    ):
        if path.startswith(prefix):
            target = (root / path[len(prefix) :]).resolve()
            if target.is_relative_to(root.resolve()) and target.is_file():
                return target
    return None


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        host = (self.headers.get("Host") or "").split(":")[0]
        target = asset_for(url.path) or page_for(host, url.path)
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes()
        if target.suffix == ".html":
            body = body.replace(INCLUDE.encode(), (PAGES / "importmap.html").read_bytes())
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=drafter-fixtures"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@contextmanager
def serve_fixtures(directory: Path) -> Iterator[int]:
    """Serve the fixture pages over TLS on 127.0.0.1; yields the port."""
    if not (VENDOR / "ckeditor5" / "ckeditor5.js").exists():
        raise RuntimeError("the editor builds are missing: run .ci/deps-editors")
    cert, key = self_signed_cert(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
