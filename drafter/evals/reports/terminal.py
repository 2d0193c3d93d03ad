"""Terminal tables: the summary of one run and the comparison of two."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from drafter.evals.compare import Comparison, ScorerDelta
from drafter.evals.results import RunResults, ScorerSummary

__all__ = ["print_comparison", "print_summary"]


def _rate(passed: int, total: int) -> str:
    return f"{passed}/{total} ({100 * passed / total:.0f}%)" if total else "n/a"


def _scorer_row(row: ScorerSummary) -> list[str]:
    kind = "hard" if row.hard else row.family
    return [
        row.scorer,
        kind,
        _rate(row.raw_passed, row.raw_applicable),
        _rate(row.final_passed, row.final_applicable),
        f"{row.final_mean:.2f}",
    ]


def print_summary(console: Console, results: RunResults) -> None:
    """Per-scorer pass rates of raw drafts and final replies, then the compliance gates."""
    summary, run = results.summary, results.run
    table = Table(title=f"drafter eval: {summary.cases} cases ({run.mode}, {run.recording_set})")
    for column in ("scorer", "kind", "raw drafts", "final replies", "final mean"):
        table.add_column(column, justify="left" if column in ("scorer", "kind") else "right")
    for row in summary.scorers:
        table.add_row(*_scorer_row(row))
    console.print(table)
    console.print(
        f"compliant: raw drafts {_rate(summary.raw_compliant, summary.raw_drafts)}, "
        f"final replies {_rate(summary.final_compliant, summary.cases)}; "
        f"repaired {summary.repairs}, fell back {summary.fallbacks}; "
        f"{run.duration_s:.2f} s",
        highlight=False,
    )
    if run.unrecorded:
        console.print(
            f"[yellow]{len(run.unrecorded)} case(s) have no recording in this set and were "
            "skipped[/] (drafter eval stale lists them)",
            highlight=False,
        )


def _delta_row(delta: ScorerDelta) -> list[str]:
    return [
        delta.scorer,
        str(delta.paired),
        f"{100 * delta.pass_rate_a:.0f}% -> {100 * delta.pass_rate_b:.0f}%",
        f"{100 * delta.pass_delta:+.1f}",
        f"{delta.mean_delta:+.3f}",
        str(len(delta.regressed)),
        str(len(delta.improved)),
        f"{delta.p_value:.3g}",
    ]


def print_comparison(console: Console, comparison: Comparison, *, limit: int = 10) -> None:
    """Per-scorer deltas with McNemar's p-value, then the regressed and improved cases."""
    table = Table(title=f"A -> B over {len(comparison.paired)} paired cases (final replies)")
    headers = ("scorer", "pairs", "pass rate", "Δ pts", "Δ mean", "regr.", "impr.", "McNemar p")
    for header in headers:
        table.add_column(header, justify="left" if header == "scorer" else "right")
    for delta in (comparison.compliance, *comparison.scorers):
        table.add_row(*_delta_row(delta))
    console.print(table)
    for label, cases in (
        ("regressed", comparison.regressed_cases),
        ("improved", comparison.improved_cases),
    ):
        shown = ", ".join(cases[:limit]) + (
            f" and {len(cases) - limit} more" if len(cases) > limit else ""
        )
        console.print(f"{label} ({len(cases)}): {shown or 'none'}", highlight=False)
    if comparison.only_a or comparison.only_b:
        console.print(
            f"unpaired: {len(comparison.only_a)} only in A, {len(comparison.only_b)} only in B",
            highlight=False,
        )
