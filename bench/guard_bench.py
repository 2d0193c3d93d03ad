"""Guard time per draft over the labelled draft sets (tests/guard/data).

Run: ``.venv/bin/python bench/guard_bench.py [--rounds N]``. Prints p50, p90, p99 and max of
one ``drafter.guard.check`` call per draft, in wall-clock and in process CPU time
(``time.process_time_ns``), for the compliant set, the adversarial set and both, after one
warm-up pass (the first call compiles the lexicons; its time is printed apart). Data caches
(verdict texts and the offer kinds they commit to, the customer message, a draft's contact
spans) are cleared before every call, so each figure is the cost of a first draft for its
ticket. The target is p50 <= 1 ms per draft. Other processes on the machine inflate both
clocks (CPU time less so); print ``uptime`` with the figures.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from drafter.guard import check
from drafter.guard.injection import injection_attempts
from drafter.guard.leaks import clear_contact_cache
from drafter.guard.numbers import extract_cached
from drafter.guard.offers import kinds_in

ROOT = Path(__file__).resolve().parent.parent


def _dataset() -> ModuleType:
    path = ROOT / "tests" / "guard" / "guard_dataset.py"
    spec = importlib.util.spec_from_file_location("guard_dataset", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["guard_dataset"] = module
    spec.loader.exec_module(module)
    return module


COLD = True


def _time_ms(case: object, data: ModuleType, clock: Callable[[], int]) -> float:
    """One check. With cold data caches (the default) every draft pays for reading its
    verdict's texts and its customer's message, as a one-draft ticket would; compiled
    lexicons stay warm either way."""
    if COLD:
        extract_cached.cache_clear()
        injection_attempts.cache_clear()
        kinds_in.cache_clear()
        clear_contact_cache()
    start = clock()
    check(
        body=case.body,  # type: ignore[attr-defined]
        subject=case.subject,  # type: ignore[attr-defined]
        verdict=case.verdict,  # type: ignore[attr-defined]
        request=case.request,  # type: ignore[attr-defined]
        canary=data.CANARY,
        allowlist=data.ALLOWLIST,
    )
    return (clock() - start) / 1e6


def _quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _line(name: str, samples: list[float]) -> str:
    p50, p90 = statistics.median(samples), _quantile(samples, 0.90)
    p99, worst = _quantile(samples, 0.99), max(samples)
    return (
        f"{name:<12} n={len(samples):>5}  p50={p50:.3f} ms  p90={p90:.3f} ms  "
        f"p99={p99:.3f} ms  max={worst:.3f} ms"
    )


def _report(
    title: str,
    sets: dict[str, tuple[object, ...]],
    data: ModuleType,
    rounds: int,
    clock: Callable[[], int],
) -> None:
    samples: dict[str, list[float]] = {name: [] for name in sets}
    for _ in range(rounds):
        for name, cases in sets.items():
            samples[name] += [_time_ms(case, data, clock) for case in cases]
    print(title)
    for name, values in samples.items():
        print("  " + _line(name, values))
    print("  " + _line("both", [v for values in samples.values() for v in values]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="passes over both sets")
    parser.add_argument(
        "--warm",
        action="store_true",
        help="keep the data caches (a repair or a second draft for a ticket)",
    )
    args = parser.parse_args()
    rounds = args.rounds
    global COLD
    COLD = not args.warm
    data = _dataset()
    sets = {"compliant": data.compliant_cases(), "adversarial": data.adversarial_cases()}
    cold = _time_ms(sets["compliant"][0], data, time.perf_counter_ns)
    for cases in sets.values():
        for case in cases:
            _time_ms(case, data, time.perf_counter_ns)
    print(f"first call (compiles lexicons): {cold:.1f} ms")
    _report("wall clock (perf_counter):", sets, data, rounds, time.perf_counter_ns)
    # CPU time of this process: what the guard itself costs when other processes share the
    # cores (wall-clock tails then measure the machine's load as much as the guard).
    _report("process CPU time (process_time):", sets, data, rounds, time.process_time_ns)


if __name__ == "__main__":
    main()
