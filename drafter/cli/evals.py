"""``drafter eval run|compare|stale|reference``: offline evals of drafts over recorded outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from drafter.cli.options import AsJson, registry
from drafter.evals.cases import load_cases
from drafter.evals.compare import Comparison, compare_runs
from drafter.evals.config import EvalConfig, load_config
from drafter.evals.reference import ScorerAccuracy, accuracy, load_reference, score_reference
from drafter.evals.reports import print_comparison
from drafter.evals.results import load_results

__all__ = ["app"]

app = typer.Typer(
    help="Score drafts over the eval cases, offline, and compare runs.", no_args_is_help=True
)
ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="The eval config (default: evals/config.yaml).")
]


def _config(path: Path | None) -> EvalConfig:
    return load_config(path)


@app.command(name="compare")
def compare(
    a: Annotated[Path, typer.Argument(help="The baseline run's results.json.")],
    b: Annotated[Path, typer.Argument(help="The candidate run's results.json.")],
    as_json: AsJson = False,
    fail_on_regression: Annotated[
        bool, typer.Option(help="Exit 1 when any final reply lost compliance.")
    ] = False,
) -> None:
    """Pair two runs case by case: per-scorer deltas, regressions, improvements, McNemar p."""
    comparison = compare_runs(load_results(a), load_results(b))
    if as_json:
        typer.echo(json.dumps(_comparison_json(comparison), indent=2))
    else:
        print_comparison(Console(), comparison)
    if fail_on_regression and comparison.compliance.regressed:
        raise typer.Exit(1)


def _comparison_json(comparison: Comparison) -> dict[str, object]:
    rows = [comparison.compliance, *comparison.scorers]
    return {
        "paired": len(comparison.paired),
        "only_a": list(comparison.only_a),
        "only_b": list(comparison.only_b),
        "scorers": [
            {
                "scorer": d.scorer,
                "pairs": d.paired,
                "pass_rate_a": round(d.pass_rate_a, 4),
                "pass_rate_b": round(d.pass_rate_b, 4),
                "mean_delta": round(d.mean_delta, 4),
                "regressed": list(d.regressed),
                "improved": list(d.improved),
                "mcnemar_p": d.p_value,
            }
            for d in rows
        ],
        "regressed_cases": list(comparison.regressed_cases),
        "improved_cases": list(comparison.improved_cases),
    }


@app.command(name="reference")
def reference(
    config: ConfigOption = None,
    holdout: Annotated[
        bool, typer.Option(help="Score the held-out replies instead of the main set.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Per-scorer accuracy on the labelled reference replies; exit 1 unless each tone scorer
    separates the good replies from the bad ones with the flaw it targets."""
    settings = _config(config)
    cases = load_cases(settings.cases_dir, registry())
    directory = settings.reference_dir / "holdout" if holdout else settings.reference_dir
    rows = accuracy(score_reference(load_reference(directory), cases, settings))
    if as_json:
        typer.echo(json.dumps([_accuracy_json(row) for row in rows], indent=2))
    else:
        _print_accuracy(Console(), rows, str(directory))
    if not holdout and not all(row.separated for row in rows):
        raise typer.Exit(1)


def _accuracy_json(row: ScorerAccuracy) -> dict[str, object]:
    return {
        "scorer": row.scorer,
        "targets": list(row.targets),
        "accuracy": round(row.accuracy, 4),
        "good_passed": row.good_passed,
        "good_total": row.good_total,
        "bad_failed": row.bad_failed,
        "bad_total": row.bad_total,
        "misjudged": list(row.misjudged),
    }


def _print_accuracy(console: Console, rows: list[ScorerAccuracy], where: str) -> None:
    table = Table(title=f"Reference set: {where}")
    for header in ("scorer", "targets", "good passed", "bad caught", "accuracy", "misjudged"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row.scorer,
            ", ".join(row.targets),
            f"{row.good_passed}/{row.good_total}",
            f"{row.bad_failed}/{row.bad_total}",
            f"{row.accuracy:.3f}",
            ", ".join(row.misjudged) or "-",
        )
    console.print(table)
