"""``drafter keys create|list|revoke``: manage the API keys the service accepts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from drafter.cli.options import AsJson
from drafter.errors import NotFoundError
from drafter.keys import Role, create_key
from drafter.settings import Settings
from drafter.store import opened_store
from drafter.store.audit import utc
from drafter.store.tables import ApiKeyRow

__all__ = ["app"]

app = typer.Typer(
    help="Manage API keys (stored hashed; a key is shown once).", no_args_is_help=True
)


@app.command()
def create(
    name: Annotated[str, typer.Argument(help="Who or what uses the key, e.g. zendesk-team.")],
    rate_limit: Annotated[
        int | None,
        typer.Option("--rate-limit", help="Requests per minute (default: the settings')."),
    ] = None,
    tenant: Annotated[
        str,
        typer.Option(
            help="The team the key belongs to: it reads and writes only this tenant's drafts."
        ),
    ] = "default",
    role: Annotated[
        Role,
        typer.Option(
            help="agent: verdicts, drafts and feedback; supervisor: also the drafts list and "
            "console; admin: also /metrics, which counts every tenant."
        ),
    ] = Role.agent,
) -> None:
    """Create a key and print it. It cannot be shown again."""
    settings = Settings()
    limit = rate_limit if rate_limit is not None else settings.rate_limit_per_minute
    with opened_store(settings) as store:
        token, key = create_key(store, name, rate_limit_per_minute=limit, tenant=tenant, role=role)
    typer.echo(token)
    Console(stderr=True).print(
        f"Created key [bold]{key.id}[/] ({key.name}, tenant {key.tenant}, {key.role}, {limit} "
        "requests/minute). "
        "Store it now: only its hash is kept.",
        highlight=False,
    )


@app.command(name="list")
def list_keys(as_json: AsJson = False) -> None:
    """List keys (ids, names, limits, state); never the secrets."""
    with opened_store(Settings()) as store:
        rows = store.api_keys()
    if as_json:
        typer.echo(json.dumps([_key_json(row) for row in rows], indent=2))
        return
    table = Table("id", "tenant", "role", "name", "limit/min", "created", "state")
    for row in rows:
        state = f"revoked {_when(row.revoked_at)}" if row.revoked_at else "active"
        limit = str(row.rate_limit_per_minute)
        created = _when(row.created_at)
        table.add_row(row.id, row.tenant, row.role, row.name, limit, created, state)
    Console().print(table)


def _when(moment: dt.datetime) -> str:
    return utc(moment).isoformat(timespec="seconds")


def _key_json(row: ApiKeyRow) -> dict[str, object]:
    return {
        "id": row.id,
        "tenant": row.tenant,
        "role": row.role,
        "name": row.name,
        "rate_limit_per_minute": row.rate_limit_per_minute,
        "created_at": _when(row.created_at),
        "revoked_at": _when(row.revoked_at) if row.revoked_at else None,
    }


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id from `drafter keys list`.")],
) -> None:
    """Revoke a key. Running servers refuse it within DRAFTER_KEY_CACHE_SECONDS."""
    with opened_store(Settings()) as store:
        if not store.revoke_key(key_id):
            raise NotFoundError("active key", key_id)
    typer.echo(f"revoked {key_id}")
