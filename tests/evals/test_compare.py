"""Comparing two runs: pairing raw drafts and final replies, per-scorer deltas, McNemar's exact
p-value, and the regression rules."""

from __future__ import annotations

from math import comb
from pathlib import Path

import pytest

from drafter.evals.compare import compare_runs, mcnemar_exact
from drafter.evals.config import RegressionRules
from drafter.evals.gate import Regression, regressions
from drafter.evals.results import ResultsError, RunResults, Usage, load_results
from tests.evals.builders import case, run


def _binomial_two_sided(b: int, c: int) -> float:
    """The same test computed another way: floating-point binomial tails."""
    n = b + c
    if n == 0:
        return 1.0
    pmf = [comb(n, k) * 0.5**n for k in range(n + 1)]
    tail = sum(pmf[: min(b, c) + 1])
    return min(1.0, 2 * tail)


@pytest.mark.parametrize("b", range(0, 25, 3))
@pytest.mark.parametrize("c", range(0, 25, 4))
def test_exact_mcnemar_matches_the_binomial_tail(b: int, c: int) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(_binomial_two_sided(b, c), rel=1e-12)


def test_known_values() -> None:
    assert mcnemar_exact(1, 9) == 22 / 1024
    assert mcnemar_exact(3, 10) == pytest.approx(756 / 8192)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(5, 5) == 1.0
    assert mcnemar_exact(2, 7) == mcnemar_exact(7, 2)


def test_large_counts_stay_exact_and_in_range() -> None:
    p = mcnemar_exact(2000, 2300)
    assert 0.0 < p < 0.001


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        mcnemar_exact(-1, 2)


def test_runs_pair_by_case_and_report_regressions_and_improvements() -> None:
    a = run(
        [
            case("c1", {"empathy": True}),
            case("c2", {"empathy": False}),
            case("c3", {"empathy": True}),
            case("only-a", {"empathy": True}),
        ]
    )
    b = run(
        [
            case("c1", {"empathy": False}),
            case("c2", {"empathy": True}),
            case("c3", {"empathy": True, "verdict_facts": False}),
            case("only-b", {"empathy": True}),
        ]
    )
    comparison = compare_runs(a, b)
    assert comparison.paired == ("c1", "c2", "c3")
    assert comparison.only_a == ("only-a",)
    assert comparison.only_b == ("only-b",)
    empathy = next(s for s in comparison.scorers if s.metric == "empathy")
    assert empathy.regressed == ("c1",)
    assert empathy.improved == ("c2",)
    assert empathy.delta == 0.0
    assert empathy.p_value == 1.0
    assert comparison.compliance.regressed == ("c3",)
    assert comparison.regressed_cases == ("c1", "c3")
    assert comparison.improved_cases == ("c2",)


def test_a_clear_regression_has_a_small_p_value() -> None:
    a = run([case(f"c{i}", {"empathy": True}) for i in range(12)])
    b = run([case(f"c{i}", {"empathy": i >= 10}) for i in range(12)])
    empathy = next(s for s in compare_runs(a, b).scorers if s.metric == "empathy")
    assert len(empathy.regressed) == 10
    assert empathy.p_value == pytest.approx(2 / 1024)
    assert empathy.rate_a == 1.0
    assert empathy.mean_delta == pytest.approx(-10 / 12)


def test_results_round_trip_and_bad_files_are_refused(tmp_path: Path) -> None:
    results = run([case("c1", {"empathy": True})])
    path = tmp_path / "results.json"
    results.write(path)
    assert load_results(path) == results
    (tmp_path / "other.json").write_text('{"hello": 1}')
    with pytest.raises(ResultsError, match="not a drafter eval results file"):
        load_results(tmp_path / "other.json")
    with pytest.raises(ResultsError, match="No such file"):
        load_results(tmp_path / "missing.json")


RULES = RegressionRules(alpha=0.05, hard_lost_max=0, tokens_rise_max=0.10, latency_rise_max=0.25)


def _flagged(a: RunResults, b: RunResults, rules: RegressionRules = RULES) -> dict[str, Regression]:
    return {r.metric: r for r in regressions(compare_runs(a, b), rules)}


def test_worse_raw_drafts_behind_equal_final_replies_are_a_regression() -> None:
    """The issue's run: the stand-in model's drafts all broke the verdict, the fallback made
    every final reply compliant, and the comparison of final replies saw nothing."""
    a = run([case(f"c{i}", {"empathy": True}) for i in range(2)])
    b = run(
        [
            case(f"c{i}", {"empathy": True}, raw_outcomes={"verdict_facts": False}, fallback=True)
            for i in range(2)
        ]
    )
    comparison = compare_runs(a, b)
    assert comparison.compliance.regressed == ()
    raw = comparison.rate("compliant", "raw")
    assert raw is not None
    assert (raw.rate_a, raw.rate_b, raw.regressed) == (1.0, 0.0, ("c0", "c1"))
    assert raw.p_value == 0.5  # two cases can never be significant: the hard rule counts them
    fallback = comparison.rate("fallback", "final")
    assert fallback is not None
    assert (fallback.rate_a, fallback.rate_b, fallback.regressed) == (0.0, 1.0, ("c0", "c1"))
    assert comparison.regressed_cases == ("c0", "c1")
    flagged = _flagged(a, b)
    assert set(flagged) == {"compliant (raw drafts)", "verdict_facts (raw drafts)"}
    assert flagged["compliant (raw drafts)"].cases == ("c0", "c1")
    assert "2 case(s) lost it, more than the 0 allowed" in flagged["compliant (raw drafts)"].reason
    relaxed = RULES.model_copy(update={"hard_lost_max": 2})
    assert _flagged(a, b, relaxed) == {}


def test_a_soft_rate_regresses_only_when_the_loss_is_significant() -> None:
    def pair(lost: int, total: int) -> tuple[RunResults, RunResults]:
        a = run([case(f"c{i}", {"empathy": True}) for i in range(total)])
        b = run(
            [
                case(f"c{i}", {"empathy": True}, raw_outcomes={"empathy": i >= lost})
                for i in range(total)
            ]
        )
        return a, b

    assert "empathy (raw drafts)" not in _flagged(*pair(2, 12))  # p = 0.5
    flagged = _flagged(*pair(10, 12))  # p = 2/1024
    assert set(flagged) == {"empathy (raw drafts)"}
    assert "McNemar p = 0.00195" in flagged["empathy (raw drafts)"].reason


def test_the_fallback_rate_is_a_regression_when_it_rises_significantly() -> None:
    a = run([case(f"c{i}", {"empathy": True}) for i in range(12)])
    b = run([case(f"c{i}", {"empathy": True}, fallback=i < 10) for i in range(12)])
    flagged = _flagged(a, b)
    assert set(flagged) == {"fallback rate"}
    assert flagged["fallback rate"].reason.startswith("0% -> 83%")


def test_repairs_that_stop_working_regress_and_fallbacks_turned_repairs_do_not() -> None:
    a = run([case(f"c{i}", {}, fallback=True) for i in range(12)])
    fixed = run([case(f"c{i}", {}, repaired=True) for i in range(12)])
    comparison = compare_runs(a, fixed)
    repairs = comparison.rate("repair_success", "final")
    assert repairs is not None
    assert (repairs.paired, repairs.rate_a, repairs.rate_b) == (12, 0.0, 1.0)
    assert len(repairs.improved) == 12
    assert _flagged(a, fixed) == {}  # fewer fallbacks, more repairs: better on both
    flagged = _flagged(fixed, a)
    assert set(flagged) == {"repair_success rate", "fallback rate"}
    # Cases without a repair in both runs are not paired for it.
    plain = run([case(f"c{i}", {}) for i in range(12)])
    none = compare_runs(plain, fixed).rate("repair_success", "final")
    assert none is not None
    assert none.paired == 0


def _usage(tokens: int, latency: float) -> Usage:
    return Usage(calls=1, prompt_tokens=tokens, completion_tokens=100, latency_ms=latency)


@pytest.mark.parametrize(
    ("tokens", "latency", "expected"),
    [
        (1050, 1000.0, set()),  # +5% tokens: within 10%
        (1200, 1000.0, {"prompt_tokens"}),
        (1000, 1300.0, {"latency_ms"}),
        (1000, 1200.0, set()),  # +20% latency: within 25%
    ],
)
def test_tokens_and_latency_regress_past_their_allowed_rise(
    tokens: int, latency: float, expected: set[str]
) -> None:
    a = run([case(f"c{i}", {}, usage=_usage(1000, 1000.0)) for i in range(12)])
    b = run([case(f"c{i}", {}, usage=_usage(tokens, latency)) for i in range(12)])
    comparison = compare_runs(a, b)
    assert [c.paired for c in comparison.costs] == [12, 12, 12]
    assert set(_flagged(a, b)) == expected


def test_cases_without_a_model_call_have_no_cost_to_pair() -> None:
    a = run([case("c1", {}, usage=_usage(1000, 10.0))])
    b = run([case("c1", {})])
    assert [c.paired for c in compare_runs(a, b).costs] == [0, 0, 0]
    assert _flagged(a, b) == {}


def test_raw_drafts_pair_only_where_both_runs_have_one() -> None:
    a = run([case("c1", {"empathy": True}, raw=False), case("c2", {"empathy": True})])
    b = run([case("c1", {"empathy": True}), case("c2", {"empathy": True})])
    raw = compare_runs(a, b).rate("empathy", "raw")
    assert raw is not None
    assert raw.paired == 1
