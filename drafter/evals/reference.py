"""The reference set: labelled replies that show whether each tone scorer can tell good from
bad on the flaw it targets.

``evals/reference/good.yaml`` holds exemplary replies; ``bad.yaml`` replies that are bad in
exactly one named way. Each reply answers one eval case, so scorers see the same request and
verdict a real draft would. A tone scorer's accuracy is measured on the good replies (it should
pass them) and on the bad replies with a flaw it targets (it should fail them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from drafter.evals.cases import CaseFileError, EvalCase
from drafter.evals.config import EvalConfig
from drafter.evals.scorers import SCORERS, TONE_SCORERS, Score, Scorer, Target, score_all
from drafter.evals.scorers.facts import CaseFacts

__all__ = [
    "FLAWS",
    "ReferenceReply",
    "ScorerAccuracy",
    "accuracy",
    "load_reference",
    "score_reference",
]

# Every flaw some tone scorer targets.
FLAWS: tuple[str, ...] = tuple(sorted({flaw for s in TONE_SCORERS for flaw in s.targets}))


class ReferenceReply(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    case: str
    label: Literal["good", "bad"]
    flaw: str | None = None
    subject: str | None = None
    body: str = Field(min_length=1)

    @model_validator(mode="after")
    def _flaw_matches_label(self) -> ReferenceReply:
        if self.label == "bad" and self.flaw not in FLAWS:
            raise ValueError(f"flaw: a bad reply names one of {list(FLAWS)}")
        if self.label == "good" and self.flaw is not None:
            raise ValueError("flaw: a good reply has no flaw")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    replies: list[dict[str, object]] = Field(min_length=1)


@dataclass(frozen=True)
class Scored:
    reply: ReferenceReply
    scores: dict[str, Score]


@dataclass(frozen=True)
class ScorerAccuracy:
    """How one tone scorer does on the reference set."""

    scorer: str
    targets: tuple[str, ...]
    good_passed: int
    good_total: int
    bad_failed: int
    bad_total: int
    misjudged: tuple[str, ...]

    @property
    def accuracy(self) -> float:
        total = self.good_total + self.bad_total
        return (self.good_passed + self.bad_failed) / total if total else 0.0

    @property
    def separated(self) -> bool:
        """Every good reply passes and every targeted bad reply fails."""
        return not self.misjudged and self.bad_total > 0


def load_reference(directory: Path) -> list[ReferenceReply]:
    """The replies of ``good.yaml`` and ``bad.yaml``, labelled by file.

    Raises:
        CaseFileError: a file is unreadable or malformed, or two replies share an id.
    """
    replies: list[ReferenceReply] = []
    for label in ("good", "bad"):
        replies += _load_file(directory / f"{label}.yaml", label)
    ids = [reply.id for reply in replies]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CaseFileError(f"duplicate reference ids {duplicates}", file=str(directory))
    return replies


def _load_file(path: Path, label: str) -> list[ReferenceReply]:
    try:
        spec = _File.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        return [ReferenceReply.model_validate({**raw, "label": label}) for raw in spec.replies]
    except OSError as error:
        raise CaseFileError(f"cannot read: {error.strerror}", file=str(path)) from None
    except yaml.YAMLError as error:
        raise CaseFileError(f"invalid YAML: {error}", file=str(path)) from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(step) for step in first["loc"])
        raise CaseFileError(f"{where}: {first['msg']}", file=str(path)) from None


def score_reference(
    replies: list[ReferenceReply], cases: list[EvalCase], config: EvalConfig
) -> list[Scored]:
    """Score every reference reply against its case with every scorer.

    Raises:
        CaseFileError: a reply names a case that does not exist.
    """
    by_id = {case.id: case for case in cases}
    facts = {case.id: CaseFacts(request=case.request, verdict=case.verdict) for case in cases}
    scored = []
    for reply in replies:
        case = by_id.get(reply.case)
        if case is None:
            raise CaseFileError(f"reply '{reply.id}' names unknown case '{reply.case}'", file="")
        target = Target(
            body=reply.body,
            subject=reply.subject,
            request=case.request,
            verdict=case.verdict,
            expect=case.reply,
            thresholds=config.thresholds(case.language, case.request.channel.value).overridden(
                case.reply.tone
            ),
            shared=facts[case.id],
        )
        scores = {score.scorer: score for score in score_all(target, SCORERS)}
        scored.append(Scored(reply=reply, scores=scores))
    return scored


def accuracy(
    scored: list[Scored], scorers: tuple[Scorer, ...] = TONE_SCORERS
) -> list[ScorerAccuracy]:
    """Each tone scorer's accuracy: good replies passed plus targeted bad replies failed."""
    return [_accuracy_of(scorer, scored) for scorer in scorers]


def _accuracy_of(scorer: Scorer, scored: list[Scored]) -> ScorerAccuracy:
    good = [s for s in scored if s.reply.label == "good"]
    bad = [s for s in scored if s.reply.label == "bad" and s.reply.flaw in scorer.targets]
    good_passed = [s for s in good if s.scores[scorer.name].passed]
    bad_failed = [s for s in bad if not s.scores[scorer.name].passed]
    misjudged = [s.reply.id for s in good if s not in good_passed]
    misjudged += [s.reply.id for s in bad if s not in bad_failed]
    return ScorerAccuracy(
        scorer=scorer.name,
        targets=scorer.targets,
        good_passed=len(good_passed),
        good_total=len(good),
        bad_failed=len(bad_failed),
        bad_total=len(bad),
        misjudged=tuple(misjudged),
    )
