"""The FastAPI application factory.

``create_app()`` is what ``drafter serve`` runs (uvicorn ``--factory``). Everything the routes
need is built in the lifespan, so importing this module opens nothing.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from drafter.api import console
from drafter.api.middleware import ServiceMiddleware
from drafter.api.openapi import install_openapi
from drafter.api.problems import install_problem_handlers
from drafter.api.routes import drafts, health, lookups, policies, verdicts
from drafter.api.services import Services
from drafter.settings import Settings

__all__ = ["create_app"]

DESCRIPTION = """\
Policy-checked drafts for refund, return, exchange and cancellation replies.

Every route but `/healthz` and `/readyz` needs `Authorization: Bearer <key>` (make one with
`drafter keys create`). Errors are RFC 9457 `application/problem+json`; every response
carries `X-Request-ID`.
"""


def create_app(settings: Settings | None = None, *, migrate_schema: bool = True) -> FastAPI:
    """Build the app. ``migrate_schema`` upgrades the audit store on start-up (a no-op when
    it is current)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services.start(settings, migrate_schema=migrate_schema)
        app.state.services = services
        # What lives as long as the process (modules, policies, schemas) leaves the garbage
        # collector's reach: a full collection, which a large hostile draft's many objects
        # can set off, then walks only what requests made, not everything, while the event
        # loop waits (236 ms otherwise, measured with /healthz polled during such a draft).
        gc.collect()
        gc.freeze()
        # The event loop shares the interpreter lock with the threads that check drafts: it
        # gets the lock back after at most 1 ms of their work instead of 5.
        sys.setswitchinterval(0.001)
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="drafter",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by routes/health.py, behind a key like every other route
    )
    for module in (health, policies, verdicts, drafts, lookups):
        app.include_router(module.router)
    app.include_router(console.router)  # the pages at /console, outside the OpenAPI document
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(
        ServiceMiddleware,
        max_body_bytes=settings.max_body_bytes,
        body_timeout_s=settings.api_body_timeout_s,
    )
    return app
