"""``POST /v1/drafts`` behind its route: idempotency, recording, JSON and SSE answers.

A draft is committed to the audit store before any byte of its answer is sent (the final SSE
event included), so every answer a client received names a stored draft.

Idempotency (per API key): the first request with a given ``Idempotency-Key`` is answered and
stored with a hash of its parsed body. A later request with the same key and the same body
gets the stored answer again, byte for byte; with a different body, 422. While the first is
still running, a second gets 409, on any worker or instance: the first holds a claim on the
key in the store (``drafter.store.claims``). Should two ever draft with one key (a claim taken
over from an instance thought dead), the store's unique constraint settles it: the loser
answers with the winner's draft.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import anyio
from fastapi.sse import EventSourceResponse, format_sse_event
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from drafter.api import metrics
from drafter.api.bodies import DraftIn
from drafter.api.logs import request_id_var
from drafter.api.problems import Problem, internal_problem, problem_for
from drafter.api.services import Services
from drafter.errors import DrafterError, IdempotencyError
from drafter.keys import ApiKey
from drafter.pipeline import Delta, Reply
from drafter.schemas import Verdict
from drafter.store import Author, DraftFacts, DraftRow, DuplicateDraft

__all__ = ["DraftCall", "answer", "replayed"]

log = logging.getLogger("drafter.api")


@dataclass
class DraftCall:
    """One ``POST /v1/drafts``: what was asked, by whom, under which Idempotency-Key."""

    services: Services
    caller: ApiKey
    body: DraftIn
    idempotency_key: str | None
    path: str
    started: float
    # The exchange's state (``scope["state"]``): a stream that ends in an error event puts its
    # status there, so the access log and metrics count the error, not the 200 already sent.
    state: dict[str, Any]
    held: bool = field(default=False, init=False)

    @classmethod
    def begin(
        cls, services: Services, caller: ApiKey, body: DraftIn, key: str | None, http: Request
    ) -> DraftCall:
        state = http.scope.setdefault("state", {})
        return cls(services, caller, body, key, http.url.path, time.perf_counter(), state)

    @cached_property
    def body_sha256(self) -> str:
        """A hash of the parsed body, so spacing and key order do not make a body "other"."""
        return hashlib.sha256(self.body.model_dump_json().encode()).hexdigest()

    @property
    def facts(self) -> DraftFacts:
        body = self.body
        channel = (body.channel or body.request.channel).value
        return DraftFacts(
            author=Author(self.caller.tenant, self.caller.id),
            idempotency_key=self.idempotency_key,
            body_sha256=self.body_sha256,
            policy_id=body.policy,
            request=body.request,
            channel=channel,
            tone=body.tone,
        )

    # --- idempotency -----------------------------------------------------------------------

    async def replay(self) -> DraftRow | None:
        """The stored draft this request repeats, if any.

        Raises:
            IdempotencyError: the key was used with another body.
        """
        if self.idempotency_key is None:
            return None
        store = self.services.store
        row = await run_in_threadpool(
            store.draft_by_idempotency_key, self.caller.id, self.idempotency_key
        )
        if row is None:
            return None
        if row.body_sha256 != self.body_sha256:
            raise IdempotencyError(
                f"Idempotency-Key '{self.idempotency_key}' was already used with a different body"
            )
        return row

    @property
    def _slot(self) -> tuple[str, str]:
        assert self.idempotency_key is not None
        return (self.caller.id, self.idempotency_key)

    async def hold(self) -> None:
        """Claim the key in the store, for this request on any instance.

        Raises:
            IdempotencyError: a request with this key is running already.
        """
        if self.idempotency_key is None:
            return
        if not await run_in_threadpool(self.services.claims.claim, *self._slot):
            raise IdempotencyError(
                f"a request with Idempotency-Key '{self.idempotency_key}' is still running",
                in_progress=True,
            )
        self.held = True

    async def release(self) -> None:
        """Let go of the key (once; a stream calls this twice). Shielded: a client that
        leaves mid-stream cancels the stream, and the claim must go all the same."""
        if not self.held:
            return
        self.held = False
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(self.services.claims.release, *self._slot)

    # --- recording -------------------------------------------------------------------------

    async def record(self, reply: Reply) -> str:
        """Commit the draft and return the answer document ``{"id", "reply"}`` as JSON."""
        try:
            draft_id, reply_json = await self.services.audit_log.record_draft(self.facts, reply)
        except DuplicateDraft:
            winner = await self.replay()  # another process answered this key first
            if winner is None:
                raise
            return answer(winner.id, winner.reply_json)
        self._account(draft_id, reply)
        return answer(draft_id, reply_json)

    def _account(self, draft_id: str, reply: Reply) -> None:
        total = time.perf_counter() - self.started
        overhead = max(0.0, total - llm_seconds(reply))
        metrics.DRAFT_OVERHEAD.observe(overhead)
        metrics.DRAFTS.labels(reply.verdict.decision.value, str(reply.fallback).lower()).inc()
        details = {
            "draft_id": draft_id,
            "policy": self.body.policy,
            "decision": reply.verdict.decision.value,
            "fallback": reply.fallback,
            "llm_calls": reply.llm_calls,
            "overhead_ms": round(overhead * 1000, 2),
        }
        if self.services.settings.log_message_text:
            details["customer_message"] = self.body.request.message
        log.info("draft", extra=details)

    # --- answers ---------------------------------------------------------------------------

    async def json(self, verdict: Verdict) -> Response:
        """The reply to a request whose ``verdict`` the route has already decided."""
        body = self.body
        reply = await self.services.pipeline.reply(
            body.request, body.policy, channel=body.channel, tone=body.tone, verdict=verdict
        )
        return Response(await self.record(reply), media_type="application/json")

    def stream(self, verdict: Verdict) -> EventSourceResponse:
        # The generator releases the Idempotency-Key when it ends; the background task covers
        # a client that left before the stream even started (then the generator never runs).
        return EventSourceResponse(
            self._events(verdict),
            headers={"Cache-Control": "no-store"},
            background=BackgroundTask(self.release),
        )

    async def _events(self, verdict: Verdict) -> AsyncIterator[bytes]:
        try:
            body = self.body
            async for event in self.services.pipeline.stream(
                body.request, body.policy, channel=body.channel, tone=body.tone, verdict=verdict
            ):
                if isinstance(event, Delta):
                    yield sse("delta", json.dumps({"text": event.text}, ensure_ascii=False))
                else:
                    yield sse("final", await self.record(event.reply))
        except DrafterError as error:
            yield self._problem_event(problem_for(error))
        except Exception:
            log.error("draft stream failed", exc_info=True)
            yield self._problem_event(internal_problem())
        finally:
            await self.release()

    def _problem_event(self, problem: Problem) -> bytes:
        self.state[metrics.STREAM_STATUS] = problem.status
        document = problem.body(instance=self.path, request_id=request_id_var.get())
        return sse("error", json.dumps(document))


def answer(draft_id: str, reply_json: str) -> str:
    """The answer document, built around the reply's JSON as stored (so a replay is the same
    bytes as the first answer)."""
    return f'{{"id":{json.dumps(draft_id)},"reply":{reply_json}}}'


def replayed(row: DraftRow, *, stream: bool) -> Response:
    """The stored answer again: as JSON, or as an SSE stream holding only the final event."""
    document = answer(row.id, row.reply_json)
    if not stream:
        return Response(document, media_type="application/json")

    async def final() -> AsyncIterator[bytes]:
        yield sse("final", document)

    return EventSourceResponse(final(), headers={"Cache-Control": "no-store"})


def sse(event: str, data: str) -> bytes:
    return format_sse_event(event=event, data_str=data)


def llm_seconds(reply: Reply) -> float:
    """The language model's own time behind a reply (both calls when it was repaired)."""
    drafts = [reply.raw_draft] if reply.raw_draft is not None else []
    if reply.repaired or reply.raw_draft is None:
        drafts.append(reply.draft)
    return sum((d.provenance.latency_ms or 0.0) for d in drafts if not d.templated) / 1000
