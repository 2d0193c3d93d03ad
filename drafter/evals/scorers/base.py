"""What a scorer reads (``Target``), what it returns (``Score``), and how one is declared.

A scorer is a small named function from a ``Target`` to an ``Outcome``: a value, whether it
passed, and a reason a person can check. ``Scorer`` wraps the function with its name, family
and the reference-set flaws it is meant to catch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from drafter.evals.cases import ReplyExpect
from drafter.evals.config import Thresholds
from drafter.evals.scorers.facts import CaseFacts
from drafter.evals.text import Reply
from drafter.schemas import ComplianceReport, Decision, Request, Verdict

__all__ = ["Family", "Outcome", "Score", "Scorer", "Target", "not_applicable", "quoted"]

Family = Literal["compliance", "expectations", "tone", "judge"]


class Score(BaseModel):
    """One scorer's judgement of one reply. ``value`` is in [0, 1], higher is better."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scorer: str
    family: Family
    hard: bool
    value: float
    passed: bool
    applicable: bool
    reason: str
    unparsed: bool = Field(
        False, description="An LLM judge's answer that could not be read: neither pass nor fail."
    )


@dataclass(frozen=True)
class Outcome:
    value: float
    passed: bool
    reason: str
    applicable: bool = True


def not_applicable(reason: str) -> Outcome:
    """An outcome for a reply the scorer has nothing to say about; it passes."""
    return Outcome(value=1.0, passed=True, reason=f"n/a: {reason}", applicable=False)


@dataclass(frozen=True)
class Target:
    """A reply to score, with everything the scorers may read about it.

    ``shared`` carries the case's facts when several replies of one case are scored;
    ``guard_report`` is the guard's report on this reply when the pipeline already made it.
    """

    body: str
    subject: str | None
    request: Request
    verdict: Verdict
    expect: ReplyExpect
    thresholds: Thresholds
    shared: CaseFacts | None = None
    guard_report: ComplianceReport | None = None

    @cached_property
    def reply(self) -> Reply:
        return Reply(self.body)

    @cached_property
    def facts(self) -> CaseFacts:
        return self.shared or CaseFacts(request=self.request, verdict=self.verdict)

    @property
    def language(self) -> str:
        return self.request.locale.split("-")[0]

    @property
    def channel(self) -> str:
        return self.request.channel.value

    @property
    def decision(self) -> Decision:
        return self.verdict.decision


@dataclass(frozen=True)
class Scorer:
    """A named scorer. ``hard`` scorers make a reply non-compliant when they fail.

    ``targets`` are the reference-set flaws this scorer must catch (tests/evals checks that
    it separates exemplary replies from the ones with those flaws).
    """

    name: str
    family: Family
    hard: bool
    targets: tuple[str, ...]
    description: str
    function: Callable[[Target], Outcome]

    def __call__(self, target: Target) -> Score:
        outcome = self.function(target)
        return Score(
            scorer=self.name,
            family=self.family,
            hard=self.hard,
            value=round(min(max(outcome.value, 0.0), 1.0), 3),
            passed=outcome.passed,
            applicable=outcome.applicable,
            reason=outcome.reason,
        )


def quoted(found: list[str], limit: int = 3) -> str:
    """Matches for a reason: "'a', 'b' and 2 more"."""
    shown = ", ".join(f"'{text.strip()}'" for text in found[:limit])
    more = len(found) - limit
    return shown + (f" and {more} more" if more > 0 else "")
