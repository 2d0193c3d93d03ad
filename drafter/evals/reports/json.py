"""The comparison of two runs as JSON, for machines (``drafter eval compare --json``)."""

from __future__ import annotations

from drafter.evals.compare import Comparison, CostDelta, RateDelta
from drafter.evals.gate import Regression

__all__ = ["comparison_json"]


def _rate(delta: RateDelta) -> dict[str, object]:
    return {
        "metric": delta.metric,
        "reply": delta.reply,
        "hard": delta.hard,
        "lower_is_better": delta.lower_is_better,
        "pairs": delta.paired,
        "rate_a": round(delta.rate_a, 4),
        "rate_b": round(delta.rate_b, 4),
        "mean_delta": round(delta.mean_delta, 4),
        "regressed": list(delta.regressed),
        "improved": list(delta.improved),
        "mcnemar_p": delta.p_value,
    }


def _cost(delta: CostDelta) -> dict[str, object]:
    return {
        "metric": delta.metric,
        "pairs": delta.paired,
        "mean_a": round(delta.mean_a, 2),
        "mean_b": round(delta.mean_b, 2),
        "relative": round(delta.relative, 4),
        "rose": len(delta.rose),
        "fell": len(delta.fell),
        "sign_test_p": delta.p_value,
    }


def comparison_json(comparison: Comparison, found: list[Regression]) -> dict[str, object]:
    """Every paired rate and cost of ``comparison``, and the regressions ``found``."""
    return {
        "paired": len(comparison.paired),
        "only_a": list(comparison.only_a),
        "only_b": list(comparison.only_b),
        "rates": [_rate(delta) for delta in comparison.rates],
        "costs": [_cost(delta) for delta in comparison.costs],
        "regressed_cases": list(comparison.regressed_cases),
        "improved_cases": list(comparison.improved_cases),
        "regressions": [
            {"metric": r.metric, "reason": r.reason, "cases": list(r.cases)} for r in found
        ],
    }
