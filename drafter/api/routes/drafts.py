"""``/v1/drafts``: draft a reply (JSON or SSE), read a stored draft, record agent feedback."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from drafter.api.bodies import DraftIn, FeedbackIn, FieldProblem, InvalidBodyError
from drafter.api.deps import Caller, DraftBody, FeedbackBody, ServicesDep
from drafter.api.drafting import DraftCall, replayed
from drafter.api.openapi import body_of
from drafter.errors import NotFoundError
from drafter.pipeline import Reply
from drafter.store import Author, DraftRecord, utc

__all__ = ["router"]

router = APIRouter(prefix="/v1/drafts", tags=["drafts"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Repeat a request safely: the same key and body replay the first answer.",
    ),
]
# Ids are printable ASCII (dr_...); anything else, a NUL above all, is refused before the store
# is asked, since PostgreSQL refuses NUL even in a query.
DraftId = Annotated[str, Path(pattern=r"^[\x21-\x7e]+$", description="A draft id (dr_...).")]


class DraftOut(BaseModel):
    id: str
    reply: Reply


_SSE_DOC = (
    'With `Accept: text/event-stream`: `event: delta` with `data: {"text": ...}` (zero or '
    'more, the model\'s draft as it is written), then `event: final` with `data: {"id", '
    '"reply"}` (the checked reply, which may differ from the deltas), or `event: error` with '
    "a problem document."
)


@router.post(
    "",
    summary="Decide, then draft the reply (JSON, or SSE with Accept: text/event-stream)",
    response_model=None,
    responses={
        200: {
            "model": DraftOut,
            "description": "The stored draft. " + _SSE_DOC,
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        409: {"description": "The first request with this Idempotency-Key is still running."},
    },
    openapi_extra=body_of(DraftIn),
)
async def create_draft(
    http: HttpRequest,
    caller: Caller,
    body: DraftBody,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    call = DraftCall.begin(services, caller, body, idempotency_key, http)
    wants_stream = "text/event-stream" in http.headers.get("accept", "")
    await call.hold()
    streaming = False
    try:
        previous = await call.replay()
        if previous is not None:
            return replayed(previous, stream=wants_stream)
        # Decided once, here: the caller's own mistakes (unknown policy, bad request) get a
        # status code before any stream starts, and the pipeline phrases this verdict.
        verdict = services.pipeline.decide(body.request, body.policy, channel=body.channel)
        if wants_stream:
            streaming = True
            return call.stream(verdict)  # the stream releases the key when it ends
        return await call.json(verdict)
    finally:
        if not streaming:
            await call.release()


def _stored_draft(record: DraftRecord) -> dict[str, Any]:
    draft = record.draft
    return {
        "id": draft.id,
        "created_at": utc(draft.created_at).isoformat(),
        "policy": {
            "id": draft.policy_id,
            "version": draft.policy_version,
            "sha256": draft.policy_sha256,
        },
        "channel": draft.channel,
        "tone": draft.tone,
        "request": json.loads(draft.request_json),
        "reply": json.loads(draft.reply_json),
        "feedback": [
            {
                "id": item.id,
                "created_at": utc(item.created_at).isoformat(),
                "key_id": item.key_id,
                "outcome": item.outcome,
                "final_text": item.final_text,
                "reason": item.reason,
            }
            for item in record.feedback
        ],
    }


@router.get("/{draft_id}", summary="A stored draft with its feedback")
async def get_draft(draft_id: DraftId, caller: Caller, services: ServicesDep) -> JSONResponse:
    record = await run_in_threadpool(services.store.draft, draft_id, caller.tenant)
    if record is None:
        raise NotFoundError("draft", draft_id)
    return JSONResponse(_stored_draft(record))


@router.post(
    "/{draft_id}/feedback",
    status_code=201,
    summary="Record what the agent did with a draft",
    openapi_extra=body_of(FeedbackIn),
)
async def add_feedback(
    draft_id: DraftId, caller: Caller, body: FeedbackBody, services: ServicesDep
) -> JSONResponse:
    record = await run_in_threadpool(services.store.draft, draft_id, caller.tenant)
    if record is None:
        raise NotFoundError("draft", draft_id)
    final_text = _final_text(body, record)
    author = Author(caller.tenant, caller.id)
    feedback_id = await services.audit_log.record_feedback(
        author, draft_id, body.outcome, final_text, body.reason
    )
    headers = {"Location": f"/v1/drafts/{draft_id}"}
    body_out = {"id": feedback_id, "draft_id": draft_id}
    return JSONResponse(body_out, status_code=201, headers=headers)


def _final_text(body: FeedbackIn, record: DraftRecord) -> str:
    """What the agent sent: as given; for sent_as_is without text, the draft itself."""
    if body.outcome == "edited" and not body.final_text.strip():
        message = "is required when the outcome is edited"
        raise InvalidBodyError([FieldProblem("final_text", "/final_text", message)])
    if body.outcome == "sent_as_is" and not body.final_text:
        body_text: str = json.loads(record.draft.reply_json)["draft"]["body"]
        return body_text
    return body.final_text
