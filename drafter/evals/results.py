"""The results of one eval run, as written to ``results.json`` and read back by ``compare``.

For every case the run keeps two replies: ``raw`` (the model's first draft, before the guard
touched it) and ``final`` (what an agent would see, after guard, repair and fallback), each
with every scorer's value and reason. A reply is *compliant* when every hard scorer passed.
Beside them it keeps what a reader needs to judge the case (the customer's message, the
verdict, the rendered prompt) and what the model calls cost (tokens and latency as recorded).
Schema 1 files (without these) still load.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path
from statistics import fmean
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.errors import UserError
from drafter.evals.scorers import Score

__all__ = [
    "SCHEMA_VERSION",
    "CaseResult",
    "PromptMessage",
    "ReplyResult",
    "ResultsError",
    "RunInfo",
    "RunResults",
    "ScorerSummary",
    "Summary",
    "Usage",
    "VerdictView",
    "load_results",
    "summarize",
]

SCHEMA_VERSION = 2
_READABLE = (1, 2)  # schema 2 only added fields with defaults


class ResultsError(UserError):
    """A results file is missing, unreadable or not a drafter eval run."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReplyResult(_Model):
    subject: str | None
    body: str
    scores: list[Score]

    @property
    def compliant(self) -> bool:
        return all(score.passed for score in self.scores if score.hard)

    def score(self, scorer: str) -> Score | None:
        return next((s for s in self.scores if s.scorer == scorer), None)

    @property
    def failing(self) -> list[str]:
        return [score.scorer for score in self.scores if not score.passed]


class Usage(_Model):
    """The model calls behind one case's reply, as the endpoint reported them when they were
    made (replay reports the recorded figures, not the replay's own speed)."""

    calls: int
    prompt_tokens: int | None
    completion_tokens: int | None
    latency_ms: float | None


class VerdictView(_Model):
    """What the verdict told the reply to do, as a person reviewing the run reads it."""

    decision: str
    policy_version: str
    policy_sha256: str
    refund: str | None
    offers: list[str]
    must_say: list[str]
    must_not_say: list[str]


class PromptMessage(_Model):
    role: str
    content: str


class CaseResult(_Model):
    id: str
    title: str
    policy: str
    situations: list[str]
    language: str
    channel: str
    decision: str
    raw: ReplyResult | None = Field(description="The model's first draft; None without one.")
    final: ReplyResult
    fallback: bool
    repaired: bool
    llm_calls: int
    prompt_sha256: str
    recording: str | None = None
    note: str | None = Field(None, description="Why a case has no raw draft, for instance.")
    message: str = Field("", description="The customer's message (untrusted text).")
    verdict: VerdictView | None = None
    prompt: list[PromptMessage] = Field(
        default_factory=list, description="The first prompt sent, canary masked; [] without."
    )
    usage: Usage | None = Field(None, description="None when no model was called.")
    repair: str | None = Field(
        None,
        description="The repair call's answer as the customer would read it (markers "
        "expanded; runs kept before they were: as written); None: no repair was asked for.",
    )
    repair_source: str | None = Field(
        None, description="The repair call's answer as the model wrote it, markers and all."
    )


class RunInfo(_Model):
    mode: Literal["replay", "record", "template"]
    recording_set: str | None
    provenance: dict[str, str] = Field(default_factory=dict)
    template_version: str
    started_at: dt.datetime
    duration_s: float
    cases: int
    unrecorded: list[str] = Field(
        default_factory=list, description="Replay: cases skipped for having no recording."
    )


class ScorerSummary(_Model):
    scorer: str
    family: str
    hard: bool
    raw_passed: int
    raw_applicable: int
    final_passed: int
    final_applicable: int
    final_mean: float
    unparsed: int = Field(0, description="Judge answers that could not be read, raw and final.")


class Summary(_Model):
    cases: int
    raw_drafts: int
    raw_compliant: int
    final_compliant: int
    fallbacks: int
    repairs: int
    scorers: list[ScorerSummary]


class RunResults(_Model):
    schema_version: int = SCHEMA_VERSION
    run: RunInfo
    summary: Summary
    cases: list[CaseResult]

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _scorer_summary(name: str, cases: list[CaseResult]) -> ScorerSummary:
    raw = [s for c in cases if c.raw for s in [c.raw.score(name)] if s and s.applicable]
    final = [s for c in cases for s in [c.final.score(name)] if s and s.applicable]
    first = next(s for c in cases for s in [c.final.score(name)] if s)
    return ScorerSummary(
        scorer=name,
        family=first.family,
        hard=first.hard,
        raw_passed=sum(s.passed for s in raw),
        raw_applicable=len(raw),
        final_passed=sum(s.passed for s in final),
        final_applicable=len(final),
        final_mean=round(fmean(s.value for s in final), 3) if final else 1.0,
        unparsed=sum(
            score.unparsed
            for case in cases
            for reply in (case.raw, case.final)
            if reply is not None
            for score in [reply.score(name)]
            if score is not None
        ),
    )


def summarize(cases: list[CaseResult]) -> Summary:
    """Counts over a run: compliance of raw drafts and final replies, and per-scorer passes."""
    names = [s.scorer for s in cases[0].final.scores] if cases else []
    return Summary(
        cases=len(cases),
        raw_drafts=sum(1 for c in cases if c.raw is not None),
        raw_compliant=sum(1 for c in cases if c.raw is not None and c.raw.compliant),
        final_compliant=sum(1 for c in cases if c.final.compliant),
        fallbacks=sum(c.fallback for c in cases),
        repairs=sum(c.repaired for c in cases),
        scorers=[_scorer_summary(name, cases) for name in names],
    )


def load_results(path: Path) -> RunResults:
    """Read a ``results.json`` (or a gzipped one, as the run history keeps them).

    Raises:
        ResultsError: the file is missing, not JSON, or not a drafter eval run.
    """
    try:
        raw = path.read_bytes()
        data = json.loads(gzip.decompress(raw) if path.suffix == ".gz" else raw)
    except OSError as error:
        raise ResultsError(f"{path}: {error.strerror or error}") from None
    except ValueError as error:
        raise ResultsError(f"{path}: not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("schema_version") not in _READABLE:
        raise ResultsError(f"{path}: not a drafter eval results file (schema {SCHEMA_VERSION})")
    try:
        return RunResults.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise ResultsError(f"{path}: {where}: {first['msg']}") from None
