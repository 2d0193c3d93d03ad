"""Build the rows the API stores, from the objects it served, redacting if configured."""

from __future__ import annotations

import json

from drafter.schemas import Request, Verdict
from drafter.store.audit import new_id, utcnow
from drafter.store.redact import redact_json, redact_text
from drafter.store.tables import Base, FeedbackRow, VerdictRow
from drafter.store.writer import NewRow

__all__ = ["feedback_row", "request_json", "verdict_row"]

VERDICTS = Base.metadata.tables[VerdictRow.__tablename__]
FEEDBACK = Base.metadata.tables[FeedbackRow.__tablename__]


def request_json(request: Request, *, redact: bool) -> str:
    """The request as stored: its JSON, with personal data masked when ``redact``."""
    text = request.model_dump_json()
    return json.dumps(redact_json(json.loads(text)), ensure_ascii=False) if redact else text


def verdict_row(
    key_id: str, request: Request, verdict: Verdict, verdict_json: str, *, redact: bool
) -> NewRow:
    return NewRow(
        VERDICTS,
        {
            "id": new_id("vd"),
            "created_at": utcnow(),
            "key_id": key_id,
            "policy_id": verdict.policy.id,
            "policy_version": verdict.policy.version,
            "policy_sha256": verdict.policy.sha256,
            "decision": verdict.decision.value,
            "rule": verdict.rule,
            "request_json": request_json(request, redact=redact),
            "redacted": redact,
            "verdict_json": verdict_json,
        },
    )


def feedback_row(
    key_id: str, draft_id: str, outcome: str, final_text: str, reason: str, *, redact: bool
) -> NewRow:
    return NewRow(
        FEEDBACK,
        {
            "id": new_id("fb"),
            "draft_id": draft_id,
            "created_at": utcnow(),
            "key_id": key_id,
            "outcome": outcome,
            "final_text": redact_text(final_text) if redact else final_text,
            "reason": redact_text(reason) if redact else reason,
            "redacted": redact,
        },
    )
