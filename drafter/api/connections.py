"""A deadline for each request's head, which uvicorn does not have.

uvicorn closes a connection that stays idle *between* requests (``timeout_keep_alive``) and can
cap connections per worker (``limit_concurrency``), but it sets no deadline on a request's head
(uvicorn issue #157, "--timeout-request-start", open since 2018): a client that opens a
connection and sends nothing, or half a header, or one byte a second, holds it for ever. ASGI
middleware cannot help, because the application is called only once the head is complete.

``HeadDeadlineProtocol`` is uvicorn's own HTTP/1.1 protocol (the httptools one uvicorn picks
when httptools is installed, as ``uvicorn[standard]`` does) with that deadline: it starts when
the connection opens and when the first byte of a later request arrives, stops when the head is
complete, and closes the connection when it passes. It hooks only the parser callbacks httptools
documents (``on_message_begin``, ``on_headers_complete``) and the ``asyncio.Protocol`` methods,
and uvicorn takes it through its public ``http=`` setting, which accepts a protocol class.
The body's deadline is the service middleware's (a 408 answer), and idle keep-alive connections
are uvicorn's own ``timeout_keep_alive``.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from drafter.settings import Settings

__all__ = ["HeadDeadlineProtocol"]

log = logging.getLogger("drafter.api")


@functools.cache
def head_timeout_s() -> float:
    """Read once per worker process: uvicorn makes a protocol object per connection."""
    return Settings().api_header_timeout_s


class HeadDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, closing a connection whose request head is late."""

    _head_timer: asyncio.TimerHandle | None = None
    _closing_transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._closing_transport = transport
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        # The first request's timer runs from the connection's opening; a later request's
        # from its first byte (until then the connection is idle, which keep-alive bounds).
        if self._head_timer is None:
            self._start_head_timer()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head_timer(self) -> None:
        loop = asyncio.get_running_loop()
        self._head_timer = loop.call_later(head_timeout_s(), self._head_late)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_late(self) -> None:
        self._head_timer = None
        if self._closing_transport is not None and not self._closing_transport.is_closing():
            log.info("closed a connection: no complete request head in %s s", head_timeout_s())
            self._closing_transport.close()
