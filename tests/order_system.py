"""A stand-in for a company's order system, on 127.0.0.1: it serves the vendors' documented
example answers (tests/data/lookups) only with the right credential, can misbehave on demand,
and records every request it gets. Used by the lookup tests, the panel's browser tests and
bench/walkthrough.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.conftest import ROOT

__all__ = [
    "ACME_TOKEN",
    "SHOPIFY_PATH",
    "SHOPIFY_TOKEN",
    "STRIPE_KEY",
    "STRIPE_PATH",
    "OrderSystem",
    "serve_order_system",
]

DATA = ROOT / "tests" / "data" / "lookups"
SHOPIFY_PATH = "/admin/api/2025-10/orders/450789469.json"
STRIPE_PATH = "/v1/subscriptions/sub_1MowQVLkdIwHu7ixeRlqHVzs"
SHOPIFY_TOKEN = "shpat_default_0123456789"
ACME_TOKEN = "shpat_acme_9876543210"
STRIPE_KEY = "rk_test_51Ab0123456789"


@dataclass
class OrderSystem:
    """What the server serves, and what it was asked."""

    url: str = ""
    mode: str = "ok"  # ok, slow, drip, error, not_json, huge, redirect, float_price
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def answer(self, path: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        self.seen.append((path, headers))
        if self.mode == "slow":
            time.sleep(3)
        if self.mode == "error":
            return 500, b'{"errors": "Internal Server Error"}', {}
        if self.mode == "not_json":
            return 200, b"<html>Service Unavailable</html>", {}
        if self.mode == "huge":
            return 200, b'{"pad": "' + b"x" * 3_000_000 + b'"}', {}
        if self.mode == "redirect":
            return 302, b"", {"Location": f"{self.url}{STRIPE_PATH}"}
        if path == SHOPIFY_PATH:
            if headers.get("x-shopify-access-token") not in (SHOPIFY_TOKEN, ACME_TOKEN):
                return 401, b'{"errors": "[API] Invalid API key or access token"}', {}
            order = json.loads((DATA / "shopify-order.json").read_text())
            if self.mode == "float_price":
                order["order"]["line_items"][0]["price"] = 199.0
            if headers.get("x-shopify-access-token") == ACME_TOKEN:
                order["order"]["name"] = "#ACME-1"
            return 200, json.dumps(order).encode(), {}
        if path == STRIPE_PATH:
            if headers.get("authorization") != f"Bearer {STRIPE_KEY}":
                return 401, b'{"error": {"type": "invalid_request_error"}}', {}
            return 200, (DATA / "stripe-subscription.json").read_bytes(), {}
        return 404, b'{"errors": "Not Found"}', {}


def _handler(system: OrderSystem) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, body, extra = system.answer(self.path, headers)
            if system.mode == "drip":  # headers at once, then a byte a second
                self.send_response(200)
                self.send_header("Content-Length", "1000")
                self.end_headers()
                for _ in range(10):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
                return
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **extra}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve_order_system() -> Iterator[OrderSystem]:
    """The stand-in, serving until the block ends."""
    system = OrderSystem()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(system))
    server.daemon_threads = True
    system.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield system
    finally:
        server.shutdown()
        server.server_close()
