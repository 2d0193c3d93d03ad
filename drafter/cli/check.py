"""``drafter check``: the verdict for one request, with its trace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from drafter.cli.options import AsJson, PolicyId, read_request, registry
from drafter.cli.render import render_verdict
from drafter.policy import evaluate

__all__ = ["check"]


def check(
    request: Annotated[Path, typer.Argument(help="A request JSON file, or - for stdin.")],
    policy: PolicyId,
    as_json: AsJson = False,
) -> None:
    """Decide a request against a policy and show the verdict with its trace."""
    verdict = evaluate(registry().get(policy), read_request(request))
    if as_json:
        typer.echo(verdict.model_dump_json(indent=2))
    else:
        render_verdict(Console(), verdict)
