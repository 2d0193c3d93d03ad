"""``POST /v1/verdicts``: stage 1 only. Decide a request against a policy and record it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from drafter.api import metrics
from drafter.api.bodies import VerdictIn
from drafter.api.deps import Caller, ServicesDep, VerdictBody
from drafter.api.openapi import body_of
from drafter.policy import evaluate
from drafter.schemas import Verdict
from drafter.store.records import verdict_row

__all__ = ["router"]

router = APIRouter(prefix="/v1/verdicts", tags=["verdicts"])


@router.post(
    "",
    summary="Decide a request against a policy",
    response_model=None,
    responses={200: {"model": Verdict, "description": "The verdict, with its trace."}},
    openapi_extra=body_of(VerdictIn),
)
async def create_verdict(caller: Caller, body: VerdictBody, services: ServicesDep) -> Response:
    verdict = evaluate(services.registry.get(body.policy), body.request)
    content = verdict.model_dump_json()
    redact = services.settings.redact_pii
    # Committed before the answer leaves: the audit log never misses a verdict it gave.
    row = await run_in_threadpool(  # redaction reads the whole request: off the event loop
        verdict_row, caller, body.request, verdict, content, redact=redact
    )
    await services.writer.write([row])
    metrics.VERDICTS.labels(verdict.decision.value).inc()
    return Response(content, media_type="application/json")
