"""Connection limits on a real ``drafter serve``: connections that never finish their head or
body, or sit idle, are closed within their timeout, and past the cap a request gets 503.

Raw sockets play the half-open clients. Timeouts are short here (1 to 1.5 s); each assertion
allows a few seconds more for a busy machine, while without the limits the connections stay
open for good."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from tests.api.conftest import FIXTURES
from tests.api.live import LiveServer

HEAD_S = 1.5
BODY_S = 1.0
IDLE_S = 1
CAP = 4
SLACK_S = 4.0  # a busy 2-core machine may be late by this much; unbounded without the limits


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("connections")
    env = {
        "DRAFTER_DATA_DIR": str(folder / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_LOG_LEVEL": "warning",
        "DRAFTER_API_HEADER_TIMEOUT_S": str(HEAD_S),
        "DRAFTER_API_BODY_TIMEOUT_S": str(BODY_S),
        "DRAFTER_API_IDLE_TIMEOUT_S": str(IDLE_S),
        "DRAFTER_API_MAX_CONNECTIONS": str(CAP),
    }
    live = LiveServer(env, log=folder / "server.log")
    live.start()
    try:
        yield live
    finally:
        live.stop()


def connect(server: LiveServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.settimeout(HEAD_S + SLACK_S)
    return sock


def read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the server kept the connection open; it sent {received[:200]!r}")
    return received, time.monotonic()


def read_response(sock: socket.socket) -> bytes:
    """One whole response (head and Content-Length body) off a kept-alive connection."""
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        chunk = sock.recv(65536)
        assert chunk, f"closed mid-response: {data!r}"
        data += chunk
    return data


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def closes_within(sock: socket.socket, seconds: float) -> bytes:
    started = time.monotonic()
    with sock:
        received, closed = read_until_closed(sock)
    assert closed - started <= seconds + SLACK_S
    return received


def test_a_connection_that_sends_nothing_is_closed(server: LiveServer) -> None:
    assert closes_within(connect(server), HEAD_S) == b""


def test_half_a_head_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"POST /v1/verdicts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le")
    assert closes_within(sock, HEAD_S) == b""


def test_a_head_sent_a_byte_at_a_time_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    started = time.monotonic()
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000
    try:
        for byte in head:  # a byte every 0.2 s: the whole head would take 200 s
            sock.sendall(bytes([byte]))
            time.sleep(0.2)
            if time.monotonic() - started > HEAD_S + SLACK_S:
                pytest.fail("the server still reads a head that is taking too long")
    except (BrokenPipeError, ConnectionResetError):
        pass  # closed by the server
    assert time.monotonic() - started <= HEAD_S + SLACK_S
    sock.close()


def test_half_a_body_gets_408_and_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(
        b"POST /v1/verdicts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b'Content-Length: 1000\r\n\r\n{"policy": '
    )
    answer = closes_within(sock, BODY_S)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in answer.lower()
    assert b"/problems/request-timeout" in answer


def test_an_unread_body_does_not_hold_the_connection(server: LiveServer) -> None:
    # GET takes no body: the answer comes at once, and the announced body is not waited for.
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\nab")
    answer = closes_within(sock, 0)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"connection: close" in answer.lower()


def test_a_body_too_large_is_refused_and_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"POST /v1/verdicts HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    answer = closes_within(sock, 0)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_an_idle_kept_alive_connection_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    first = read_response(sock)
    assert first.startswith(b"HTTP/1.1 200 ")
    assert b"connection: close" not in first.lower()  # kept alive ...
    assert closes_within(sock, IDLE_S) == b""  # ... until idle too long


def test_a_late_second_head_is_closed(server: LiveServer) -> None:
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert read_response(sock).startswith(b"HTTP/1.1 200 ")
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHo")  # keep-alive's clock stops at the first byte
    assert closes_within(sock, HEAD_S) == b""


def get_healthz(server: LiveServer) -> bytes:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        received, _ = read_until_closed(sock)
    return received


def test_past_the_cap_a_request_gets_503_until_the_holders_time_out(server: LiveServer) -> None:
    started = time.monotonic()
    holders = [connect(server) for _ in range(CAP)]  # they send nothing
    try:
        refused = get_healthz(server)
        assert time.monotonic() - started < HEAD_S, "too slow to test the cap"
        assert refused.startswith(b"HTTP/1.1 503 ")
        assert b"connection: close" in refused.lower()
        time.sleep(HEAD_S + 0.5)  # the silent holders are closed: the cap is free again
        for holder in holders:
            assert closes_within(holder, 0) == b""
        assert get_healthz(server).startswith(b"HTTP/1.1 200 ")
    finally:
        for holder in holders:
            holder.close()


def test_connections_up_to_the_cap_are_served(server: LiveServer) -> None:
    holders = [connect(server) for _ in range(CAP - 1)]
    try:
        for holder in holders:
            holder.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert read_response(holder).startswith(b"HTTP/1.1 200 ")
        assert get_healthz(server).startswith(b"HTTP/1.1 200 ")  # the CAP-th connection
    finally:
        for holder in holders:
            holder.close()
