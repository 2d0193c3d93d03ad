"""``/v1/drafts``: draft a reply (JSON or SSE), list and read stored drafts, record agent
feedback."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from drafter.api.bodies import DraftIn, FeedbackIn, FieldProblem, InvalidBodyError
from drafter.api.deps import Caller, DraftBody, FeedbackBody, ServicesDep
from drafter.api.drafting import DraftCall, replayed
from drafter.api.openapi import body_of
from drafter.errors import NotFoundError
from drafter.keys import Role
from drafter.pipeline import Reply
from drafter.schemas import Decision
from drafter.store import (
    Author,
    DraftFilter,
    DraftRecord,
    DraftSummary,
    Position,
    utc,
)

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


Printable = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")]
_ISO_TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2})$")


def _iso_time(value: object) -> object:
    """Only an ISO 8601 time with a zone: pydantic would also read ``0`` as 1970."""
    if not isinstance(value, str) or not _ISO_TIME.fullmatch(value):
        raise ValueError("must be a time with a zone, such as 2026-11-02T09:00:00Z")
    return value


def _whole_number(value: object) -> object:
    """Only ASCII digits: pydantic would also read ``1.0``."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("must be a whole number written with the digits 0-9")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_iso_time)]
Limit = Annotated[int, BeforeValidator(_whole_number)]


class DraftsQuery(BaseModel):
    """``GET /v1/drafts``: every filter is optional and they combine with AND. A parameter
    this list does not know is refused, never ignored: a misspelt filter would otherwise
    widen the list silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: Printable | None = Field(None, description="A policy id.")
    decision: Decision | None = None
    rule: Printable | None = Field(None, description="The rule that decided.")
    fallback: bool | None = Field(None, description="The reply fell back to the template.")
    repaired: bool | None = Field(None, description="The model's draft was repaired once.")
    feedback: Literal["sent_as_is", "edited", "rejected", "none"] | None = Field(
        None, description="The outcome of the draft's latest feedback; none: no feedback yet."
    )
    created_from: Moment | None = Field(
        None, description="Stored at or after this time (with a time zone)."
    )
    created_before: Moment | None = Field(
        None, description="Stored before this time (with a time zone)."
    )
    limit: Limit = Field(50, ge=1, le=200, description="At most this many drafts.")
    cursor: str | None = Field(
        None,
        max_length=200,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="next_cursor of the previous page; the filters must be the same.",
    )


class PolicyOut(BaseModel):
    id: str
    version: str
    sha256: str


class DraftSummaryOut(BaseModel):
    id: str
    href: str
    created_at: dt.datetime
    policy: PolicyOut
    channel: str
    tone: str | None
    decision: Decision
    rule: str
    fallback: bool
    repaired: bool
    feedback: Literal["sent_as_is", "edited", "rejected"] | None = Field(
        description="The outcome of the latest feedback, if any."
    )


class DraftPage(BaseModel):
    items: list[DraftSummaryOut]
    next_cursor: str | None = Field(
        description="Pass as cursor for the next page; null on the last page."
    )


def _summary(draft: DraftSummary) -> dict[str, Any]:
    return {
        "id": draft.id,
        "href": f"/v1/drafts/{draft.id}",
        "created_at": draft.created_at.isoformat(),
        "policy": {
            "id": draft.policy_id,
            "version": draft.policy_version,
            "sha256": draft.policy_sha256,
        },
        "channel": draft.channel,
        "tone": draft.tone,
        "decision": draft.decision,
        "rule": draft.rule,
        "fallback": draft.fallback,
        "repaired": draft.repaired,
        "feedback": draft.outcome,
    }


def _filter(query: DraftsQuery) -> DraftFilter:
    if (
        query.created_from is not None
        and query.created_before is not None
        and query.created_from >= query.created_before
    ):
        message = "must be later than created_from"
        raise InvalidBodyError([FieldProblem("query.created_before", "", message)])
    return DraftFilter(
        policy=query.policy,
        decision=query.decision.value if query.decision is not None else None,
        rule=query.rule,
        fallback=query.fallback,
        repaired=query.repaired,
        outcome=query.feedback,
        created_from=query.created_from,
        created_before=query.created_before,
    )


def _position(cursor: str | None) -> Position | None:
    if cursor is None:
        return None
    try:
        return Position.from_cursor(cursor)
    except ValueError as error:
        raise InvalidBodyError([FieldProblem("query.cursor", "", str(error))]) from None


def _no_repeats(http: HttpRequest) -> None:
    """A parameter given twice is refused: which one was meant cannot be told."""
    names = [name for name, _ in http.query_params.multi_items()]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        problems = [
            FieldProblem(f"query.{name}", "", "is given more than once") for name in repeated
        ]
        raise InvalidBodyError(problems)


@router.get(
    "",
    summary="The tenant's stored drafts, newest first, a page at a time",
    response_model=None,
    responses={
        200: {"model": DraftPage, "description": "A page; next_cursor leads to the next one."},
        403: {"description": "The key's role is not supervisor or admin."},
    },
)
async def list_drafts(
    http: HttpRequest,
    caller: Caller,
    services: ServicesDep,
    query: Annotated[DraftsQuery, Query()],
) -> JSONResponse:
    """Drafts of the caller's tenant only. Pages are cut by a cursor over (created_at, id), so
    drafts stored while a client pages through neither repeat nor skip a draft."""
    caller.require(Role.supervisor)
    _no_repeats(http)
    where, after = _filter(query), _position(query.cursor)
    # One row more than asked says whether there is a next page.
    found = await run_in_threadpool(
        services.store.drafts_page, caller.tenant, where, after=after, limit=query.limit + 1
    )
    page = found[: query.limit]
    more = len(found) > query.limit
    body = {
        "items": [_summary(draft) for draft in page],
        "next_cursor": page[-1].position.cursor() if more else None,
    }
    return JSONResponse(body)


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
