"""The stored requests of a policy, read back for replay (``drafter policy impact``).

Both tables hold requests: a draft (``POST /v1/drafts``) stores its request with the reply
around its verdict, a verdict (``POST /v1/verdicts``) with the verdict alone. Rows stream from
the database in batches (a server-side cursor on PostgreSQL), in no particular order: sorting a
million rows would cost more than reading them, and the replay keeps its examples in id order
itself. Only a scope that asks for the ``newest`` few is read in order, newest first.

What a replay sees: each table is read by one statement, which sees the table as it was when
the statement began (a snapshot, on PostgreSQL and on SQLite in WAL mode), however long the
reading takes. So every request answered before the replay started is in it, once; one
committed after its table's read began is not, whatever its ``created_at``. That time is set
when the request is decided, before the group commit (``writer.py``), and the request is
answered only after its commit: one still in flight when the replay starts can carry an
earlier ``created_at`` than rows already read, and no order or cursor over ``created_at``
could promise to catch it (neither database hands out a commit order; PostgreSQL's sequences
are drawn at insert, not at commit). The next replay has it. ``tests/impact/test_walk.py``
holds the replay to this.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Generator
from dataclasses import dataclass, replace
from itertools import islice
from typing import Literal

from pydantic_core import to_json
from sqlalchemy import ColumnElement, Engine, Select, func, null, select, true
from sqlalchemy.orm import InstrumentedAttribute

from drafter.schemas import Verdict
from drafter.store.listing import utc
from drafter.store.tables import DraftRow, VerdictRow

__all__ = [
    "SOURCES",
    "RequestScope",
    "Source",
    "StoredRequest",
    "brief_json",
    "stored_requests",
]

Source = Literal["draft", "verdict"]
SOURCES: tuple[Source, ...] = ("draft", "verdict")
BATCH = 2_000


def brief_json(verdict: Verdict) -> str:
    """The verdict's JSON with only what a replay compares: what it decided, and of its trace
    the steps that fired; the same shape, so either is read the same way. Stored beside the
    verdict when it is written: a retail verdict is about 4.5 kB of JSON (a draft's reply
    more), and reading it back took about 23 us of a replayed request's 200 or so; its brief
    is about 300 bytes, read in 5 us. (Built by hand: ``model_dump_json`` with ``include``
    took 19 us a verdict, this 6.5.)"""
    escalation = verdict.escalation
    return to_json(
        {
            "decision": verdict.decision,
            "rule": verdict.rule,
            "currency": verdict.currency,
            "refund": verdict.refund,
            "offers": [
                {"id": o.id, "amount": o.amount, "percent": o.percent, "cap": o.cap}
                for o in verdict.offers
            ],
            "escalation": None if escalation is None else {"target": escalation.target},
            "needs": [{"fact": need.fact} for need in verdict.needs],
            "trace": [
                {"rule": step.rule, "result": step.result}
                for step in verdict.trace
                if step.result == "fired"
            ],
        }
    ).decode()


@dataclass(frozen=True, slots=True)
class RequestScope:
    """Which stored requests to read: a policy's, optionally of one tenant, in a half-open time
    range [``since``, ``until``), from drafts, verdicts or both; at most the ``newest`` that
    many of them (by ``created_at``, then id) when given."""

    policy: str
    tenant: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    sources: tuple[Source, ...] = SOURCES
    newest: int | None = None
    # (k, n): only the k-th of n disjoint parts, which together hold every row (see ``_part``).
    part: tuple[int, int] | None = None


@dataclass(slots=True)  # not frozen: one a replayed row (see policy.domain.CaseRead)
class StoredRequest:
    """One stored request and what it was answered. ``answer_json`` is the verdict's brief
    (``brief_json``) when ``brief``; in rows stored before briefs, the verdict's JSON for a
    verdict and the whole reply's (its ``verdict`` inside) for a draft. ``channel`` is the
    channel a draft was asked for, which overrides the request's."""

    id: str
    source: Source
    created_at: dt.datetime
    tenant: str
    policy_version: str
    channel: str | None
    request_json: str
    answer_json: str
    brief: bool


def _query(
    scope: RequestScope, source: Source
) -> Select[str, dt.datetime, str, str, str | None, str, str, bool]:
    table = DraftRow if source == "draft" else VerdictRow
    whole = DraftRow.reply_json if source == "draft" else VerdictRow.verdict_json
    query = select(
        table.id,
        table.created_at,
        table.tenant,
        table.policy_version,
        DraftRow.channel if source == "draft" else null().label("channel"),
        table.request_json,
        # The whole answer only where no brief was stored: it is most of a row's bytes.
        func.coalesce(table.brief_json, whole),
        table.brief_json.is_not(None),
    ).where(table.policy_id == scope.policy)
    if scope.tenant is not None:
        query = query.where(table.tenant == scope.tenant)
    if scope.since is not None:
        query = query.where(table.created_at >= scope.since.astimezone(dt.UTC))
    if scope.until is not None:
        query = query.where(table.created_at < scope.until.astimezone(dt.UTC))
    if scope.part is not None:
        query = query.where(_part(table.id, *scope.part))
    if scope.newest is not None:
        query = query.order_by(table.created_at.desc(), table.id.desc()).limit(scope.newest)
    return query


# An id's random part is lowercase base32 (``audit.new_id``), and its next-to-last character
# carries five random bits: dealt out by that character, rows fall into parts of even size,
# whatever their order in the table. Equality on one character means the same in SQLite and
# in PostgreSQL under any collation, where ranges of ids would not.
_ID_CHARACTERS = "abcdefghijklmnopqrstuvwxyz234567"


def _part(id_column: InstrumentedAttribute[str], k: int, n: int) -> ColumnElement[bool]:
    """Whether a row's id falls in the k-th of n parts. The last part also takes every id
    whose character is not base32 (an id written some other way), so no row is left out."""
    if not 0 <= k < n:
        raise ValueError(f"part {k} of {n} does not exist")
    character = func.substr(id_column, func.length(id_column) - 1, 1)
    others = [c for i, c in enumerate(_ID_CHARACTERS) if i % n != k]
    if k < n - 1:
        return character.in_([c for i, c in enumerate(_ID_CHARACTERS) if i % n == k])
    return character.not_in(others) if others else true()


def stored_requests(engine: Engine, scope: RequestScope) -> Generator[StoredRequest, None, None]:
    """Every stored request in ``scope``, drafts first, then verdicts; when ``scope.newest`` is
    given, the newest that many of both together, newest first."""
    if scope.newest is not None and len(scope.sources) > 1:
        each = [stored_requests(engine, replace(scope, sources=(s,))) for s in scope.sources]
        newest_first = heapq.merge(*each, key=lambda r: (r.created_at, r.id), reverse=True)
        try:
            yield from islice(newest_first, scope.newest)
        finally:  # a read that stopped early gives its connection back now
            for reader in each:
                reader.close()
        return
    for source in scope.sources:
        # Closing the result closes PostgreSQL's server-side cursor when a reader stops early.
        with (
            engine.connect() as connection,
            connection.execution_options(yield_per=BATCH).execute(_query(scope, source)) as rows,
        ):
            for row in rows:
                yield StoredRequest(
                    id=row[0],
                    source=source,
                    created_at=utc(row[1]),
                    tenant=row[2],
                    policy_version=row[3],
                    channel=row[4],
                    request_json=row[5],
                    answer_json=row[6],
                    brief=bool(row[7]),
                )
