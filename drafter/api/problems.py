"""The one place where errors become HTTP: RFC 9457 ``application/problem+json``.

The core raises drafter errors (drafter/errors.py) and knows nothing of status codes; this
module maps each kind to a status and a problem type, and turns anything unexpected into a
plain 500 that carries the request id and never a stack trace.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi import Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from drafter.api.bodies import InvalidBodyError
from drafter.errors import (
    AuthError,
    ConfigError,
    DrafterError,
    ExceptionGrantError,
    ForbiddenError,
    IdempotencyError,
    LLMError,
    LookupFailed,
    NotFoundError,
    PolicyError,
    RateLimitedError,
    RequestError,
    RuntimeFailure,
    UnknownPolicyError,
)

__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "install_problem_handlers",
    "internal_problem",
    "problem_for",
]

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("drafter.api")


@dataclass
class Problem:
    """One RFC 9457 problem; ``slug`` names its type (``/problems/<slug>``)."""

    status: int
    slug: str
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, *, instance: str, request_id: str | None) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"/problems/{self.slug}" if self.slug != "about:blank" else self.slug,
            "title": HTTPStatus(self.status).phrase,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
            "request_id": request_id,
        }
        if self.errors:
            document["errors"] = self.errors
        return document | self.extra

    def response(self, *, instance: str, request_id: str | None) -> Response:
        content = json.dumps(self.body(instance=instance, request_id=request_id)).encode()
        return Response(content, self.status, self.headers, media_type=PROBLEM_JSON)


def problem_for(error: DrafterError) -> Problem:
    """The problem a drafter error stands for."""
    if isinstance(error, InvalidBodyError):
        errors = [
            {"field": p.field, "pointer": p.pointer, "message": p.message} for p in error.problems
        ]
        return Problem(422, "invalid-request", str(error), errors)
    if isinstance(error, RequestError):
        return _request_problem(error)
    if isinstance(error, UnknownPolicyError):
        detail = str(error)
        errors = [{"field": "policy", "pointer": "/policy", "message": detail}]
        return Problem(422, "unknown-policy", detail, errors, {"known": error.known})
    return _other_problem(error)


def _request_problem(error: RequestError) -> Problem:
    slug = "exception-not-allowed" if isinstance(error, ExceptionGrantError) else "invalid-request"
    pointer = "/request/" + error.field.replace(".", "/") if not error.field.startswith("(") else ""
    errors = [{"field": error.field, "pointer": pointer, "message": error.detail}]
    return Problem(422, slug, str(error), errors)


def _other_problem(error: DrafterError) -> Problem:
    if isinstance(error, NotFoundError):
        return Problem(404, "not-found", str(error))
    if isinstance(error, AuthError):
        return Problem(401, "unauthorized", str(error), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, ForbiddenError):
        return Problem(403, "forbidden", str(error))
    if isinstance(error, RateLimitedError):
        seconds = max(1, int(error.retry_after + 0.999))
        headers = {"Retry-After": str(seconds)}
        return Problem(
            429, "rate-limited", str(error), extra={"retry_after": seconds}, headers=headers
        )
    if isinstance(error, IdempotencyError):
        return Problem(409 if error.in_progress else 422, "idempotency-key", str(error))
    if isinstance(error, PolicyError):
        log.error("policy file failed to load: %s", error)
        where = Path(error.file).name
        return Problem(500, "policy-invalid", f"the policy file {where} is invalid: {error.detail}")
    if isinstance(error, ConfigError):
        log.error("configuration error: %s", error)
        return Problem(500, "misconfigured", "the service is misconfigured; see its log")
    if isinstance(error, LLMError):
        return Problem(502, "llm-failed", str(error))
    if isinstance(error, LookupFailed):
        return _lookup_problem(error)
    if isinstance(error, RuntimeFailure):
        log.error("run-time failure: %s", error)
        return Problem(503, "unavailable", str(error), headers={"Retry-After": "5"})
    return Problem(400, "bad-request", str(error))


# What each kind of failed lookup is to the caller: the order system's fault (502), too slow
# (504), no such record there (404), or not set up for the caller's tenant (503).
_LOOKUP_STATUS = {"timeout": 504, "not_found": 404, "not_configured": 503}


def _lookup_problem(error: LookupFailed) -> Problem:
    status = _LOOKUP_STATUS.get(error.kind, 502)
    slug = {504: "lookup-timeout", 404: "lookup-not-found", 503: "lookup-not-configured"}
    extra = {"lookup": error.lookup, "reason": error.kind}
    return Problem(status, slug.get(status, "lookup-failed"), str(error), extra=extra)


def _respond(request: HttpRequest, problem: Problem) -> Response:
    request_id = getattr(request.state, "request_id", None)
    return problem.response(instance=request.url.path, request_id=request_id)


async def _drafter_error(request: HttpRequest, error: Exception) -> Response:
    assert isinstance(error, DrafterError)
    return _respond(request, problem_for(error))


async def _http_error(request: HttpRequest, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    slug = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "about:blank")
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = _allowed_methods(request, headers.get("Allow", ""))
    problem = Problem(error.status_code, slug, detail, headers=headers)
    return _respond(request, problem)


def _allowed_methods(request: HttpRequest, starlette_says: str) -> str:
    """Every method the OpenAPI document gives this path: Starlette names only the first
    matching route's, and ``/v1/drafts`` has two (GET lists, POST drafts). A path the document
    leaves out (``/openapi.json``) keeps Starlette's answer."""
    document: dict[str, Any] = request.app.openapi()
    methods = {
        method.upper()
        for template, operations in document["paths"].items()
        if compile_path(template)[0].match(request.url.path)
        for method in operations
    }
    return ", ".join(sorted(methods)) or starlette_says


async def _validation_error(request: HttpRequest, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(step) for step in item["loc"]),
            "pointer": "",
            "message": item["msg"],
        }
        for item in error.errors()
    ]
    detail = f"{errors[0]['field']}: {errors[0]['message']}" if errors else "invalid request"
    return _respond(request, Problem(422, "invalid-request", detail, errors))


def internal_problem() -> Problem:
    """What the caller sees of an unexpected error: its request id, never a stack trace."""
    detail = "an unexpected error occurred; quote the request id when reporting it"
    return Problem(500, "internal", detail)


def install_problem_handlers(app: FastAPI) -> None:
    """Route drafter and HTTP errors through this module. Anything else is caught by the
    service middleware, which answers with ``internal_problem()``."""
    app.add_exception_handler(DrafterError, _drafter_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
