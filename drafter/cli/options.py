"""Options and helpers shared by commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafter.errors import RequestError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry
from drafter.schemas import Request
from drafter.settings import Settings

__all__ = ["AsJson", "PolicyId", "read_request", "registry"]

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
PolicyId = Annotated[
    str, typer.Option("--policy", "-p", help="The policy id, e.g. retail-standard.")
]


def registry() -> PolicyRegistry:
    return PolicyRegistry(Settings().policies_dir)


def read_request(path: Path) -> Request:
    try:
        data = path.read_bytes() if str(path) != "-" else typer.get_binary_stream("stdin").read()
    except OSError as error:
        raise RequestError(f"cannot read {path}: {error.strerror}", field="(file)") from None
    return parse_request(data)
