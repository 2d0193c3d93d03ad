"""Settings: the only place that reads the environment (prefix ``DRAFTER_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "project_root"]


def project_root() -> Path:
    """The checkout (or install) root holding ``policies/`` and ``prompts/``."""
    return Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DRAFTER_", extra="forbid", frozen=True)

    policies_dir: Path = Field(default_factory=lambda: project_root() / "policies")
    prompts_dir: Path = Field(default_factory=lambda: project_root() / "prompts")
    data_dir: Path = Field(
        default_factory=lambda: Path.home() / ".drafter",
        description="Where keys and the audit database live unless overridden.",
    )
