"""``/healthz`` (the process answers), ``/readyz`` (it can serve: database reachable and at
the current schema, policies loaded), ``/metrics`` (Prometheus) and ``/openapi.json``. Only
the first two are open without a key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi import Request as HttpRequest
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from drafter.api import metrics
from drafter.api.deps import Caller, ServicesDep
from drafter.keys import Role

__all__ = ["router"]

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: the database and the policies are usable",
    responses={503: {"description": "Not ready; the body says which check failed."}},
)
async def readyz(services: ServicesDep) -> JSONResponse:
    checks = await run_in_threadpool(services.readiness)
    ready = all(state == "ok" for state in checks.values())
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {"content": {metrics.CONTENT_TYPE_LATEST: {}}},
        403: {"description": "The key's role is not admin: the figures count every tenant."},
    },
)
async def prometheus(caller: Caller, services: ServicesDep) -> Response:
    caller.require(Role.admin)  # the figures count every tenant's requests
    body = metrics.exposition(services.settings.metrics_dir)
    return Response(body, media_type=metrics.CONTENT_TYPE_LATEST)


@router.get("/openapi.json", include_in_schema=False)
async def openapi(_caller: Caller, http: HttpRequest) -> dict[str, Any]:
    document: dict[str, Any] = http.app.openapi()
    return document
