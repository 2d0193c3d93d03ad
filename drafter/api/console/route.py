"""What every console response shares: the page shell's security headers, and the drafter
errors turned into pages (the API's handlers answer JSON problems, which a person should not
see). A FastAPI route class, so the routes stay plain handlers."""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request as HttpRequest
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from drafter.api.console.render import render
from drafter.api.console.session import SignedOut, forget_key
from drafter.errors import ForbiddenError, NotFoundError, RateLimitedError

__all__ = ["SECURITY_HEADERS", "ConsoleRoute", "FormTooLarge", "error_page"]

# No script at all, styles from our own file only, no framing, and no URL (a draft id) leaked
# to another site in a Referer. Not "no-referrer": with it Chromium sends "Origin: null" on the
# console's own form posts, which the origin check must refuse. Pages hold a tenant's data:
# never cached.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

Handler = Callable[[HttpRequest], Coroutine[Any, Any, Response]]


class FormTooLarge(Exception):
    """A posted form larger than the page's form can be: not our form, so never parsed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"The form is larger than {limit} bytes, the most this page accepts.")


def error_page(status: int, title: str, detail: str, **headers: str) -> HTMLResponse:
    html = render("error.html", me=None, csrf="", title=title, detail=detail, status=status)
    return HTMLResponse(html, status, headers=headers)


def _signed_out(request: HttpRequest, error: SignedOut) -> Response:
    query = {"next": request.url.path}
    if error.reason:
        query["expired"] = "1"
    response = RedirectResponse(f"/console/sign-in?{urlencode(query)}", status_code=303)
    forget_key(response, request)
    return response


def _validation(error: RequestValidationError) -> Response:
    fields = [".".join(str(p) for p in item.get("loc", ())[1:]) for item in error.errors()]
    if any(item.get("loc", ("",))[0] == "path" for item in error.errors()):
        return error_page(404, "Not found", "There is no such page.")
    return error_page(422, "Bad request", f"Check the field: {', '.join(fields)}.")


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def route(request: HttpRequest) -> Response:
            try:
                response = await handler(request)
            except SignedOut as error:
                response = _signed_out(request, error)
            except ForbiddenError as error:
                response = error_page(403, "Forbidden", str(error))
            except NotFoundError:
                response = error_page(404, "Not found", "There is no such draft for your team.")
            except RateLimitedError as error:
                wait = str(math.ceil(error.retry_after))
                detail = f"Your key is over its rate limit; try again in {wait} s."
                response = error_page(429, "Too many requests", detail, **{"Retry-After": wait})
            except FormTooLarge as error:
                response = error_page(413, "Form too large", str(error))
            except RequestValidationError as error:
                response = _validation(error)
            response.headers.update(SECURITY_HEADERS)
            return response

        return route
