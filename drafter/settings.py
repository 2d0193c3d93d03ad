"""Settings: the only place that reads the environment (prefix ``DRAFTER_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Connection", "Settings", "project_root"]

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def project_root() -> Path:
    """The directory holding ``policies/`` and ``prompts/``: the checkout, or for an installed
    wheel the copy bundled inside the package."""
    package = Path(__file__).resolve().parent
    bundled = package / "_bundled"
    return bundled if (bundled / "prompts").is_dir() else package.parent


class Connection(BaseModel):
    """Where one of a tenant's systems answers (a pack's lookups name it), and its key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(description="The system's base URL, e.g. https://acme.myshopify.com.")
    token: SecretStr = Field(description="Sent in the header the lookup names; never logged.")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        """The token must not cross a network in clear: plain http only to this machine."""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL with a host")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
            raise ValueError("must use https (plain http only to 127.0.0.1 or localhost)")
        if parts.username or parts.password or parts.query or parts.fragment:
            raise ValueError("must be a scheme, host and optional path, nothing else")
        return value.rstrip("/")


class Settings(BaseSettings):
    # ``__`` nests: DRAFTER_CONNECTIONS__ACME__SHOPIFY__URL sets connections.acme.shopify.url.
    model_config = SettingsConfigDict(
        env_prefix="DRAFTER_", extra="forbid", frozen=True, env_nested_delimiter="__"
    )

    policies_dir: Path = Field(default_factory=lambda: project_root() / "policies")
    prompts_dir: Path = Field(default_factory=lambda: project_root() / "prompts")
    data_dir: Path = Field(
        default_factory=lambda: Path.home() / ".drafter",
        description="Where keys and the audit database live unless overridden.",
    )

    # --- language model -------------------------------------------------------------------
    provider: Literal["auto", "openai", "template", "replay"] = Field(
        "auto",
        description="Who writes drafts. auto: openai when llm_base_url is set, else template.",
    )
    llm_base_url: str | None = Field(
        None, description="An OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1."
    )
    llm_api_key: SecretStr | None = Field(None, description="Sent as a bearer token if set.")
    llm_model: str | None = Field(None, description="Required when llm_base_url is set.")
    llm_temperature: float = Field(0.3, ge=0, le=2)
    llm_max_tokens: int = Field(900, ge=16, le=32_000)
    llm_timeout_s: float = Field(30.0, gt=0, le=600, description="Per attempt.")
    llm_deadline_s: float = Field(60.0, gt=0, le=1800, description="All attempts together.")
    llm_max_attempts: int = Field(4, ge=1, le=10)
    llm_json_schema: Literal["auto", "on", "off"] = Field(
        "auto",
        description="Ask for JSON-schema output. auto: fall back to plain text (once, then for "
        "the client's lifetime) when the endpoint rejects it.",
    )
    replay_dir: Path | None = Field(
        None, description="Recorded outputs for the replay provider, one <prompt sha256>.json each."
    )

    # --- the evals' LLM judge (off unless set; see drafter/evals/judge) ---------------------
    judge_base_url: str | None = Field(
        None, description="The judge's OpenAI-compatible endpoint, used only to record it."
    )
    judge_api_key: SecretStr | None = Field(None, description="Sent to the judge if set.")
    judge_model: str | None = Field(
        None, description="The judge model; recordings by another model are stale."
    )

    @field_validator("llm_base_url", "judge_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _llm_complete(self) -> Settings:
        if self.llm_base_url and not self.llm_model:
            raise ValueError("llm_model is required when llm_base_url is set")
        if self.judge_base_url and not self.judge_model:
            raise ValueError("judge_model is required when judge_base_url is set")
        if self.provider == "openai" and not self.llm_base_url:
            raise ValueError("provider 'openai' needs llm_base_url")
        if self.provider == "replay" and self.replay_dir is None:
            raise ValueError("provider 'replay' needs replay_dir")
        return self

    # --- the company's systems, which lookups read (see policies/README.md) -----------------
    connections: dict[str, dict[str, Connection]] = Field(
        default_factory=dict,
        description="By tenant, then by connection name: DRAFTER_CONNECTIONS__<TENANT>__"
        "<NAME>__URL and __TOKEN. A tenant reaches only its own connections.",
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
    # Connection limits. uvicorn's own defaults leave a connection that never finishes its
    # request open for ever; these close it (see drafter/api/connections.py).
    api_header_timeout_s: float = Field(
        10.0,
        gt=0,
        le=300,
        description="A request's head (request line and headers) must arrive within this time "
        "of the connection opening or of the request's first byte; else the connection closes.",
    )
    api_body_timeout_s: float = Field(
        30.0,
        gt=0,
        le=600,
        description="A request's body must arrive within this time of its head; else 408.",
    )
    api_idle_timeout_s: int = Field(
        5, ge=1, le=3600, description="A kept-alive connection with no new request closes then."
    )
    api_max_connections: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="Open connections per worker process; a request on one more gets 503.",
    )
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
