"""Settings: the only place that reads the environment (prefix ``DRAFTER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
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

    # --- HTTP service and audit store (drafter serve) ---------------------------------------
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the audit store, e.g. postgresql://user@host/db. "
        "Unset: SQLite (WAL) at <data_dir>/drafter.db.",
    )
    sqlite_synchronous: Literal["FULL", "NORMAL"] = Field(
        "FULL",
        description="FULL survives a power cut; NORMAL survives only a process crash.",
    )
    redact_pii: bool = Field(
        False, description="Mask emails, phones, card numbers and addresses in stored text."
    )
    log_message_text: bool = Field(
        False, description="Let customer message text into logs (never by default)."
    )
    max_body_bytes: int = Field(300_000, ge=1_024, le=10_000_000)
    rate_limit_per_minute: int = Field(
        600, ge=1, le=1_000_000, description="Default for new API keys; each key has its own."
    )
    key_cache_seconds: float = Field(
        5.0, ge=0, le=300, description="How long a checked key is trusted before re-reading."
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=1, le=65_535)
    api_workers: int = Field(1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    metrics_dir: Path | None = Field(
        None,
        description="Shared folder for Prometheus samples when several worker processes serve "
        "(drafter serve sets it, with PROMETHEUS_MULTIPROC_DIR, for --workers > 1).",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite:", "postgresql:", "postgresql+")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value
