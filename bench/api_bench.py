"""HTTP API benchmark: drafts held in flight against a slow LLM, and verdicts per second.

Two measurements against a real ``drafter serve`` (uvicorn) on 127.0.0.1:

- **drafts**: ``POST /v1/drafts`` at 50, 200 and 1,000 concurrent requests while the local
  OpenAI-compatible test server (``drafter.testing.llm_server``, in its own process) holds every
  completion for ``--llm-latency`` seconds (1 s). Reported: throughput, p50/p99 of the service's
  overhead beyond the LLM's own time (end-to-end latency seen by the client minus the time the
  LLM server spent on that request), errors, and the server's peak resident memory.
- **verdicts**: ``POST /v1/verdicts`` requests per second with ``--connections`` keep-alive
  connections for ``--seconds``.

The load generator is a minimal HTTP/1.1 client on raw asyncio sockets (uvloop when present),
so it costs the two cores as little as possible. Every request is checked for status 200.
The audit store is SQLite in a temporary folder unless DRAFTER_DATABASE_URL names another.
Figures are printed, never asserted: this is a benchmark, not a test.

    .venv/bin/python bench/api_bench.py [--part drafts|verdicts|all] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "policy" / "fixtures"
PYTHON = sys.executable


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    return sum(_status_kib(p, "VmRSS:") for p in tree(pid)) * 1024


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    members, todo = [], [pid]
    while todo:
        current = todo.pop()
        members.append(current)
        todo += children.get(current, [])
    return members


class MemorySampler:
    """Samples a process tree's RSS every 50 ms; ``peak`` is the largest sample."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, await asyncio.to_thread(tree_rss_bytes, self.pid))
            await asyncio.sleep(0.05)

    def __enter__(self) -> MemorySampler:
        self.peak = tree_rss_bytes(self.pid)
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


@contextmanager
def process(command: list[str], env: dict[str, str], ready_url: str, log: Path) -> Iterator[int]:
    """Start a server process (own process group), wait for ``ready_url``, stop it after."""
    import urllib.request

    with log.open("ab") as out:
        child = subprocess.Popen(
            command, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{command[2:4]} exited:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(ready_url, timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready: {ready_url}") from None
                time.sleep(0.1)
        yield child.pid
    finally:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)


# --- a lean HTTP/1.1 client ----------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    bodies: list[bytes] = field(default_factory=list)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


def post_bytes(path: str, body: bytes, token: str, port: int, extra: str = "") -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n{extra}\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def connection_loop(
    port: int, request: bytes, tally: Tally, *, until: float, count: int | None, keep: bool,
    delay: float = 0.0,
) -> None:  # fmt: skip
    """Send ``request`` over one keep-alive connection, one at a time, until the deadline
    (or ``count`` times), recording latencies and failures; start after ``delay`` seconds."""
    await asyncio.sleep(delay)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError as error:
        tally.error(type(error).__name__)
        return
    sent = 0
    try:
        while time.perf_counter() < until and (count is None or sent < count):
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            sent += 1
            if status != 200:
                tally.error(f"HTTP {status}")
                continue
            tally.latencies.append(time.perf_counter() - started)
            if keep:
                tally.bodies.append(body)
    except (OSError, asyncio.IncompleteReadError, ValueError) as error:
        tally.error(type(error).__name__)
    finally:
        writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# --- the service under test ----------------------------------------------------------------


@dataclass
class Service:
    port: int
    pid: int
    token: str


def make_key(env: dict[str, str]) -> str:
    command = [PYTHON, "-m", "drafter", "keys", "create", "bench", "--rate-limit", "1000000"]
    done = subprocess.run(command, env=os.environ | env, capture_output=True, check=True)
    return done.stdout.decode().strip()


@contextmanager
def drafter_service(env: dict[str, str], workers: int, folder: Path) -> Iterator[Service]:
    token = make_key(env)
    port = free_port()
    command = [PYTHON, "-m", "drafter", "serve", "--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}/readyz"
    with process(command, env, url, folder / "drafter.log") as pid:
        yield Service(port, pid, token)


# --- verdicts ------------------------------------------------------------------------------


def verdict_body() -> bytes:
    request = json.loads((FIXTURES / "request.json").read_text())
    return json.dumps({"policy": "mini-store", "request": request}).encode()


async def bench_verdicts(service: Service, connections: int, seconds: float) -> dict[str, Any]:
    request = post_bytes("/v1/verdicts", verdict_body(), service.token, service.port)
    warm = Tally()
    await connection_loop(service.port, request, warm, until=float("inf"), count=50, keep=False)
    tally = Tally()
    started = time.perf_counter()
    until = started + seconds
    cpu = os.times()
    server_cpu = tree_cpu_seconds(service.pid)
    await asyncio.gather(
        *(
            connection_loop(service.port, request, tally, until=until, count=None, keep=False)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    client_cpu = sum(os.times()[:2]) - sum(cpu[:2])
    server_cpu = tree_cpu_seconds(service.pid) - server_cpu
    count = max(1, len(tally.latencies))
    return {
        "connections": connections,
        "seconds": round(elapsed, 2),
        "requests": len(tally.latencies),
        "requests_per_s": round(len(tally.latencies) / elapsed),
        "p50_ms": round(percentile(tally.latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(tally.latencies, 0.99) * 1000, 2),
        "errors": tally.errors,
        "cpu_us_per_request": {
            "drafter": round(server_cpu / count * 1e6),
            "load_generator": round(client_cpu / count * 1e6),
        },
        "machine_load_average_1m": os.getloadavg()[0],
    }


# --- drafts against a slow LLM ------------------------------------------------------------


def serve_llm(port: int, latency: float) -> None:
    """Run the scripted OpenAI-compatible server (in this process, under uvicorn) answering
    every completion with a compliant draft after ``latency`` seconds."""
    import uvicorn

    sys.path.insert(0, str(ROOT))
    from drafter.testing.llm_server import Reply, ScriptedLLM, create_app
    from tests.test_pipeline import GOOD  # a draft that keeps to mini-store's verdict

    script = ScriptedLLM(responder=lambda request: Reply(GOOD, delay_s=latency))
    uvicorn.run(
        create_app(script), host="127.0.0.1", port=port, log_level="warning",
        access_log=False, backlog=4096,
    )  # fmt: skip


@dataclass
class LLMService:
    url: str
    pid: int


@contextmanager
def llm_service(latency: float, folder: Path) -> Iterator[LLMService]:
    port = free_port()
    command = [PYTHON, __file__, "--serve-llm", str(port), "--llm-latency", str(latency)]
    ready = f"http://127.0.0.1:{port}/docs"
    with process(command, {}, ready, folder / "llm.log") as pid:
        yield LLMService(f"http://127.0.0.1:{port}/v1", pid)


def draft_body() -> bytes:
    request = json.loads((FIXTURES / "request.json").read_text())
    return json.dumps({"policy": "mini-store", "request": request}).encode()


async def bench_drafts(
    service: Service, llm: LLMService, concurrency: int, rounds: int, latency: float
) -> dict[str, Any]:
    """``concurrency`` connections each send ``rounds`` drafts back to back.

    The connections start spread over one LLM latency, as agents' requests arrive spread in
    time, so the load is ``concurrency`` drafts in flight at any moment rather than bursts of
    ``concurrency`` arriving (and coming back from the model) in the same millisecond."""
    request = post_bytes("/v1/drafts", draft_body(), service.token, service.port)
    tally = Tally()
    cpu = (tree_cpu_seconds(service.pid), tree_cpu_seconds(llm.pid), sum(os.times()[:2]))
    with MemorySampler(service.pid) as memory:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                connection_loop(
                    service.port,
                    request,
                    tally,
                    until=float("inf"),
                    count=rounds,
                    keep=True,
                    delay=latency * index / concurrency,
                )
                for index in range(concurrency)
            )
        )
        elapsed = time.perf_counter() - started
    used = (
        tree_cpu_seconds(service.pid) - cpu[0],
        tree_cpu_seconds(llm.pid) - cpu[1],
        sum(os.times()[:2]) - cpu[2],
    )
    own = [json.loads(b)["reply"]["draft"]["provenance"]["latency_ms"] / 1000 for b in tally.bodies]
    fallbacks = sum(json.loads(b)["reply"]["fallback"] for b in tally.bodies)
    beyond_call = [total - call for total, call in zip(tally.latencies, own, strict=True)]
    count = max(1, len(tally.latencies))
    beyond_injected = [total - latency for total in tally.latencies]
    return {
        "concurrency": concurrency,
        "drafts": len(tally.latencies),
        "errors": tally.errors,
        "fallbacks": fallbacks,
        "seconds": round(elapsed, 2),
        "drafts_per_s": round(len(tally.latencies) / elapsed, 1),
        "overhead_beyond_llm_call_ms": _p50_p99(beyond_call),
        "overhead_beyond_injected_latency_ms": _p50_p99(beyond_injected),
        "peak_rss_mib": round(memory.peak / 2**20, 1),
        "cpu_ms_per_draft": {
            "drafter": round(used[0] / count * 1000, 2),
            "llm_test_server": round(used[1] / count * 1000, 2),
            "load_generator": round(used[2] / count * 1000, 2),
        },
    }


def _p50_p99(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 0.5) * 1000, 2),
        "p99": round(percentile(values, 0.99) * 1000, 2),
    }


# --- main ----------------------------------------------------------------------------------


def service_env(folder: Path, log_level: str) -> dict[str, str]:
    return {
        "DRAFTER_DATA_DIR": str(folder / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_LOG_LEVEL": log_level,  # info (the default) writes a JSON line per request
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {
        "cores": os.cpu_count(),
        "workers": args.workers,
        "log_level": args.log_level,
        "audit_store": os.environ.get("DRAFTER_DATABASE_URL", "sqlite (WAL, synchronous=FULL)"),
    }
    with tempfile.TemporaryDirectory(prefix="drafter-bench-") as tmp:
        folder = Path(tmp)
        env = service_env(folder, args.log_level)
        if args.part in ("drafts", "all"):
            with llm_service(args.llm_latency, folder) as llm:
                draft_env = env | {
                    "DRAFTER_LLM_BASE_URL": llm.url,
                    "DRAFTER_LLM_MODEL": "scripted",
                    "DRAFTER_LLM_API_KEY": "sk-bench",
                }
                with drafter_service(draft_env, args.workers, folder) as service:
                    await bench_drafts(service, llm, 20, 1, args.llm_latency)  # warm-up
                    results["drafts"] = [
                        await bench_drafts(service, llm, level, args.rounds, args.llm_latency)
                        for level in args.levels
                    ]
        if args.part in ("verdicts", "all"):
            with drafter_service(env, args.workers, folder) as service:
                results["verdicts"] = await bench_verdicts(service, args.connections, args.seconds)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["drafts", "verdicts", "all"], default="all")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--connections", type=int, default=32, help="verdicts: connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="verdicts: duration")
    parser.add_argument(
        "--levels", type=lambda text: [int(x) for x in text.split(",")], default=[50, 200, 1000],
        help="drafts: concurrency levels, comma-separated",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="drafts: requests per connection")
    parser.add_argument("--log-level", default="info", help="the service's DRAFTER_LOG_LEVEL")
    parser.add_argument("--llm-latency", type=float, default=1.0, help="seconds per completion")
    parser.add_argument("--serve-llm", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_llm:
        serve_llm(args.serve_llm, args.llm_latency)
        return
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
