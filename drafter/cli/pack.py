"""``drafter pack new``: scaffold a policy pack that loads and passes its own table, and
``drafter facts``: the facts a policy reads, with their types, sources and questions."""

from __future__ import annotations

import datetime as dt
import json
import re
import shlex
import sys
from pathlib import Path
from string import Template
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from drafter.cli.options import AsJson, registry
from drafter.errors import ConfigError
from drafter.settings import Settings

__all__ = ["app", "facts"]

app = typer.Typer(
    help="Create policy packs: a business's policy in YAML alone.", no_args_is_help=True
)
TEMPLATE = Path(__file__).parent / "pack_template"
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


@app.command(name="new")
def new(
    name: Annotated[str, typer.Argument(help="The pack's name, e.g. telecom or event-tickets.")],
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where packs live; the configured policies folder by default."),
    ] = None,
) -> None:
    """Write NAME/ in the policies folder (or in --dir): a domain, a policy NAME-standard with
    its test table, an example and a translations folder. It loads and passes its table as
    written; change it to fit."""
    if not _NAME.match(name):
        raise ConfigError(f"pack name '{name}' must be lowercase letters, digits and dashes")
    root = directory or Settings().policies_dir
    pack = root / name
    if pack.exists():
        raise ConfigError(f"{pack} already exists; pick another name or remove it first")
    today = dt.date.today()
    values = {
        "pack": name,
        "policy": f"{name}-standard",
        "title": f"{name.replace('-', ' ').capitalize()} refunds",
        "today": today.isoformat(),
        "week_ago": (today - dt.timedelta(days=7)).isoformat(),
        "month_ago": (today - dt.timedelta(days=30)).isoformat(),
    }
    targets = {
        "domain.yaml": "domain.yaml",
        "policy.yaml": f"{values['policy']}.yaml",
        "policy.tests.yaml": f"{values['policy']}.tests.yaml",
        "examples/refund-inside-window.json": "examples/refund-inside-window.json",
        "translations/README.md": "translations/README.md",
    }
    for source, target in targets.items():
        text = Template((TEMPLATE / source).read_text(encoding="utf-8")).substitute(values)
        path = pack / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # The next commands as they will run: the other commands read packs only from the
    # configured folder, so a pack written elsewhere needs the setting that points there.
    command = _invocation()
    if root.resolve() != Settings().policies_dir.resolve():
        command = f"DRAFTER_POLICIES_DIR={shlex.quote(str(root))} {command}"
    typer.echo(f"Wrote {pack}/ with policy {values['policy']}. Next:")
    typer.echo(f"  {command} policy test {values['policy']}")
    typer.echo(f"  {command} facts {values['policy']}")


def _invocation() -> str:
    """How this drafter was started (``.venv/bin/drafter``, or ``python -m drafter``)."""
    program = sys.argv[0]
    if program.endswith("__main__.py"):
        return f"{shlex.quote(sys.executable)} -m drafter"
    return shlex.quote(program)


def facts(
    policy_id: Annotated[str, typer.Argument(help="A policy id, e.g. lodging-standard.")],
    as_json: AsJson = False,
) -> None:
    """List the facts a policy reads: type, the request fields each is worked out from (first
    the one a form asks for), and the question asked when it is missing."""
    policy = registry().get(policy_id)
    rows: list[dict[str, Any]] = [
        {
            "fact": name,
            "type": str(kind),
            "source": policy.fact_sources.get(name, name),
            "reads": list(policy.domain.sources(name)),
            "question": policy.question(name, "en"),
        }
        for name, kind in sorted(policy.inputs.items())
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"Facts of {policy.id}", title_justify="left")
    table.add_column("fact", no_wrap=True)  # a name is never broken
    table.add_column("type")
    table.add_column("reads", overflow="fold")  # a long path wraps, never cut to "…"
    table.add_column("question")
    for row in rows:
        table.add_row(row["fact"], row["type"], "\n".join(row["reads"]), row["question"])
    Console().print(table)
