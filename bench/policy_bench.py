"""Policy engine benchmark: decisions per second and p50/p99 latency for each shipped policy.

Two measurements, in one process:
- evaluate: a validated ``Request`` to a ``Verdict`` (the checker itself);
- end to end: request JSON bytes in, verdict JSON out (parse, validate, evaluate, serialise).

The workload is every request in the policy's own test table, cycled. Each timing is one call,
measured with ``perf_counter_ns`` after a warm-up; CPU time is the thread's CPU time over the
whole run divided by the calls (with ``--cold``, summed around each call), so it is not
inflated by other processes on a shared machine. ``--repeat`` runs each measurement several
times and reports the median of each figure. The figures are printed, never asserted.

The engine keeps the trace steps and fixed texts its verdicts share (see
``drafter/policy/trace.py``). The workload cycles a few dozen requests, so after the warm-up
every step is shared; ``--cold`` empties those caches before every call (outside the timings),
for the cost of a request whose steps and texts were never seen before.

    .venv/bin/python bench/policy_bench.py [--seconds 2] [--repeat 3] [--cold] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from drafter.errors import RequestError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.tables import build_request, load_table
from drafter.schemas import Request, Verdict
from drafter.settings import Settings


def workload(registry: PolicyRegistry, policy_id: str) -> list[bytes]:
    """The JSON of every test-table request the policy accepts (error cases are skipped)."""
    table, _ = load_table(registry.tests_path(policy_id))
    policy = registry.get(policy_id)
    bodies = []
    for case in table.cases:
        body = json.dumps(build_request(table.base, case), default=str).encode()
        try:
            evaluate(policy, parse_request(body))
        except RequestError:
            continue
        bodies.append(body)
    return bodies


def timed(
    call: Callable[[Any], object],
    inputs: list[Any],
    seconds: float,
    before: Callable[[], object] | None = None,
) -> dict[str, float]:
    """Time each call; ``before`` runs ahead of every call, outside the timings."""
    for item in inputs * 3:  # warm-up
        call(item)
    samples: list[int] = []
    gc.collect()
    deadline = time.perf_counter() + seconds
    cpu = 0 if before else -time.thread_time_ns()
    while time.perf_counter() < deadline:
        for item in inputs:
            if before:
                before()
                cpu -= time.thread_time_ns()
            start = time.perf_counter_ns()
            call(item)
            samples.append(time.perf_counter_ns() - start)
            if before:
                cpu += time.thread_time_ns()
    if not before:
        cpu += time.thread_time_ns()
    return summary(samples, cpu)


def summary(samples: list[int], cpu_ns: int) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "calls": len(ordered),
        "per_second": 1e9 / statistics.fmean(ordered),
        "p50_us": ordered[len(ordered) // 2] / 1000,
        "p99_us": ordered[int(len(ordered) * 0.99)] / 1000,
        "cpu_us": cpu_ns / len(ordered) / 1000,
    }


def repeated(measure: Callable[[], dict[str, float]], repeat: int) -> dict[str, float]:
    """The median of each figure over ``repeat`` runs of ``measure``."""
    runs = [measure() for _ in range(repeat)]
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def bench(policy_id: str, registry: PolicyRegistry, args: argparse.Namespace) -> dict[str, Any]:
    policy = registry.get(policy_id)
    bodies = workload(registry, policy_id)
    requests: list[Request] = [parse_request(body) for body in bodies]

    def decide(request: Request) -> Verdict:
        return evaluate(policy, request)

    def end_to_end(body: bytes) -> str:
        return decide(parse_request(body)).model_dump_json()

    before = policy.forget_shared if args.cold else None
    return {
        "policy": policy_id,
        "requests": len(bodies),
        "evaluate": repeated(lambda: timed(decide, requests, args.seconds, before), args.repeat),
        "end_to_end": repeated(
            lambda: timed(end_to_end, bodies, args.seconds, before), args.repeat
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (median)")
    parser.add_argument("--cold", action="store_true", help="empty shared parts before each call")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args()
    registry = PolicyRegistry(Settings().policies_dir)
    results = [bench(pid, registry, args) for pid in registry.ids()]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{'policy':20} {'stage':11} {'requests':>8} {'per s':>9} {'p50 µs':>8} {'p99 µs':>8} "
        f"{'cpu µs':>8}"
    )
    for result in results:
        for stage in ("evaluate", "end_to_end"):
            s = result[stage]
            print(
                f"{result['policy']:20} {stage:11} {result['requests']:8d} "
                f"{s['per_second']:9.0f} {s['p50_us']:8.1f} {s['p99_us']:8.1f} {s['cpu_us']:8.1f}"
            )


if __name__ == "__main__":
    main()
