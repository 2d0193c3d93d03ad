"""Which changes between two runs are regressions, by the rules in ``evals/config.yaml``.

- Compliance (raw drafts, final replies, each hard scorer): more than ``hard_lost_max`` cases
  that lost it, or a loss with McNemar p below ``alpha``.
- Any other paired rate (a soft scorer, repair success, fallbacks): a net loss with
  McNemar p below ``alpha``.
- Tokens and latency: a mean that rose by more than its allowed share, with the exact sign
  test's p below ``alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.evals.compare import Comparison, CostDelta, RateDelta
from drafter.evals.config import RegressionRules

__all__ = ["Regression", "regressions"]


@dataclass(frozen=True)
class Regression:
    """One metric that got worse, why it counts, and the cases that got worse in it."""

    metric: str
    reason: str
    cases: tuple[str, ...]


def _rate_text(delta: RateDelta) -> str:
    return f"{100 * delta.rate_a:.0f}% -> {100 * delta.rate_b:.0f}%"


def _rate(delta: RateDelta, rules: RegressionRules) -> Regression | None:
    lost, p = len(delta.regressed), delta.p_value
    significant = lost > len(delta.improved) and p < rules.alpha
    too_many = delta.hard and lost > rules.hard_lost_max
    if not (significant or too_many):
        return None
    why = (
        f"{lost} case(s) lost it, more than the {rules.hard_lost_max} allowed"
        if too_many
        else f"{lost} worse, {len(delta.improved)} better"
    )
    reason = f"{_rate_text(delta)}: {why} (McNemar p = {p:.3g}, alpha {rules.alpha})"
    return Regression(metric=delta.label, reason=reason, cases=delta.regressed)


def _cost(delta: CostDelta, rules: RegressionRules) -> Regression | None:
    allowed = rules.latency_rise_max if delta.metric == "latency_ms" else rules.tokens_rise_max
    p = delta.p_value
    if not (delta.relative > allowed and p < rules.alpha):
        return None
    reason = (
        f"mean {delta.mean_a:.1f} -> {delta.mean_b:.1f} ({100 * delta.relative:+.1f}%, "
        f"more than {100 * allowed:.0f}%); {len(delta.rose)} cases rose, {len(delta.fell)} fell "
        f"(sign test p = {p:.3g}, alpha {rules.alpha})"
    )
    return Regression(metric=delta.metric, reason=reason, cases=delta.rose)


def regressions(comparison: Comparison, rules: RegressionRules) -> list[Regression]:
    """Every metric of ``comparison`` that regressed under ``rules``, rates first."""
    found = [_rate(delta, rules) for delta in comparison.rates]
    found += [_cost(delta, rules) for delta in comparison.costs]
    return [regression for regression in found if regression is not None]
