"""``POST /v1/verdicts``: stage 1 only. Decide a request against a policy and record it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from drafter.api import metrics
from drafter.api.bodies import VerdictIn
from drafter.api.deps import Caller, ServicesDep, VerdictBody
from drafter.api.openapi import body_of
from drafter.policy import evaluate
from drafter.schemas import Verdict
from drafter.store import Author

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
    # Committed before the answer leaves: the audit log never misses a verdict it gave.
    author = Author(caller.tenant, caller.id)
    await services.audit_log.record_verdict(author, body.request, verdict, content)
    metrics.VERDICTS.labels(verdict.decision.value).inc()
    return Response(content, media_type="application/json")
