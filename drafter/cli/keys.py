"""``drafter keys create|list|revoke``: manage the API keys the service accepts."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from drafter.cli.options import AsJson
from drafter.errors import NotFoundError
from drafter.keys import create_key
from drafter.settings import Settings
from drafter.store import open_store
from drafter.store.audit import utc

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
) -> None:
    """Create a key and print it. It cannot be shown again."""
    settings = Settings()
    limit = rate_limit if rate_limit is not None else settings.rate_limit_per_minute
    token, key = create_key(open_store(settings), name, rate_limit_per_minute=limit)
    typer.echo(token)
    Console(stderr=True).print(
        f"Created key [bold]{key.id}[/] ({key.name}, {limit} requests/minute). "
        "Store it now: only its hash is kept.",
        highlight=False,
    )


@app.command(name="list")
def list_keys(as_json: AsJson = False) -> None:
    """List keys (ids, names, limits, state); never the secrets."""
    rows = [
        {
            "id": row.id,
            "name": row.name,
            "rate_limit_per_minute": row.rate_limit_per_minute,
            "created_at": utc(row.created_at).isoformat(timespec="seconds"),
            "revoked_at": (
                utc(row.revoked_at).isoformat(timespec="seconds") if row.revoked_at else None
            ),
        }
        for row in open_store(Settings()).keys()
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "name", "limit/min", "created", "state")
    for row in rows:
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "active"
        table.add_row(
            row["id"], row["name"], str(row["rate_limit_per_minute"]), row["created_at"], state
        )
    Console().print(table)


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key id from `drafter keys list`.")],
) -> None:
    """Revoke a key. Running servers refuse it within DRAFTER_KEY_CACHE_SECONDS."""
    if not open_store(Settings()).revoke_key(key_id):
        raise NotFoundError("active key", key_id)
    typer.echo(f"revoked {key_id}")
