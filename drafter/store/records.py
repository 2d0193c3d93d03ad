"""Build the rows the API stores, from the objects it served, redacting if configured."""

from __future__ import annotations

import json
from dataclasses import dataclass

from drafter.keys import ApiKey
from drafter.pipeline import Reply
from drafter.schemas import Request, Verdict
from drafter.store.audit import new_id, utcnow
from drafter.store.redact import redact_json, redact_text
from drafter.store.tables import Base, DraftRow, FeedbackRow, VerdictRow
from drafter.store.writer import NewRow

__all__ = ["DraftFacts", "draft_row", "feedback_row", "request_json", "verdict_row"]

VERDICTS = Base.metadata.tables[VerdictRow.__tablename__]
DRAFTS = Base.metadata.tables[DraftRow.__tablename__]
FEEDBACK = Base.metadata.tables[FeedbackRow.__tablename__]


def request_json(request: Request, *, redact: bool) -> str:
    """The request as stored: its JSON, with personal data masked when ``redact``."""
    text = request.model_dump_json()
    return json.dumps(redact_json(json.loads(text)), ensure_ascii=False) if redact else text


def verdict_row(
    caller: ApiKey, request: Request, verdict: Verdict, verdict_json: str, *, redact: bool
) -> NewRow:
    return NewRow(
        VERDICTS,
        {
            "id": new_id("vd"),
            "created_at": utcnow(),
            "tenant": caller.tenant,
            "key_id": caller.id,
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
    caller: ApiKey, draft_id: str, outcome: str, final_text: str, reason: str, *, redact: bool
) -> NewRow:
    """Feedback on a draft of the caller's tenant, recording which key gave it."""
    return NewRow(
        FEEDBACK,
        {
            "id": new_id("fb"),
            "draft_id": draft_id,
            "created_at": utcnow(),
            "tenant": caller.tenant,
            "key_id": caller.id,
            "outcome": outcome,
            "final_text": redact_text(final_text) if redact else final_text,
            "reason": redact_text(reason) if redact else reason,
            "redacted": redact,
        },
    )


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What the API knows about a draft request besides the reply."""

    caller: ApiKey
    idempotency_key: str | None
    body_sha256: str
    policy_id: str
    request: Request
    channel: str
    tone: str | None


def draft_row(facts: DraftFacts, reply: Reply, reply_json: str, *, redact: bool) -> NewRow:
    """The row for one draft: the request (redacted if asked), the whole reply as JSON, and
    the columns the report and the idempotency check read."""
    verdict, draft = reply.verdict, reply.draft
    return NewRow(
        DRAFTS,
        {
            "id": new_id("dr"),
            "created_at": utcnow(),
            "tenant": facts.caller.tenant,
            "key_id": facts.caller.id,
            "idempotency_key": facts.idempotency_key,
            "body_sha256": facts.body_sha256,
            "policy_id": facts.policy_id,
            "policy_version": verdict.policy.version,
            "policy_sha256": verdict.policy.sha256,
            "channel": facts.channel,
            "tone": facts.tone,
            "decision": verdict.decision.value,
            "rule": verdict.rule,
            "fallback": reply.fallback,
            "repaired": reply.repaired,
            "llm_calls": reply.llm_calls,
            "provider": draft.provenance.provider,
            "model": draft.provenance.model,
            "template_version": reply.template_version,
            "prompt_sha256": reply.prompt_sha256,
            "request_json": request_json(facts.request, redact=redact),
            "redacted": redact,
            "reply_json": reply_json,
        },
    )
