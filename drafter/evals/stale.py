"""The staleness check: which cases' recordings no longer match the prompts they would get.

A recording is keyed by the hash of the rendered prompt. When a template, a policy rationale,
a case's request or the brief changes, the prompt a case renders changes too, and replay has
no output for it. This check renders each case's first prompt and compares hashes, so the
cases to re-record are listed before anyone trusts a replay.

A repair prompt quotes the guard's feedback on the recorded first draft, so a change to the
guard's messages or to the repair template stales a case whose first prompt still matches.
:func:`find_stale_repairs` finds those by replaying the cases (offline, milliseconds each).
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.recordings import Recording
from drafter.evals.runner import run_eval
from drafter.phrase.prompting import PromptRenderer
from drafter.settings import Settings

__all__ = ["StaleCase", "find_all_stale", "find_stale", "find_stale_repairs"]


@dataclass(frozen=True)
class StaleCase:
    case: str
    reason: str
    recorded: str | None = None
    current: str | None = None


def _check(
    case: EvalCase, recording: Recording | None, renderer: PromptRenderer
) -> StaleCase | None:
    current = renderer.render(case.request, case.verdict).sha256
    if recording is None:
        return StaleCase(case.id, "never recorded", current=current)
    if recording.prompt_sha256 != current:
        reason = "the rendered prompt changed since it was recorded"
        if recording.template_version != renderer.version:
            reason += f" (templates {recording.template_version} -> {renderer.version})"
        return StaleCase(case.id, reason, recorded=recording.prompt_sha256, current=current)
    return None


def find_stale(
    cases: list[EvalCase], recordings: dict[str, Recording], renderer: PromptRenderer
) -> list[StaleCase]:
    """Cases whose first prompt has no matching recording, then recordings of unknown cases."""
    stale = [_check(case, recordings.get(case.id), renderer) for case in cases]
    found = [entry for entry in stale if entry is not None]
    known = {case.id for case in cases}
    found += [
        StaleCase(case_id, "recording for a case that no longer exists")
        for case_id in sorted(recordings.keys() - known)
    ]
    return found


async def find_stale_repairs(
    cases: list[EvalCase], recordings: dict[str, Recording], config: EvalConfig
) -> list[StaleCase]:
    """Recorded cases whose replay asks for a prompt nothing was recorded for (a repair)."""
    recorded = [case for case in cases if case.id in recordings]
    results = await run_eval(
        recorded, config=config, settings=Settings(), mode="replay", recordings=recordings
    )
    reason = "a later prompt (the repair, quoting the guard's feedback) changed since recording"
    return [StaleCase(c.id, reason) for c in results.cases if c.note and "stale" in c.note]


async def find_all_stale(
    cases: list[EvalCase],
    recordings: dict[str, Recording],
    renderer: PromptRenderer,
    config: EvalConfig,
) -> list[StaleCase]:
    """:func:`find_stale`, then :func:`find_stale_repairs` over the cases it let through."""
    found = find_stale(cases, recordings, renderer)
    listed = {entry.case for entry in found}
    fresh = [case for case in cases if case.id not in listed]
    return found + await find_stale_repairs(fresh, recordings, config)
