"""Replay (or template) runs spread over worker processes.

The parent builds one warm ``EvalRun`` (policies compiled, templates loaded, recordings
parsed) and forks workers that inherit it, so each worker starts scoring at once. Cases go out
in small chunks and come back in order. Record mode always runs in one process: it talks to one
endpoint, one call at a time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.recordings import Recording
from drafter.evals.results import CaseResult, RunResults
from drafter.evals.runner import EvalRun, Mode
from drafter.settings import Settings

__all__ = ["run_eval_parallel"]

# The run the workers inherit through fork; set in the parent just before the pool starts.
_INHERITED: EvalRun | None = None


def _work(cases: list[EvalCase]) -> list[CaseResult]:
    run = _INHERITED
    if run is None:  # pragma: no cover - only without fork
        raise RuntimeError("worker started without the parent's run")

    async def chunk() -> list[CaseResult]:
        return [await run.case(case) for case in cases]

    return asyncio.run(chunk())


def _chunks(cases: list[EvalCase], size: int) -> list[list[EvalCase]]:
    return [cases[start : start + size] for start in range(0, len(cases), size)]


def _fan_out(
    run: EvalRun,
    cases: list[EvalCase],
    jobs: int,
    on_case: Callable[[CaseResult], None] | None,
) -> list[CaseResult]:
    """Run the first case here (warming templates and policies), the rest in forked workers
    that inherit ``run``; results come back in case order."""
    global _INHERITED

    def done(result: CaseResult) -> None:
        results.append(result)
        if on_case is not None:
            on_case(result)

    results: list[CaseResult] = []
    done(asyncio.run(run.case(cases[0])))
    _INHERITED = run
    try:
        size = max(1, len(cases) // (jobs * 8))
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            for chunk in pool.map(_work, _chunks(cases[1:], size)):
                for result in chunk:
                    done(result)
    finally:
        _INHERITED = None
    return results


def run_eval_parallel(
    cases: list[EvalCase],
    *,
    config: EvalConfig,
    settings: Settings,
    mode: Mode,
    jobs: int,
    recording_set: str | None = None,
    recordings: dict[str, Recording] | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
) -> RunResults:
    """Like ``run_eval`` for replay and template modes, over ``jobs`` worker processes.

    Raises:
        ValueError: record mode, or fewer than one job.
    """
    if mode == "record" or jobs < 1:
        raise ValueError("parallel runs are for replay and template modes, with jobs >= 1")
    started, clock = dt.datetime.now(dt.UTC), time.perf_counter()
    run = EvalRun(
        config=config,
        settings=settings,
        mode=mode,
        recording_set=recording_set,
        recordings=recordings,
    )
    chosen, unrecorded = run.runnable(cases)
    results = _fan_out(run, chosen, jobs, on_case) if chosen else []
    seconds = time.perf_counter() - clock
    return run.results(results, started=started, seconds=seconds, unrecorded=unrecorded)
