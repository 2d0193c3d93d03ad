"""Half-open connections against a real ``drafter serve`` (default settings, SQLite in a
temporary folder): 2,000 connections opened at once, a third sending nothing, a third half a
request head, a third a whole head and half its body. Prints how many are still open as time
passes, and the answers they got.

    .venv/bin/python bench/half_open.py [--connections 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KINDS = {
    "nothing": b"",
    "half a head": b"POST /v1/verdicts HTTP/1.1\r\nHost: x\r\nContent-Le",
    "half a body": b'POST /v1/verdicts HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"po',
}
CHECKS_AT_S = (5, 9, 12, 29, 33, 40)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = os.environ | {
        "DRAFTER_DATA_DIR": str(folder),
        "DRAFTER_LOG_LEVEL": "warning",
        "DRAFTER_POLICIES_DIR": str(ROOT / "tests" / "policy" / "fixtures"),
    }
    command = [sys.executable, "-m", "drafter", "serve", "--port", str(port)]
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def poll(sockets: list[tuple[str, socket.socket]], answers: dict[str, int]) -> dict[str, int]:
    """Read what each connection got; close those the server closed; count the rest."""
    still_open = dict.fromkeys(KINDS, 0)
    for kind, sock in sockets:
        if sock.fileno() < 0:
            continue
        try:
            while data := sock.recv(65536):
                answer = f"{kind}: {data[:12].decode(errors='replace')}"
                answers[answer] = answers.get(answer, 0) + 1
            sock.close()
        except BlockingIOError:
            still_open[kind] += 1
        except OSError:
            sock.close()
    return still_open


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=2000)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        server = start_server(Path(folder), port)
        try:
            sockets = []
            started = time.monotonic()
            for n in range(args.connections):
                kind = list(KINDS)[n % len(KINDS)]
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(KINDS[kind])
                sock.setblocking(False)
                sockets.append((kind, sock))
            report: dict[str, object] = {"opened_in_s": round(time.monotonic() - started, 2)}
            answers: dict[str, int] = {}
            for at in CHECKS_AT_S:
                time.sleep(max(0.0, started + at - time.monotonic()))
                report[f"open_after_{at}_s"] = poll(sockets, answers)
            report["answers"] = answers
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
