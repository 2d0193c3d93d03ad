"""A tenant's drafts, newest first, a page at a time (``GET /v1/drafts``).

Pages are cut by keyset, not by offset: a cursor is the (``created_at``, ``id``) of the last
draft a page held, and the next page starts strictly after it in that order. Ids break ties
between drafts stored in the same microsecond. A draft stored while someone pages through can
neither push a draft onto the next page nor make one skip a page, as an offset would, so every
draft answered before the walk began is shown once, and none twice. A draft stored during the
walk is shown only if its ``created_at`` is still ahead of the cursor: that time is set when
the draft is decided, a moment before its group commit, so a draft committed just after a page
was read can sort among the drafts that page already passed. It is on the next walk from the
top; no cursor over ``created_at`` could promise more, as neither database gives a commit
order (see ``replay.py``). ``tests/impact/test_walk.py`` holds the list to this.

The cursor is opaque to callers (base64url of the position); it says where a walk is, never
which tenant, and every page is filtered to the caller's tenant again.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, ScalarSelect, exists, or_, select

from drafter.store.tables import DraftRow, FeedbackRow

__all__ = ["NO_FEEDBACK", "DraftFilter", "DraftSummary", "Position", "list_drafts", "utc"]

# The feedback filter's value for drafts that nobody has given feedback on yet.
NO_FEEDBACK = "none"


@dataclass(frozen=True, slots=True)
class DraftFilter:
    """What a page of drafts is narrowed to; None leaves a column alone. ``outcome`` is the
    outcome of a draft's latest feedback, or ``NO_FEEDBACK``; the dates are a half-open range
    [``created_from``, ``created_before``)."""

    policy: str | None = None
    decision: str | None = None
    rule: str | None = None
    fallback: bool | None = None
    repaired: bool | None = None
    outcome: str | None = None
    created_from: dt.datetime | None = None
    created_before: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a walk through the drafts stands: the last draft it was given."""

    created_at: dt.datetime
    id: str

    def cursor(self) -> str:
        text = f"{utc(self.created_at).isoformat()}|{self.id}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, cursor: str) -> Position:
        """The position a cursor stands for.

        Raises:
            ValueError: the cursor was not made by ``cursor()``.
        """
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            moment, draft_id = text.split("|")
            created_at = dt.datetime.fromisoformat(moment)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise ValueError("is not a cursor this service gave out") from None
        if created_at.tzinfo is None or not draft_id.isascii() or not draft_id.isprintable():
            raise ValueError("is not a cursor this service gave out")
        return cls(created_at, draft_id)


@dataclass(frozen=True, slots=True)
class DraftSummary:
    """One draft in a list: what it was, how it was decided, and its latest feedback."""

    id: str
    created_at: dt.datetime
    policy_id: str
    policy_version: str
    policy_sha256: str
    channel: str
    tone: str | None
    decision: str
    rule: str
    fallback: bool
    repaired: bool
    outcome: str | None

    @property
    def position(self) -> Position:
        return Position(self.created_at, self.id)


def _latest_outcome() -> ScalarSelect[str]:
    return (
        select(FeedbackRow.outcome)
        .where(FeedbackRow.draft_id == DraftRow.id)
        .order_by(FeedbackRow.created_at.desc(), FeedbackRow.id.desc())
        .limit(1)
        .correlate(DraftRow)
        .scalar_subquery()
    )


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without a zone; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _bound(moment: dt.datetime) -> dt.datetime:
    # SQLite keeps the UTC wall time without a zone; PostgreSQL compares zones itself.
    return moment.astimezone(dt.UTC)


def list_drafts(
    engine: Engine, tenant: str, where: DraftFilter, *, after: Position | None, limit: int
) -> list[DraftSummary]:
    """Up to ``limit`` drafts of ``tenant`` matching ``where``, newest first, starting after
    ``after`` (from the newest when None)."""
    outcome = _latest_outcome().label("outcome")
    query = select(
        DraftRow.id,
        DraftRow.created_at,
        DraftRow.policy_id,
        DraftRow.policy_version,
        DraftRow.policy_sha256,
        DraftRow.channel,
        DraftRow.tone,
        DraftRow.decision,
        DraftRow.rule,
        DraftRow.fallback,
        DraftRow.repaired,
        outcome,
    ).where(DraftRow.tenant == tenant)
    columns = {
        DraftRow.policy_id: where.policy,
        DraftRow.decision: where.decision,
        DraftRow.rule: where.rule,
        DraftRow.fallback: where.fallback,
        DraftRow.repaired: where.repaired,
    }
    for column, value in columns.items():
        if value is not None:
            query = query.where(column == value)
    if where.outcome == NO_FEEDBACK:
        query = query.where(~exists().where(FeedbackRow.draft_id == DraftRow.id))
    elif where.outcome is not None:
        query = query.where(_latest_outcome() == where.outcome)
    if where.created_from is not None:
        query = query.where(DraftRow.created_at >= _bound(where.created_from))
    if where.created_before is not None:
        query = query.where(DraftRow.created_at < _bound(where.created_before))
    if after is not None:
        at = _bound(after.created_at)
        # The bound on created_at alone lets the (tenant, created_at) index start the scan at
        # the cursor, so a deep page costs what the first does; the OR settles ties by id.
        query = query.where(
            DraftRow.created_at <= at, or_(DraftRow.created_at < at, DraftRow.id < after.id)
        )
    query = query.order_by(DraftRow.created_at.desc(), DraftRow.id.desc()).limit(limit)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        DraftSummary(
            id=row.id,
            created_at=utc(row.created_at),
            policy_id=row.policy_id,
            policy_version=row.policy_version,
            policy_sha256=row.policy_sha256,
            channel=row.channel,
            tone=row.tone,
            decision=row.decision,
            rule=row.rule,
            fallback=row.fallback,
            repaired=row.repaired,
            outcome=row.outcome,
        )
        for row in rows
    ]
