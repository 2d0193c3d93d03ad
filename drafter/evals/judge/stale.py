"""Which judge recordings no longer match what the judge would now be asked.

A judge answer is recorded under the hash of its prompt, which holds the rubric's text and the
reply judged. It is stale when the rubric changed, the reply changed (a new draft, a changed
template), or the judge model is no longer the one configured (``DRAFTER_JUDGE_MODEL``); each
stale entry says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.evals.judge.recordings import JudgeRecording
from drafter.evals.judge.rubrics import JudgePrompt

__all__ = ["StaleJudgement", "find_stale_judgements"]


@dataclass(frozen=True)
class StaleJudgement:
    group: str
    subject: str
    rubric: str
    reply: str
    reason: str


def _reason(prompt: JudgePrompt, recording: JudgeRecording) -> str:
    rubric, reply = prompt.rubric, prompt.reply
    # A final reply that is the raw draft was asked about once, as the raw one.
    asked = [c for c in recording.calls if c.rubric == rubric.name]
    old = next((c for c in asked if c.reply == reply.kind), asked[0] if asked else None)
    if old is None:
        return "never asked"
    if old.rubric_sha256 != rubric.sha256:
        return "the rubric changed since it was recorded"
    if old.reply_sha256 != reply.sha256:
        return f"the {reply.kind} reply changed since it was judged"
    return "the prompt changed (the case's facts) since it was recorded"


def find_stale_judgements(
    expected: dict[tuple[str, str], list[JudgePrompt]],
    recordings: dict[tuple[str, str], JudgeRecording],
    *,
    model: str | None,
    groups: set[str],
) -> list[StaleJudgement]:
    """The stale entries among ``expected`` prompts by (group, subject), then recordings of
    ``groups`` for subjects no longer expected. ``model``: the configured judge model, if any."""
    found = []
    for (group, subject), prompts in expected.items():
        recording = recordings.get((group, subject))
        if recording is None:
            found.append(StaleJudgement(group, subject, "*", "*", "never judged"))
            continue
        if model is not None and recording.params.model != model:
            reason = f"judged by {recording.params.model}, the judge is now {model}"
            found.append(StaleJudgement(group, subject, "*", "*", reason))
            continue
        known = {call.prompt_sha256 for call in recording.calls}
        for prompt in prompts:
            if prompt.sha256 not in known:
                reason = _reason(prompt, recording)
                found.append(
                    StaleJudgement(group, subject, prompt.rubric.name, prompt.reply.kind, reason)
                )
    gone = sorted(key for key in recordings if key[0] in groups and key not in expected)
    found += [
        StaleJudgement(g, s, "*", "*", "recorded for a subject that is gone") for g, s in gone
    ]
    return found
