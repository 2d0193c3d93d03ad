"""The service middleware (pure ASGI, so it costs microseconds): a request id on every
response and log line, the body's size and time limits, the access log, metrics, and the
last-resort answer to an unexpected error.

A request whose body is not read to its end (too large, too slow, or sent with a method that
takes none) is answered with ``Connection: close``: uvicorn would otherwise keep the connection
to parse the rest of that body, and a client sending it a byte at a time would hold it open.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from drafter.api import metrics
from drafter.api.logs import request_id_var
from drafter.api.problems import Problem, internal_problem
from drafter.store import random_part

__all__ = ["ServiceMiddleware"]

log = logging.getLogger("drafter.api")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_WITH_BODY = {"POST", "PUT", "PATCH"}


def _request_id(scope: Scope) -> str:
    """The caller's X-Request-ID when it is safe to echo, else a new one."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text: str = value.decode("latin-1")
            if _SAFE_ID.match(text):
                return text
    # Random only: a request id reveals neither the time nor anything of other ids.
    return f"req_{random_part()}"


class _TooLarge(Exception):
    pass


def _announces_body(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


class ServiceMiddleware:
    """Wraps the FastAPI app; see the module docstring."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout_s: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        exchange = _Exchange(scope, send, request_id)
        metrics.IN_FLIGHT.inc()
        try:
            await self._answer(scope, receive, exchange)
        finally:
            metrics.IN_FLIGHT.dec()
            status = state.get(metrics.STREAM_STATUS, exchange.status)
            _account(scope, status, time.perf_counter() - started)
            request_id_var.reset(token)

    async def _answer(self, scope: Scope, receive: Receive, exchange: _Exchange) -> None:
        try:
            refusal = None
            if scope["method"] in _WITH_BODY:
                receive, refusal = await self._read_body(scope, receive)
            elif _announces_body(scope):
                exchange.close = True  # nothing reads this body
            if refusal is not None:
                exchange.close = True
                await exchange.problem(refusal)
            else:
                await self.app(scope, receive, exchange.send)
        except Exception:
            log.error("unhandled error", exc_info=True)
            if not exchange.started:
                await exchange.problem(internal_problem())

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[Receive, Problem | None]:
        """The body, buffered for the app; or why it was refused (too large, too slow)."""
        try:
            async with asyncio.timeout(self.body_timeout_s):
                return await self._buffered(scope, receive), None
        except _TooLarge:
            detail = f"the request body is larger than {self.max_body_bytes} bytes"
            return receive, Problem(413, "body-too-large", detail)
        except TimeoutError:
            detail = f"the request body did not arrive within {self.body_timeout_s:g} s"
            return receive, Problem(408, "request-timeout", detail)

    async def _buffered(self, scope: Scope, receive: Receive) -> Receive:
        """Read the whole body (refusing it past the limit), then replay it downstream."""
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return _replay(message, receive)
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body_bytes:
                raise _TooLarge
            if not message.get("more_body", False):
                break
        body: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return _replay(body, receive)


def _replay(first: Message, receive: Receive) -> Receive:
    pending = [first]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class _Exchange:
    """Tracks one response: adds the request id and rate-limit headers, notes the status."""

    def __init__(self, scope: Scope, send: Send, request_id: str) -> None:
        self.scope = scope
        self._send = send
        self.request_id = request_id
        self.status = 500
        self.started = False
        self.close = False  # answer with Connection: close

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            self.status = message["status"]
            headers = MutableHeaders(scope=message)
            headers["X-Request-ID"] = self.request_id
            if self.close:
                headers["Connection"] = "close"
            limit = self.scope["state"].get("rate_limit")
            if limit is not None:
                headers["RateLimit-Limit"] = str(limit[0])
                headers["RateLimit-Remaining"] = str(limit[1])
        await self._send(message)

    async def problem(self, problem: Problem) -> None:
        path = self.scope.get("path", "")
        response = problem.response(instance=path, request_id=self.request_id)
        await response(self.scope, _no_body, self.send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _account(scope: Scope, status: int, seconds: float) -> None:
    route: Any = scope.get("route")
    template = getattr(route, "path", None) or "unmatched"
    method = scope["method"]
    metrics.REQUESTS.labels(method, template, str(status)).inc()
    metrics.REQUEST_SECONDS.labels(method, template).observe(seconds)
    if not log.isEnabledFor(logging.INFO):
        return
    log.info(
        "request",
        extra={
            "method": method,
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "key_id": scope["state"].get("key_id"),
        },
    )
