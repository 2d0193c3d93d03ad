"""Dependencies of the routes, as ``Annotated`` aliases; tests swap them with
``app.dependency_overrides``.

Every dependency is async and reads the request directly. FastAPI runs a plain ``def``
dependency in the thread pool, and each layer of sub-dependencies costs tens of microseconds
per request; on a 2-core machine those add up to a third of a verdict's cost.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Request as HttpRequest
from starlette.concurrency import run_in_threadpool

from drafter.api.bodies import DraftIn, FeedbackIn, LookupIn, VerdictIn, json_body
from drafter.api.services import Services
from drafter.errors import AuthError, RateLimitedError
from drafter.keys import ApiKey, Role

__all__ = [
    "Caller",
    "DraftBody",
    "FeedbackBody",
    "LookupBody",
    "ServicesDep",
    "VerdictBody",
    "authenticate",
    "check_token",
    "get_services",
]


async def get_services(request: HttpRequest) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("an API key is required: Authorization: Bearer <key>")
    return token.strip()


async def check_token(request: HttpRequest, token: str, *, role: Role | None = None) -> ApiKey:
    """The key behind ``token``, checked, with at least ``role`` when given, after spending one
    request of its rate limit; what is left goes in the response's RateLimit headers. The API's
    bearer token and the console's cookie are checked here alike.

    Raises:
        AuthError: a malformed, unknown or revoked token.
        ForbiddenError: the key's role is below ``role`` (nothing is spent).
        RateLimitedError: the key is over its limit.
    """
    services: Services = request.app.state.services
    if services.keys.is_cached(token):
        key = services.keys.authenticate(token)
    else:  # reading the database would block the event loop
        key = await run_in_threadpool(services.keys.authenticate, token)
    request.state.key_id = key.id
    if role is not None:
        key.require(role)
    try:
        remaining = await services.spend(key)
    except RateLimitedError:
        request.state.rate_limit = (key.rate_limit_per_minute, 0)  # headers on the 429 too
        raise
    request.state.rate_limit = (key.rate_limit_per_minute, remaining)
    return key


async def authenticate(request: HttpRequest) -> ApiKey:
    """The caller's bearer key, checked by ``check_token``.

    Raises:
        AuthError: no bearer token, or a malformed, unknown or revoked one.
        RateLimitedError: the key is over its limit.
    """
    return await check_token(request, _bearer_token(request))


Caller = Annotated[ApiKey, Depends(authenticate)]
VerdictBody = Annotated[VerdictIn, Depends(json_body(VerdictIn))]
DraftBody = Annotated[DraftIn, Depends(json_body(DraftIn))]
FeedbackBody = Annotated[FeedbackIn, Depends(json_body(FeedbackIn))]
LookupBody = Annotated[LookupIn, Depends(json_body(LookupIn))]
