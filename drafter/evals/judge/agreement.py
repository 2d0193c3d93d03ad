"""How far the judge agrees with the reference set's labels, rubric by rubric.

Each rubric is asked about the good reference replies (the right answer is "yes") and the bad
ones with a flaw it targets ("no"), as the tone scorers are measured. Agreement is the share of
answers that match the label, and Cohen's kappa corrects it for the agreement two raters would
reach by chance with the same yes rates: a judge that always says "yes" agrees on every good
reply and still has kappa 0. Unparsed answers and prompts with no recorded answer are counted
apart, never as agreement or disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.evals.cases import EvalCase
from drafter.evals.evidence import verdict_view
from drafter.evals.judge.rubrics import JudgedReply, Rubric
from drafter.evals.reference import ReferenceReply
from drafter.evals.scorers import Score

__all__ = ["RubricAgreement", "agreement", "asked_of", "cohen_kappa", "reference_reply"]


def cohen_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of (label, judge) pairs; None when chance agreement is 1 (both raters
    gave one answer throughout), where kappa is undefined."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    label_yes = sum(a for a, _ in pairs) / n
    judge_yes = sum(b for _, b in pairs) / n
    chance = label_yes * judge_yes + (1 - label_yes) * (1 - judge_yes)
    return None if chance == 1 else (observed - chance) / (1 - chance)


@dataclass(frozen=True)
class RubricAgreement:
    rubric: str
    targets: tuple[str, ...]
    good_yes: int
    good_judged: int
    bad_no: int
    bad_judged: int
    unparsed: int
    not_judged: int
    kappa: float | None
    disagreed: tuple[str, ...]

    @property
    def judged(self) -> int:
        return self.good_judged + self.bad_judged

    @property
    def accuracy(self) -> float | None:
        return (self.good_yes + self.bad_no) / self.judged if self.judged else None


def asked_of(rubric: Rubric, reply: ReferenceReply) -> bool:
    """Whether ``rubric`` is asked about ``reply``: every good reply, and the bad ones with a
    flaw it targets."""
    return reply.label == "good" or reply.flaw in rubric.targets


def reference_reply(reply: ReferenceReply, case: EvalCase) -> JudgedReply:
    return JudgedReply(
        kind="reference",
        language=case.language,
        channel=case.request.channel.value,
        decision=case.verdict.decision.value,
        message=case.request.message,
        verdict=verdict_view(case.verdict),
        subject=reply.subject,
        body=reply.body,
    )


def agreement(rubric: Rubric, judged: list[tuple[ReferenceReply, Score]]) -> RubricAgreement:
    """``rubric``'s agreement with the labels over ``judged`` (each reply and its score)."""
    answered = [(reply, score) for reply, score in judged if score.applicable]
    good = [(r, s) for r, s in answered if r.label == "good"]
    bad = [(r, s) for r, s in answered if r.label == "bad"]
    return RubricAgreement(
        rubric=rubric.name,
        targets=rubric.targets,
        good_yes=sum(s.passed for _, s in good),
        good_judged=len(good),
        bad_no=sum(not s.passed for _, s in bad),
        bad_judged=len(bad),
        unparsed=sum(s.unparsed for _, s in judged),
        not_judged=sum(not s.applicable and not s.unparsed for _, s in judged),
        kappa=cohen_kappa([(r.label == "good", s.passed) for r, s in answered]),
        disagreed=tuple(r.id for r, s in answered if (r.label == "good") != s.passed),
    )
