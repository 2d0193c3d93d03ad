"""Replay plus scoring of 1,000 eval cases, timed.

The suite's cases are run ``--copies`` times each (10 by default: 1,000 cases from the 100),
every copy through the whole pipeline (verdict, rendered prompt, recorded output, guard,
repair, fallback) and every scorer on its raw draft and final reply, from scratch: nothing is
cached between copies except what the code caches for any run (compiled templates and
patterns, syllable counts of words already seen)::

    .venv/bin/python -m bench.eval_replay
    .venv/bin/python -m bench.eval_replay --copies 10 --recordings smollm2-135m
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import time

from drafter.evals.cases import EvalCase, load_cases
from drafter.evals.config import load_config
from drafter.evals.parallel import run_eval_parallel
from drafter.evals.recordings import Recording, load_recordings
from drafter.evals.reports import junit_xml, render_html
from drafter.evals.runner import run_eval
from drafter.policy import PolicyRegistry
from drafter.settings import Settings


def _copies(cases: list[EvalCase], copies: int) -> list[EvalCase]:
    return [dataclasses.replace(c, id=f"{c.id}#{n}") for n in range(copies) for c in cases]


def _recordings_for(cases: list[EvalCase], loaded: dict[str, Recording]) -> dict[str, Recording]:
    """Each copy replays its original case's recording (replay finds recordings by case id)."""
    originals = {case.id: case.id.split("#")[0] for case in cases}
    return {copy: loaded[original] for copy, original in originals.items() if original in loaded}


def main() -> None:
    parser = argparse.ArgumentParser(description="Time replay plus scoring of many cases.")
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--recordings", default=None, help="A recording set (default: config's)")
    parser.add_argument("--jobs", type=int, default=2, help="Worker processes (1: in process)")
    args = parser.parse_args()
    config, settings = load_config(), Settings()
    name = args.recordings or config.default_recording
    cases = _copies(
        load_cases(config.cases_dir, PolicyRegistry(settings.policies_dir)), args.copies
    )
    recordings = _recordings_for(cases, load_recordings(config.recordings_dir / name))
    cpu, wall = time.process_time(), time.perf_counter()
    if args.jobs > 1:
        results = run_eval_parallel(
            cases,
            config=config,
            settings=settings,
            mode="replay",
            jobs=args.jobs,
            recording_set=name,
            recordings=recordings,
        )
    else:
        results = asyncio.run(
            run_eval(
                cases,
                config=config,
                settings=settings,
                mode="replay",
                recording_set=name,
                recordings=recordings,
            )
        )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    reports = time.perf_counter()
    results.model_dump_json()
    junit_xml(results)
    render_html(results)
    reports = time.perf_counter() - reports
    count = len(results.cases)
    print(
        f"{count} cases replayed and scored with {args.jobs} job(s) in {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU in the parent "
        f"({1000 * wall / count:.2f} ms a case); the three reports {reports:.2f} s more; "
        f"final replies compliant {results.summary.final_compliant}/{count}"
    )


if __name__ == "__main__":
    main()
