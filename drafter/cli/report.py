"""``drafter report``: which rules cause the most friction with agents."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from drafter.cli.options import AsJson
from drafter.feedback import RuleFriction, friction_report
from drafter.settings import Settings
from drafter.store import opened_store

__all__ = ["report"]


def report(
    days: Annotated[
        int | None, typer.Option(help="Only the last N days (default: everything).", min=1)
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's rows (default: every tenant).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Per rule: decisions, declines, fallback rate, and the share of drafts agents edited or
    rejected, most friction first."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days) if days else None
    with opened_store(Settings()) as store:
        rows = friction_report(store, since=since, tenant=tenant)
    if as_json:
        typer.echo(json.dumps([_as_json(row) for row in rows], indent=2))
    else:
        Console().print(_table(rows))


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _table(rows: list[RuleFriction]) -> Table:
    table = Table(title="Friction by rule (latest feedback per draft)", title_justify="left")
    for column in (
        "policy",
        "rule",
        "decided",
        "declines",
        "drafts",
        "fallback",
        "reviewed",
        "edited",
        "rejected",
    ):
        if column in ("policy", "rule"):
            table.add_column(column, overflow="fold", min_width=8)  # ids are never cut short
        else:
            table.add_column(column, justify="right")
    for row in rows:
        table.add_row(
            row.policy,
            row.rule,
            str(row.verdicts + row.drafts),
            str(row.declines),
            str(row.drafts),
            _percent(row.fallback_rate),
            str(row.reviewed),
            _percent(row.share("edited")),
            _percent(row.share("rejected")),
        )
    return table


def _as_json(row: RuleFriction) -> dict[str, object]:
    return {
        "policy": row.policy,
        "rule": row.rule,
        "decided": row.verdicts + row.drafts,
        "declines": row.declines,
        "drafts": row.drafts,
        "fallback_rate": round(row.fallback_rate, 4),
        "reviewed": row.reviewed,
        "edited_share": round(row.share("edited"), 4),
        "rejected_share": round(row.share("rejected"), 4),
    }
