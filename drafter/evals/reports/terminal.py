"""Terminal tables: the summary of one run and the comparison of two."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from drafter.evals.compare import Comparison, RateDelta
from drafter.evals.gate import Regression
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
    unparsed = [row for row in summary.scorers if row.unparsed]
    if unparsed:
        listed = ", ".join(f"{row.scorer} {row.unparsed}" for row in unparsed)
        console.print(
            f"[yellow]judge answers that could not be parsed (neither pass nor fail):[/] {listed}",
            highlight=False,
        )
    if run.unrecorded:
        console.print(
            f"[yellow]{len(run.unrecorded)} case(s) have no recording in this set and were "
            "skipped[/] (drafter eval stale lists them)",
            highlight=False,
        )


def _rate_row(delta: RateDelta) -> list[str]:
    of = "cases" if delta.label.endswith(" rate") else delta.reply
    return [
        delta.metric,
        of,
        str(delta.paired),
        f"{100 * delta.rate_a:.0f}%",
        f"{100 * delta.rate_b:.0f}%",
        str(len(delta.regressed)),
        str(len(delta.improved)),
        f"{delta.p_value:.3g}",
    ]


def _rates_table(comparison: Comparison, flagged: set[str], changed_only: bool) -> Table:
    """One row per metric and reply (raw draft, final reply), each scorer's two side by side;
    ``changed_only`` leaves out the rows where no case got worse or better."""
    table = Table(title=f"A -> B over {len(comparison.paired)} paired cases")
    for header in ("metric", "of", "pairs", "A", "B", "regr.", "impr.", "McNemar p"):
        table.add_column(header, justify="left" if header in ("metric", "of") else "right")
    order = {
        name: index for index, name in enumerate(dict.fromkeys(r.metric for r in comparison.rates))
    }
    rows = sorted(comparison.rates, key=lambda r: (order[r.metric], r.reply != "raw"))
    for delta in rows:
        if changed_only and not (delta.regressed or delta.improved):
            continue
        if delta.paired:
            table.add_row(*_rate_row(delta), style="red" if delta.label in flagged else None)
    return table


def _costs_table(comparison: Comparison, flagged: set[str]) -> Table:
    table = Table(title="Model calls per case (as recorded)")
    for header in ("metric", "pairs", "mean A", "mean B", "change", "rose", "fell", "sign p"):
        table.add_column(header, justify="left" if header == "metric" else "right")
    for cost in comparison.costs:
        cells = [str(cost.paired), "", "", "", "", "", ""]
        if cost.paired:
            cells = [
                str(cost.paired),
                f"{cost.mean_a:.1f}",
                f"{cost.mean_b:.1f}",
                f"{100 * cost.relative:+.1f}%",
                str(len(cost.rose)),
                str(len(cost.fell)),
                f"{cost.p_value:.3g}",
            ]
        table.add_row(cost.metric, *cells, style="red" if cost.metric in flagged else None)
    return table


def _listed(cases: tuple[str, ...], limit: int) -> str:
    more = f" and {len(cases) - limit} more" if len(cases) > limit else ""
    return ", ".join(cases[:limit]) + more


def print_comparison(
    console: Console,
    comparison: Comparison,
    found: list[Regression],
    *,
    limit: int = 10,
    changed_only: bool = False,
) -> None:
    """Paired rates of raw drafts and final replies with McNemar's p, the model calls' cost,
    the cases that got worse or better, and the regressions ``found`` (shown in red)."""
    flagged = {regression.metric for regression in found}
    rates = _rates_table(comparison, flagged, changed_only)
    if rates.row_count:
        console.print(rates)
    else:
        console.print("no case got worse or better, in raw drafts or final replies")
    console.print(_costs_table(comparison, flagged))
    for label, cases in (
        ("regressed", comparison.regressed_cases),
        ("improved", comparison.improved_cases),
    ):
        console.print(f"{label} ({len(cases)}): {_listed(cases, limit) or 'none'}", highlight=False)
    if comparison.only_a or comparison.only_b:
        console.print(
            f"unpaired: {len(comparison.only_a)} only in A, {len(comparison.only_b)} only in B",
            highlight=False,
        )
    if not found:
        console.print("no regression (evals/config.yaml, regression:)", highlight=False)
        return
    console.print(f"[red]regressions ({len(found)}):[/]", highlight=False)
    for regression in found:
        named = _listed(regression.cases, 5)
        console.print(
            f"  {regression.metric}: {regression.reason}; cases: {named}",
            highlight=False,
            markup=False,
        )
