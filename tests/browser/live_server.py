"""The real drafter server for the browser tests: `drafter serve` on 127.0.0.1 with its own
data directory (so its audit log is ours to read), the embedded template provider (no LLM URL),
and a key made with `drafter keys create`, exactly as an operator would run it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTUP_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    key: str
    data_dir: Path

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Ask the server directly, to compare with what the extension showed."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.key}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRAFTER_")}
    env.update(
        DRAFTER_DATA_DIR=str(data_dir),
        DRAFTER_API_HOST="127.0.0.1",
        DRAFTER_API_PORT=str(port),
        DRAFTER_LOG_LEVEL="warning",
    )
    return env


def wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"drafter serve exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"drafter serve was not ready in {STARTUP_TIMEOUT_S}s:\n{log.read_text()}")


@contextmanager
def drafter_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    port = free_port()
    env = server_env(data_dir, port) | (extra_env or {})
    drafter = [sys.executable, "-m", "drafter"]
    created = subprocess.run(
        [*drafter, "keys", "create", "extension-tests", "--rate-limit", "10000"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    key = created.stdout.strip().splitlines()[-1]
    log = data_dir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([*drafter, "serve"], env=env, stdout=sink, stderr=sink)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process, log)
        yield LiveServer(url, key, data_dir)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
