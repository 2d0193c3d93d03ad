"""Options and helpers shared by commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drafter.errors import ConfigError, RequestError
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
    """The policies of the configured folder. A folder that is not there is an error naming
    the setting, never an empty list of policies."""
    folder = Settings().policies_dir
    if not folder.is_dir():
        raise ConfigError(
            f"the policies folder {folder} does not exist; set DRAFTER_POLICIES_DIR to the "
            "folder that holds your policies and packs"
        )
    return PolicyRegistry(folder)


def read_request(path: Path) -> Request:
    try:
        data = path.read_bytes() if str(path) != "-" else typer.get_binary_stream("stdin").read()
    except OSError as error:
        raise RequestError(f"cannot read {path}: {error.strerror}", field="(file)") from None
    return parse_request(data)
