"""Dependencies of the routes, as ``Annotated`` aliases; tests swap them with
``app.dependency_overrides``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi import Request as HttpRequest
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from drafter.api.bodies import DraftIn, FeedbackIn, VerdictIn, json_body
from drafter.api.services import Services
from drafter.errors import AuthError
from drafter.keys import ApiKey
from drafter.policy import PolicyRegistry
from drafter.settings import Settings

__all__ = [
    "Caller",
    "DraftBody",
    "FeedbackBody",
    "Registry",
    "ServicesDep",
    "SettingsDep",
    "VerdictBody",
    "get_services",
]

_bearer = HTTPBearer(auto_error=False, description="An API key from `drafter keys create`.")


def get_services(request: HttpRequest) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


def get_registry(services: ServicesDep) -> PolicyRegistry:
    return services.registry


SettingsDep = Annotated[Settings, Depends(get_settings)]
Registry = Annotated[PolicyRegistry, Depends(get_registry)]


async def authenticate(
    request: HttpRequest,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The caller's key, after checking it and spending one request of its rate limit.

    Raises:
        AuthError: no bearer token, or a malformed, unknown or revoked one.
        RateLimitedError: the key is over its limit.
    """
    if credentials is None:
        raise AuthError("an API key is required: Authorization: Bearer <key>")
    token = credentials.credentials
    if services.keys.is_cached(token):
        key = services.keys.authenticate(token)
    else:  # reading the database would block the event loop
        key = await run_in_threadpool(services.keys.authenticate, token)
    request.state.key_id = key.id
    remaining = services.limiter.take(key)
    request.state.rate_limit = (key.rate_limit_per_minute, int(remaining))
    return key


Caller = Annotated[ApiKey, Depends(authenticate)]
VerdictBody = Annotated[VerdictIn, Depends(json_body(VerdictIn))]
DraftBody = Annotated[DraftIn, Depends(json_body(DraftIn))]
FeedbackBody = Annotated[FeedbackIn, Depends(json_body(FeedbackIn))]
