"""Comparing two runs: pairing, per-scorer deltas, and McNemar's exact p-value."""

from __future__ import annotations

from math import comb
from pathlib import Path

import pytest

from drafter.evals.compare import compare_runs, mcnemar_exact
from drafter.evals.results import ResultsError, load_results
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
    empathy = next(s for s in comparison.scorers if s.scorer == "empathy")
    assert empathy.regressed == ("c1",)
    assert empathy.improved == ("c2",)
    assert empathy.pass_delta == 0.0
    assert empathy.p_value == 1.0
    assert comparison.compliance.regressed == ("c3",)
    assert comparison.regressed_cases == ("c1", "c3")
    assert comparison.improved_cases == ("c2",)


def test_a_clear_regression_has_a_small_p_value() -> None:
    a = run([case(f"c{i}", {"empathy": True}) for i in range(12)])
    b = run([case(f"c{i}", {"empathy": i >= 10}) for i in range(12)])
    empathy = next(s for s in compare_runs(a, b).scorers if s.scorer == "empathy")
    assert len(empathy.regressed) == 10
    assert empathy.p_value == pytest.approx(2 / 1024)
    assert empathy.pass_rate_a == 1.0
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
