"""Compare two eval runs case by case: per-scorer deltas, regressions, improvements, and
McNemar's exact test on the paired pass/fail outcomes of the final replies.

McNemar's test looks only at the discordant pairs: ``b`` cases that passed in A and fail in B
(regressions) and ``c`` cases that failed in A and pass in B (improvements). Under the null
hypothesis that the change made no difference, each discordant case is equally likely to go
either way, so ``b`` is Binomial(b + c, 1/2); the two-sided exact p-value is twice the smaller
tail, capped at 1. It is computed with integers, so it stays exact for any number of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb

from drafter.evals.results import CaseResult, RunResults

__all__ = ["Comparison", "ScorerDelta", "compare_runs", "mcnemar_exact"]


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
class ScorerDelta:
    scorer: str
    hard: bool
    paired: int
    pass_rate_a: float
    pass_rate_b: float
    mean_a: float
    mean_b: float
    regressed: tuple[str, ...]
    improved: tuple[str, ...]

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.regressed), len(self.improved))

    @property
    def pass_delta(self) -> float:
        return self.pass_rate_b - self.pass_rate_a

    @property
    def mean_delta(self) -> float:
        return self.mean_b - self.mean_a


@dataclass(frozen=True)
class Comparison:
    paired: tuple[str, ...]
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    scorers: tuple[ScorerDelta, ...]
    compliance: ScorerDelta

    @property
    def regressed_cases(self) -> tuple[str, ...]:
        """Cases where any scorer went from pass to fail."""
        return tuple(sorted({c for s in self.scorers for c in s.regressed}))

    @property
    def improved_cases(self) -> tuple[str, ...]:
        return tuple(sorted({c for s in self.scorers for c in s.improved}))


def _delta(name: str, hard: bool, pairs: list[tuple[CaseResult, CaseResult]]) -> ScorerDelta:
    """Paired pass/fail for one scorer, over the cases where it applied in both runs."""
    outcomes = []
    for a, b in pairs:
        score_a, score_b = a.final.score(name), b.final.score(name)
        if score_a and score_b and score_a.applicable and score_b.applicable:
            outcomes.append((a.id, score_a.passed, score_b.passed, score_a.value, score_b.value))
    return _from_outcomes(name, hard, outcomes)


def _from_outcomes(
    name: str, hard: bool, outcomes: list[tuple[str, bool, bool, float, float]]
) -> ScorerDelta:
    count = len(outcomes) or 1
    return ScorerDelta(
        scorer=name,
        hard=hard,
        paired=len(outcomes),
        pass_rate_a=sum(o[1] for o in outcomes) / count,
        pass_rate_b=sum(o[2] for o in outcomes) / count,
        mean_a=sum(o[3] for o in outcomes) / count,
        mean_b=sum(o[4] for o in outcomes) / count,
        regressed=tuple(o[0] for o in outcomes if o[1] and not o[2]),
        improved=tuple(o[0] for o in outcomes if not o[1] and o[2]),
    )


def _compliance(pairs: list[tuple[CaseResult, CaseResult]]) -> ScorerDelta:
    outcomes = [
        (
            a.id,
            a.final.compliant,
            b.final.compliant,
            float(a.final.compliant),
            float(b.final.compliant),
        )
        for a, b in pairs
    ]
    return _from_outcomes("compliant", True, outcomes)


def compare_runs(a: RunResults, b: RunResults) -> Comparison:
    """Pair ``a`` and ``b`` by case id and compare every scorer both runs have."""
    cases_a = {case.id: case for case in a.cases}
    cases_b = {case.id: case for case in b.cases}
    paired = sorted(cases_a.keys() & cases_b.keys())
    pairs = [(cases_a[i], cases_b[i]) for i in paired]
    hard = {s.scorer: s.hard for s in a.summary.scorers}
    names = [
        s.scorer for s in a.summary.scorers if s.scorer in {t.scorer for t in b.summary.scorers}
    ]
    return Comparison(
        paired=tuple(paired),
        only_a=tuple(sorted(cases_a.keys() - cases_b.keys())),
        only_b=tuple(sorted(cases_b.keys() - cases_a.keys())),
        scorers=tuple(_delta(name, hard[name], pairs) for name in names),
        compliance=_compliance(pairs),
    )
