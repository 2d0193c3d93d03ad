"""The console's sign-in: the key lives in a browser-session cookie, and every form that
changes something carries a CSRF token derived from that key.

- The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site's page
  sends it), ``Path=/console`` (the API never sees it), ``Secure`` over https, and has no
  ``Max-Age``: closing the browser signs out.
- The CSRF token is an HMAC-SHA256 of a fixed label keyed by the key itself, so no state is
  kept on the server and another key's token is useless; it is compared in constant time.
  A POST is also refused when the browser says it came from another site (``Sec-Fetch-Site``)
  or another origin (``Origin``), which guards the sign-in form too, where no key exists yet.
- The key is checked on every page by the API's own ``deps.check_token``, and spends the
  key's rate limit like an API call (one budget for both): a revoked key signs the browser out.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from fastapi import Request as HttpRequest
from fastapi.responses import Response

from drafter.api.deps import check_token
from drafter.errors import AuthError, ForbiddenError
from drafter.keys import ApiKey, Role

__all__ = [
    "COOKIE",
    "NEEDED_ROLE",
    "SignedOut",
    "check_csrf",
    "check_key",
    "csrf_token",
    "forget_key",
    "keep_key",
    "safe_next",
    "signed_in",
]

COOKIE = "drafter_console"
PATH = "/console"
NEEDED_ROLE = Role.supervisor  # keys.py: the console is meant for supervisors and admins
_CSRF_LABEL = b"drafter console csrf v1"
# Where a sign-in may send the browser next: a console path, never another host.
_NEXT = re.compile(r"/console(/[A-Za-z0-9_./-]*)?")


class SignedOut(Exception):
    """No usable key in the cookie; ``reason`` is shown on the sign-in page."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__(reason)


class CsrfError(ForbiddenError):
    """A state-changing request that did not prove it came from the console's own page."""


def csrf_token(token: str) -> str:
    return hmac.new(token.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


def check_origin(request: HttpRequest) -> None:
    """Refuse a POST that the browser marks as sent from another site or origin.

    Raises:
        CsrfError: Sec-Fetch-Site is cross-site or same-site, or Origin names another host.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise CsrfError(f"the form was sent from another site ({fetch_site})")
    origin = request.headers.get("origin")
    # The host is compared, not the scheme: a proxy that ends TLS makes the app see http.
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfError("the form was sent from another origin")


def check_csrf(request: HttpRequest, token: str, presented: str) -> None:
    """Raises CsrfError unless the request is same-origin and carries the key's token."""
    check_origin(request)
    if not hmac.compare_digest(presented.encode(), csrf_token(token).encode()):
        raise CsrfError("the form's CSRF token is missing or wrong; reload the page")


async def check_key(request: HttpRequest, token: str) -> ApiKey:
    """The key behind ``token``, checked as the API checks a bearer token, at ``NEEDED_ROLE``.

    Raises:
        AuthError: malformed, unknown or revoked.
        ForbiddenError: the key's role is below ``NEEDED_ROLE``.
        RateLimitedError: the key is over its limit.
    """
    return await check_token(request, token, role=NEEDED_ROLE)


async def signed_in(request: HttpRequest) -> tuple[ApiKey, str]:
    """The signed-in key and its token.

    Raises:
        SignedOut: no cookie, or its key is no longer valid.
    """
    token = request.cookies.get(COOKIE)
    if not token:
        raise SignedOut()
    try:
        key = await check_key(request, token)
    except AuthError as error:
        raise SignedOut(f"You were signed out: {error}.") from error
    return key, token


def keep_key(response: Response, request: HttpRequest, token: str) -> None:
    response.set_cookie(
        COOKIE,
        token,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def forget_key(response: Response, request: HttpRequest) -> None:
    response.delete_cookie(
        COOKIE,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def safe_next(value: str | None) -> str:
    """Where to go after signing in: the asked console path, else the console's home."""
    if value and _NEXT.fullmatch(value) and ".." not in value:
        return value
    return PATH + "/"
