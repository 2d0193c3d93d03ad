"""The store's front door for what the API serves: ``record_verdict``, ``record_draft`` and
``record_feedback`` take what was asked and answered, build the rows (redacting personal data
when configured, in the group writer's thread), commit them, and return the new id. The callers
never see a row; the store knows nothing of the pipeline beyond the few fields of a reply it
keeps (``StoredReply``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from drafter.schemas import Request, Verdict
from drafter.store.audit import new_id, utcnow
from drafter.store.redact import redact_json, redact_text
from drafter.store.replay import brief_json
from drafter.store.tables import Base, DraftRow, FeedbackRow, VerdictRow
from drafter.store.writer import GroupWriter, NewRow

__all__ = [
    "AuditLog",
    "Author",
    "DraftFacts",
    "DuplicateDraft",
    "StoredReply",
    "request_json",
]

VERDICTS = Base.metadata.tables[VerdictRow.__tablename__]
DRAFTS = Base.metadata.tables[DraftRow.__tablename__]
FEEDBACK = Base.metadata.tables[FeedbackRow.__tablename__]


def request_json(request: Request, *, redact: bool) -> str:
    """The request as stored: its JSON, with personal data masked when ``redact``."""
    text = request.model_dump_json()
    return json.dumps(redact_json(json.loads(text)), ensure_ascii=False) if redact else text


@dataclass(frozen=True, slots=True)
class Author:
    """Who stored a row: the key, and the tenant every row of that key belongs to."""

    tenant: str
    key_id: str


class DuplicateDraft(Exception):
    """Another request with the same Idempotency-Key stored its draft first."""


class _Provenance(Protocol):
    @property
    def provider(self) -> str: ...
    @property
    def model(self) -> str | None: ...


class _Draft(Protocol):
    @property
    def provenance(self) -> _Provenance: ...


class StoredReply(Protocol):
    """What the store keeps of a pipeline's reply besides its JSON."""

    @property
    def verdict(self) -> Verdict: ...
    @property
    def draft(self) -> _Draft: ...
    @property
    def fallback(self) -> bool: ...
    @property
    def repaired(self) -> bool: ...
    @property
    def llm_calls(self) -> int: ...
    @property
    def template_version(self) -> str: ...
    @property
    def prompt_sha256(self) -> str: ...
    def model_dump_json(self) -> str: ...


class AuditLog:
    """Records what the API served, each call committed before it returns."""

    def __init__(self, writer: GroupWriter, *, redact: bool) -> None:
        self.writer = writer
        self.redact = redact

    async def record_verdict(
        self, author: Author, request: Request, verdict: Verdict, verdict_json: str
    ) -> str:
        """Store a verdict given to ``request``; returns its id."""
        row = await self._write(_verdict_row, author, request, verdict, verdict_json)
        return str(row["id"])

    async def record_draft(self, facts: DraftFacts, reply: StoredReply) -> tuple[str, str]:
        """Store a draft; returns its id and the reply's JSON as stored.

        Raises:
            DuplicateDraft: a draft with this Idempotency-Key was stored first.
        """
        try:
            row = await self._write(_draft_row, facts, reply)
        except IntegrityError as error:
            if facts.idempotency_key is None:
                raise
            raise DuplicateDraft(facts.idempotency_key) from error
        return row["id"], row["reply_json"]

    async def record_feedback(
        self, author: Author, draft_id: str, outcome: str, final_text: str, reason: str
    ) -> str:
        """Store what the agent did with a draft of the author's tenant; returns its id."""
        row = await self._write(_feedback_row, author, draft_id, outcome, final_text, reason)
        return str(row["id"])

    async def _write(self, build: Callable[..., NewRow], *args: Any) -> dict[str, Any]:
        """The row's values, once committed.

        Unredacted, the row is built here, on the event loop: it is serialized by pydantic-core
        in linear time (under 5 ms for the largest reply measured, 780 kB of JSON), which costs
        less than a hop to another thread and back. Redacting reads the customer's text with
        patterns in Python, so a redacted row is built in the writer's thread, off the loop.
        """
        if not self.redact:
            row = build(*args, False)
            await self.writer.write([row])
            return row.values
        built: list[NewRow] = []

        def rows() -> list[NewRow]:
            built.append(build(*args, True))
            return built

        await self.writer.write(rows)
        return built[0].values


def _verdict_row(
    author: Author, request: Request, verdict: Verdict, verdict_json: str, redact: bool
) -> NewRow:
    return NewRow(
        VERDICTS,
        {
            "id": new_id("vd"),
            "created_at": utcnow(),
            "tenant": author.tenant,
            "key_id": author.key_id,
            "policy_id": verdict.policy.id,
            "policy_version": verdict.policy.version,
            "policy_sha256": verdict.policy.sha256,
            "decision": verdict.decision.value,
            "rule": verdict.rule,
            "request_json": request_json(request, redact=redact),
            "redacted": redact,
            "verdict_json": verdict_json,
            "brief_json": brief_json(verdict),
        },
    )


def _feedback_row(
    author: Author, draft_id: str, outcome: str, final_text: str, reason: str, redact: bool
) -> NewRow:
    """Feedback on a draft of the author's tenant, recording which key gave it."""
    return NewRow(
        FEEDBACK,
        {
            "id": new_id("fb"),
            "draft_id": draft_id,
            "created_at": utcnow(),
            "tenant": author.tenant,
            "key_id": author.key_id,
            "outcome": outcome,
            "final_text": redact_text(final_text) if redact else final_text,
            "reason": redact_text(reason) if redact else reason,
            "redacted": redact,
        },
    )


@dataclass(frozen=True, slots=True)
class DraftFacts:
    """What the API knows about a draft request besides the reply."""

    author: Author
    idempotency_key: str | None
    body_sha256: str
    policy_id: str
    request: Request
    channel: str
    tone: str | None


def _draft_row(facts: DraftFacts, reply: StoredReply, redact: bool) -> NewRow:
    """The row for one draft: the request (redacted if asked), the whole reply as JSON, and
    the columns the report and the idempotency check read."""
    verdict, draft = reply.verdict, reply.draft
    return NewRow(
        DRAFTS,
        {
            "id": new_id("dr"),
            "created_at": utcnow(),
            "tenant": facts.author.tenant,
            "key_id": facts.author.key_id,
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
            "reply_json": reply.model_dump_json(),
            "brief_json": brief_json(verdict),
        },
    )
