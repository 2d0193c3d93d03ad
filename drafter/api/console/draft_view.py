"""What the draft page shows, read from a stored draft's JSON (as ``GET /v1/drafts/{id}``
returns it): the request as a table of facts, the verdict, the drafts and the guard's reports,
and each piece of feedback with the agent's text compared to the final reply.

Stored documents are read with ``.get``: a draft stored by an older release may lack a field
that was added since, and its page must still open."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from drafter.api.console.diff import Diff, compare, deadline
from drafter.store import DraftRecord, utc

__all__ = ["DraftView", "Fact", "FeedbackView", "draft_view", "facts", "money"]

# Long free text is shown as text blocks, not squeezed into the facts table.
_TEXT_FIELDS = ("message", "thread")


@dataclass(frozen=True, slots=True)
class Fact:
    path: str
    value: str


@dataclass(frozen=True, slots=True)
class FeedbackView:
    created_at: str
    key_id: str
    outcome: str
    reason: str
    final_text: str
    diff: Diff | None  # None when the agent sent nothing (rejected)


@dataclass(frozen=True, slots=True)
class DraftView:
    id: str
    created_at: str
    policy: str
    channel: str
    tone: str | None
    provider: str
    model: str
    redacted: bool
    facts: list[Fact]
    message: str
    thread: list[dict[str, Any]]
    verdict: dict[str, Any]
    reply: dict[str, Any]
    feedback: list[FeedbackView]


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def facts(value: Any, path: str = "") -> list[Fact]:
    """A JSON document as rows of (dotted path, value), lists numbered from 1."""
    if isinstance(value, dict):
        rows: list[Fact] = []
        for name, inner in value.items():
            rows += facts(inner, f"{path}.{name}" if path else str(name))
        return rows
    if isinstance(value, list):
        if not value:
            return [Fact(path, "none")]
        rows = []
        for index, inner in enumerate(value, 1):
            rows += facts(inner, f"{path}[{index}]")
        return rows
    return [Fact(path, _scalar(value))]


def money(value: dict[str, Any] | None) -> str:
    """``{"amount": "89.00", "currency": "USD"}`` as ``89.00 USD``."""
    if not value:
        return "—"
    return f"{value.get('amount', '?')} {value.get('currency', '')}".strip()


def _feedback(record: DraftRecord, final_body: str) -> list[FeedbackView]:
    until = deadline()
    return [
        FeedbackView(
            created_at=utc(item.created_at).strftime("%Y-%m-%d %H:%M UTC"),
            key_id=item.key_id,
            outcome=item.outcome,
            reason=item.reason,
            final_text=item.final_text,
            diff=compare(final_body, item.final_text, until) if item.final_text else None,
        )
        for item in record.feedback
    ]


def draft_view(record: DraftRecord) -> DraftView:
    """The page's view of a stored draft. Runs in a worker thread: it parses and compares
    up to tens of kB of text."""
    row = record.draft
    request: dict[str, Any] = json.loads(row.request_json)
    reply: dict[str, Any] = json.loads(row.reply_json)
    table = {name: value for name, value in request.items() if name not in _TEXT_FIELDS}
    final_body = str((reply.get("draft") or {}).get("body", ""))
    return DraftView(
        id=row.id,
        created_at=utc(row.created_at).strftime("%Y-%m-%d %H:%M UTC"),
        policy=f"{row.policy_id} {row.policy_version}",
        channel=row.channel,
        tone=row.tone,
        provider=row.provider,
        model=row.model,
        redacted=row.redacted,
        facts=facts(table),
        message=str(request.get("message") or ""),
        thread=list(request.get("thread") or []),
        verdict=reply.get("verdict") or {},
        reply=reply,
        feedback=_feedback(record, final_body),
    )
