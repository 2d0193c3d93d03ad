"""``drafter feedback export``: agents' edited and rejected drafts become eval cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafter.feedback import EXPORTED_OUTCOMES, export_cases
from drafter.settings import Settings, project_root
from drafter.store import opened_store

__all__ = ["app"]

DEFAULT_OUT = project_root() / "evals" / "cases" / "feedback"

app = typer.Typer(help="Turn agent feedback into eval cases.", no_args_is_help=True)


@app.command()
def export(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the cases (one YAML file each).")
    ] = DEFAULT_OUT,
    outcome: Annotated[
        list[str] | None,
        typer.Option(help="Outcomes to export; repeat for several. Default: edited, rejected."),
    ] = None,
    tenant: Annotated[
        str | None, typer.Option(help="Only this tenant's drafts (default: every tenant).")
    ] = None,
) -> None:
    """Write one eval case per draft whose latest feedback is edited or rejected."""
    outcomes = outcome or list(EXPORTED_OUTCOMES)
    unknown = sorted(set(outcomes) - {"edited", "rejected", "sent_as_is"})
    if unknown:
        raise typer.BadParameter(f"unknown outcome {', '.join(unknown)}", param_hint="--outcome")
    with opened_store(Settings()) as store:
        written = export_cases(store, out, outcomes=outcomes, tenant=tenant)
    typer.echo(f"wrote {len(written)} case(s) to {out}")
