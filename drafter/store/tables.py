"""The audit store's tables (SQLAlchemy 2, typed mappings).

Every row belongs to the tenant of the key that wrote it, and reads are scoped to the caller's
tenant: another tenant's draft is not found, exactly like one that does not exist.

Full documents (request, verdict, reply) are stored as JSON text exactly as the API returned
them, so an audit reads back byte for byte; the scalar columns beside them (decision, rule,
fallback, outcome) exist for the report and for indexes. A verdict's brief (what it decided)
is stored beside it for replays, which would otherwise read the whole verdict back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiKeyRow",
    "Base",
    "DraftRow",
    "FeedbackRow",
    "IdempotencyClaimRow",
    "RateLimitRow",
    "VerdictRow",
]


class Base(DeclarativeBase):
    pass


UTC_TIME = DateTime(timezone=True)


class ApiKeyRow(Base):
    """An API key: only a SHA-256 of the secret is kept, never the secret itself."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(100), server_default="default")
    role: Mapped[str] = mapped_column(String(16), server_default="agent")
    name: Mapped[str] = mapped_column(String(200))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTC_TIME)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTC_TIME, nullable=True)


class VerdictRow(Base):
    """One ``POST /v1/verdicts`` call: what was asked and what the checker decided."""

    __tablename__ = "verdicts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTC_TIME, index=True)
    tenant: Mapped[str] = mapped_column(String(100), server_default="default")
    key_id: Mapped[str] = mapped_column(String(32))
    policy_id: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(100))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(200))
    request_json: Mapped[str] = mapped_column(Text)
    redacted: Mapped[bool] = mapped_column(Boolean)
    verdict_json: Mapped[str] = mapped_column(Text)
    # What the verdict decided, for replays (``store.replay.brief_json``); NULL in rows stored
    # before migration 0005, which a replay reads from the whole verdict.
    brief_json: Mapped[str | None] = mapped_column(Text, nullable=True)


class DraftRow(Base):
    """One draft: the request, the whole reply (verdict, raw and final drafts, guard reports)
    and the provenance needed to reproduce it."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("key_id", "idempotency_key", name="uq_drafts_idempotency"),
        Index("ix_drafts_policy_rule", "policy_id", "rule"),
        Index("ix_drafts_tenant_created_at", "tenant", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTC_TIME, index=True)
    tenant: Mapped[str] = mapped_column(String(100), server_default="default")
    key_id: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    policy_id: Mapped[str] = mapped_column(String(200))
    policy_version: Mapped[str] = mapped_column(String(100))
    policy_sha256: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(20))
    tone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(200))
    fallback: Mapped[bool] = mapped_column(Boolean)
    repaired: Mapped[bool] = mapped_column(Boolean)
    llm_calls: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(100))
    model: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(100))
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    request_json: Mapped[str] = mapped_column(Text)
    redacted: Mapped[bool] = mapped_column(Boolean)
    reply_json: Mapped[str] = mapped_column(Text)
    brief_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # as VerdictRow's


class FeedbackRow(Base):
    """What the agent did with a draft: sent it as is, edited it, or rejected it."""

    __tablename__ = "feedback"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTC_TIME)
    tenant: Mapped[str] = mapped_column(String(100), server_default="default")
    key_id: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(20))
    final_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    redacted: Mapped[bool] = mapped_column(Boolean)


class RateLimitRow(Base):
    """A key's token bucket, shared by every instance on one PostgreSQL (``keys.py``): the
    tokens left at ``updated_at``; the refill since then is worked out when a request comes."""

    __tablename__ = "rate_limits"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tokens: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[dt.datetime] = mapped_column(UTC_TIME)


class IdempotencyClaimRow(Base):
    """An Idempotency-Key whose first request is being answered, by whichever instance
    inserted the row: a second request with it, on any instance, gets 409. The row goes
    when the draft is stored (the draft then answers repeats); one left by an instance that
    died is taken over once it is older than any draft can take."""

    __tablename__ = "idempotency_claims"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(UTC_TIME)
