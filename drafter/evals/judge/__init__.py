"""An optional LLM judge for the evals: rubrics in ``evals/rubrics/``, asked of each reply by
any OpenAI-compatible endpoint, its answers recorded and replayed like the drafts.

Off by default: a run without ``--judge`` never loads any of this. In the order it flows::

    session = open_session(config, "my-judge", settings=Settings(), record=spec)  # or replay
    results = await judge_run(session, results, "my-judge")       # judge:<rubric> scorers
    rows = await judge_reference(session, replies, cases)          # agreement with the labels
    stale = await find_stale_judge(config, "my-judge", cases, ...)  # what to record again
"""

from __future__ import annotations

from pathlib import Path

from drafter.evals.cases import EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.judge.agreement import (
    RubricAgreement,
    asked_of,
    cohen_kappa,
    reference_reply,
)
from drafter.evals.judge.answers import Answer, Unparsed, parse_answer
from drafter.evals.judge.client import Judge, LiveJudge, ReplayJudge
from drafter.evals.judge.judging import JudgeSession, judge_reference, judge_run, judged_replies
from drafter.evals.judge.recordings import JudgeRecording, load_judgements
from drafter.evals.judge.rubrics import JudgePrompt, Rubric, RubricSet, load_rubrics
from drafter.evals.judge.stale import StaleJudgement, find_stale_judgements
from drafter.evals.recordings import Recording
from drafter.evals.reference import FLAWS, ReferenceReply
from drafter.evals.runner import RecordSpec, run_eval
from drafter.settings import Settings

__all__ = [
    "Answer",
    "Judge",
    "JudgePrompt",
    "JudgeRecording",
    "JudgeSession",
    "LiveJudge",
    "ReplayJudge",
    "Rubric",
    "RubricAgreement",
    "RubricSet",
    "StaleJudgement",
    "Unparsed",
    "cohen_kappa",
    "find_stale_judge",
    "judge_directory",
    "judge_reference",
    "judge_run",
    "open_session",
    "parse_answer",
]


def judge_directory(config: EvalConfig, name: str) -> Path:
    """A judge set by name (under the config's judgements directory) or by path."""
    return Path(name) if "/" in name else config.judgements_dir / name


def open_session(
    config: EvalConfig, name: str, *, settings: Settings, record: RecordSpec | None = None
) -> JudgeSession:
    """The judge set ``name``: replayed, or recorded from the configured endpoint when
    ``record`` says how to label what it writes.

    Raises:
        ConfigError: a rubric is malformed, or recording without a judge endpoint.
        RecordingError: a recording of the set is malformed.
    """
    rubrics = load_rubrics(config.rubrics_dir, FLAWS)
    directory = judge_directory(config, name)
    judge: Judge = LiveJudge(settings) if record else ReplayJudge(load_judgements(directory))
    return JudgeSession(rubrics=rubrics, judge=judge, directory=directory, record=record)


async def find_stale_judge(
    config: EvalConfig,
    name: str,
    *,
    cases: list[EvalCase],
    drafts: tuple[str, dict[str, Recording]],
    reference: list[ReferenceReply],
    model: str | None,
) -> list[StaleJudgement]:
    """The stale judge recordings of set ``name``: for the replies of the recording set
    ``drafts`` (name and recordings, replayed here offline) and for the ``reference`` replies.

    Raises:
        ConfigError: a rubric is malformed.
        RecordingError: a recording is malformed.
    """
    rubrics = load_rubrics(config.rubrics_dir, FLAWS)
    group, recordings = drafts
    results = await run_eval(
        cases, config=config, settings=Settings(), mode="replay", recordings=recordings
    )
    expected = {
        (group, case.id): [
            rubrics.render(r, reply) for reply in judged_replies(case) for r in rubrics.rubrics
        ]
        for case in results.cases
    }
    by_id = {case.id: case for case in cases}
    for reply in reference:
        seen = reference_reply(reply, by_id[reply.case])
        asked = [r for r in rubrics.rubrics if asked_of(r, reply)]
        expected["reference", reply.id] = [rubrics.render(r, seen) for r in asked]
    recorded = load_judgements(judge_directory(config, name))
    return find_stale_judgements(expected, recorded, model=model, groups={group, "reference"})
