"""Compare two eval runs case by case, on raw drafts as well as final replies.

A final reply hides what the model did: when the guard catches a bad draft, the templated
fallback takes over and the final reply is compliant whatever the model wrote. So the
comparison pairs both replies of every case: compliance and every scorer on the raw drafts
and on the final replies, how often a repair fixed the draft, how often the pipeline fell
back, and the tokens and latency the model calls cost.

Every paired rate gets McNemar's exact test, which looks only at the discordant pairs:
``b`` cases that got worse from A to B (regressions) and ``c`` cases that got better
(improvements). Under the null hypothesis that the change made no difference, each discordant
case is equally likely to go either way, so ``b`` is Binomial(b + c, 1/2); the two-sided exact
p-value is twice the smaller tail, capped at 1. It is computed with integers, so it stays
exact for any number of cases. Tokens and latency get the same test on the cases that cost
more against those that cost less (the exact sign test).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb
from statistics import fmean
from typing import Literal

from drafter.evals.results import CaseResult, ReplyResult, RunResults

__all__ = [
    "Comparison",
    "CostDelta",
    "RateDelta",
    "Reply",
    "compare_runs",
    "mcnemar_exact",
]

Reply = Literal["raw", "final"]
# Rates of what the pipeline did to a case, not scores of a reply.
_PIPELINE_EVENTS = ("repair_success", "fallback")
_PIPELINE = ("compliant", *_PIPELINE_EVENTS)
# One paired outcome: case id, good in A, good in B, value in A, value in B.
_Outcome = tuple[str, bool, bool, float, float]


def mcnemar_exact(regressed: int, improved: int) -> float:
    """Two-sided exact McNemar p-value for ``regressed`` (b) and ``improved`` (c) pairs."""
    if regressed < 0 or improved < 0:
        raise ValueError("counts must not be negative")
    n = regressed + improved
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(regressed, improved) + 1))
    return float(min(Fraction(1), Fraction(2 * tail, 2**n)))


@dataclass(frozen=True)
class RateDelta:
    """One paired rate: a scorer's pass rate, compliance, how often a repair fixed the draft,
    or how often the pipeline fell back (``lower_is_better``: that rate counts a bad outcome)."""

    metric: str
    reply: Reply
    hard: bool
    paired: int
    rate_a: float
    rate_b: float
    mean_a: float
    mean_b: float
    regressed: tuple[str, ...]
    improved: tuple[str, ...]
    lower_is_better: bool = False

    @property
    def label(self) -> str:
        if self.metric in _PIPELINE_EVENTS:
            return f"{self.metric} rate"
        return f"{self.metric} ({'raw drafts' if self.reply == 'raw' else 'final replies'})"

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.regressed), len(self.improved))

    @property
    def delta(self) -> float:
        return self.rate_b - self.rate_a

    @property
    def mean_delta(self) -> float:
        return self.mean_b - self.mean_a


@dataclass(frozen=True)
class CostDelta:
    """Tokens or latency per case, over the cases whose calls reported it in both runs."""

    metric: Literal["prompt_tokens", "completion_tokens", "latency_ms"]
    paired: int
    mean_a: float
    mean_b: float
    rose: tuple[str, ...]
    fell: tuple[str, ...]

    @property
    def p_value(self) -> float:
        """The exact sign test: McNemar's test on the cases that cost more or less."""
        return mcnemar_exact(len(self.rose), len(self.fell))

    @property
    def relative(self) -> float:
        """The change of the mean as a share of A's (0 when A's mean is 0)."""
        return (self.mean_b - self.mean_a) / self.mean_a if self.mean_a else 0.0


@dataclass(frozen=True)
class Comparison:
    paired: tuple[str, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    rates: tuple[RateDelta, ...]
    costs: tuple[CostDelta, ...]

    def rate(self, metric: str, reply: Reply) -> RateDelta | None:
        return next((r for r in self.rates if r.metric == metric and r.reply == reply), None)

    @property
    def compliance(self) -> RateDelta:
        found = self.rate("compliant", "final")
        assert found is not None  # compare_runs always adds it
        return found

    @property
    def scorers(self) -> tuple[RateDelta, ...]:
        """The scorers on the final replies (compliance and pipeline rates left out)."""
        return tuple(r for r in self.rates if r.reply == "final" and r.metric not in _PIPELINE)

    @property
    def regressed_cases(self) -> tuple[str, ...]:
        """Cases that got worse in any paired rate, on the raw draft or the final reply."""
        return tuple(sorted({c for r in self.rates for c in r.regressed}))

    @property
    def improved_cases(self) -> tuple[str, ...]:
        return tuple(sorted({c for r in self.rates for c in r.improved}))


def _rate(
    metric: str, reply: Reply, hard: bool, outcomes: list[_Outcome], *, lower: bool = False
) -> RateDelta:
    """``outcomes`` say whether each case was good; the rate shown is of the counted outcome
    (passes, or repairs and fallbacks when ``lower``)."""
    count = len(outcomes) or 1
    counted_a = sum(o[1] != lower for o in outcomes)
    counted_b = sum(o[2] != lower for o in outcomes)
    return RateDelta(
        metric=metric,
        reply=reply,
        hard=hard,
        paired=len(outcomes),
        rate_a=counted_a / count,
        rate_b=counted_b / count,
        mean_a=sum(o[3] for o in outcomes) / count,
        mean_b=sum(o[4] for o in outcomes) / count,
        regressed=tuple(o[0] for o in outcomes if o[1] and not o[2]),
        improved=tuple(o[0] for o in outcomes if not o[1] and o[2]),
        lower_is_better=lower,
    )


Pairs = list[tuple[CaseResult, CaseResult]]


def _replies(pairs: Pairs, reply: Reply) -> list[tuple[str, ReplyResult, ReplyResult]]:
    """The paired replies of one kind; a raw pair needs a model draft in both runs."""
    if reply == "final":
        return [(a.id, a.final, b.final) for a, b in pairs]
    return [(a.id, a.raw, b.raw) for a, b in pairs if a.raw is not None and b.raw is not None]


def _scorer(name: str, hard: bool, reply: Reply, pairs: Pairs) -> RateDelta:
    """Paired pass/fail for one scorer, over the cases where it applied in both runs."""
    outcomes = []
    for case_id, a, b in _replies(pairs, reply):
        score_a, score_b = a.score(name), b.score(name)
        if score_a and score_b and score_a.applicable and score_b.applicable:
            outcomes.append((case_id, score_a.passed, score_b.passed, score_a.value, score_b.value))
    return _rate(name, reply, hard, outcomes)


def _compliance(reply: Reply, pairs: Pairs) -> RateDelta:
    outcomes = [
        (case_id, a.compliant, b.compliant, float(a.compliant), float(b.compliant))
        for case_id, a, b in _replies(pairs, reply)
    ]
    return _rate("compliant", reply, True, outcomes)


def _fallbacks(pairs: Pairs) -> RateDelta:
    """How often the pipeline fell back to the templated reply, over every paired case."""
    outcomes = [
        (a.id, not a.fallback, not b.fallback, float(a.fallback), float(b.fallback))
        for a, b in pairs
    ]
    return _rate("fallback", "final", False, outcomes, lower=True)


def _repairs(pairs: Pairs) -> RateDelta:
    """How often the repair fixed the draft, over the cases where both runs asked for one:
    a rate of all cases would count a case that went from fallback to repaired as worse."""
    outcomes = [
        (a.id, a.repaired, b.repaired, float(a.repaired), float(b.repaired))
        for a, b in pairs
        if a.repair is not None and b.repair is not None
    ]
    return _rate("repair_success", "final", False, outcomes)


def _cost(
    metric: Literal["prompt_tokens", "completion_tokens", "latency_ms"], pairs: Pairs
) -> CostDelta:
    values = []
    for a, b in pairs:
        va = getattr(a.usage, metric) if a.usage else None
        vb = getattr(b.usage, metric) if b.usage else None
        if va is not None and vb is not None:
            values.append((a.id, float(va), float(vb)))
    return CostDelta(
        metric=metric,
        paired=len(values),
        mean_a=fmean(v[1] for v in values) if values else 0.0,
        mean_b=fmean(v[2] for v in values) if values else 0.0,
        rose=tuple(v[0] for v in values if v[2] > v[1]),
        fell=tuple(v[0] for v in values if v[2] < v[1]),
    )


def compare_runs(a: RunResults, b: RunResults) -> Comparison:
    """Pair ``a`` and ``b`` by case id and compare, on raw drafts and final replies alike,
    compliance and every scorer both runs have, then repairs, fallbacks, tokens and latency."""
    cases_a = {case.id: case for case in a.cases}
    cases_b = {case.id: case for case in b.cases}
    paired = sorted(cases_a.keys() & cases_b.keys())
    pairs = [(cases_a[i], cases_b[i]) for i in paired]
    in_b = {s.scorer for s in b.summary.scorers}
    scorers = [(s.scorer, s.hard) for s in a.summary.scorers if s.scorer in in_b]
    rates = [
        _compliance("final", pairs),
        _compliance("raw", pairs),
        _repairs(pairs),
        _fallbacks(pairs),
    ]
    for reply in ("final", "raw"):
        rates += [_scorer(name, hard, reply, pairs) for name, hard in scorers]
    return Comparison(
        paired=tuple(paired),
        only_a=tuple(sorted(cases_a.keys() - cases_b.keys())),
        only_b=tuple(sorted(cases_b.keys() - cases_a.keys())),
        rates=tuple(rates),
        costs=tuple(_cost(m, pairs) for m in ("prompt_tokens", "completion_tokens", "latency_ms")),
    )
