"""The console's pages under ``/console``: sign-in and sign-out, the drafts list, one draft,
and friction per rule. Each page reads through the same front doors as the API, scoped to the
key's tenant."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi import Request as HttpRequest
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from drafter.api.console import charts
from drafter.api.console.draft_view import draft_view, money
from drafter.api.console.impact import AGAINST, IN_PAGE_LIMIT, ImpactAsk, replay
from drafter.api.console.render import render
from drafter.api.console.route import ConsoleRoute, FormTooLarge, error_page
from drafter.api.console.session import (
    NEEDED_ROLE,
    SignedOut,
    check_csrf,
    check_key,
    check_origin,
    csrf_token,
    forget_key,
    keep_key,
    safe_next,
    signed_in,
)
from drafter.api.services import Services
from drafter.errors import AuthError, ForbiddenError, NotFoundError, PolicyError, UserError
from drafter.feedback import friction_report
from drafter.keys import ApiKey
from drafter.schemas import Decision
from drafter.store import NO_FEEDBACK, DraftFilter, Position

__all__ = ["router"]

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

_CSS = (Path(__file__).parent / "console.css").read_bytes()
_MAX_FORM_BYTES = 4096  # a key and a token; anything larger is not our form
_MAX_CANDIDATE_BYTES = 400_000  # the impact form: a policy file, url-encoded
DraftId = Annotated[str, PathParam(pattern=r"^[\x21-\x7e]{1,64}$")]
Days = Annotated[int, Query(ge=1, le=366)]
_PAGE = 50


def _page(
    name: str, me: ApiKey | None, token: str, status: int = 200, **context: object
) -> HTMLResponse:
    csrf = csrf_token(token) if token else ""
    return HTMLResponse(render(name, me=me, csrf=csrf, **context), status)


async def _form(request: HttpRequest, limit: int = _MAX_FORM_BYTES) -> dict[str, str]:
    """A urlencoded form's fields, first value of each (no multipart parser needed).

    Raises:
        FormTooLarge: the body is over ``limit`` bytes.
    """
    body = await request.body()
    if len(body) > limit:
        raise FormTooLarge(limit)
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    return {name: values[0] for name, values in fields.items()}


@router.get("")
@router.get("/")
async def home(request: HttpRequest) -> Response:
    await signed_in(request)
    return RedirectResponse("/console/drafts", status_code=303)


@router.get("/console.css")
async def stylesheet() -> Response:
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/sign-in")
async def sign_in_page(next: str | None = None, expired: str | None = None) -> Response:
    notice = "Your key is no longer valid (revoked or unknown): sign in again." if expired else ""
    return _page("sign_in.html", None, "", next=safe_next(next), notice=notice, error="")


@router.post("/sign-in")
async def sign_in(request: HttpRequest) -> Response:
    check_origin(request)  # no key yet to derive a CSRF token from
    form = await _form(request)
    token, target = form.get("key", "").strip(), safe_next(form.get("next"))
    try:
        if not token:
            raise AuthError("paste a key")
        await check_key(request, token)
    except (AuthError, ForbiddenError) as error:
        status = 403 if isinstance(error, ForbiddenError) else 401
        detail = f"{error}. The console needs a {NEEDED_ROLE} or admin key."
        return _page("sign_in.html", None, "", status, next=target, notice="", error=detail)
    response = RedirectResponse(target, status_code=303)
    keep_key(response, request, token)
    return response


@router.post("/sign-out")
async def sign_out(request: HttpRequest) -> Response:
    form = await _form(request)
    try:
        _, token = await signed_in(request)
    except SignedOut:
        token = ""  # already signed out: still clear the cookie
    if token:
        check_csrf(request, token, form.get("csrf", ""))
    response = RedirectResponse("/console/sign-in", status_code=303)
    forget_key(response, request)
    return response


@router.get("/open")
async def open_draft(request: HttpRequest, id: Annotated[str, Query(max_length=64)]) -> Response:
    await signed_in(request)
    draft_id = id.strip()
    if not draft_id or not draft_id.isascii() or not draft_id.isprintable() or "/" in draft_id:
        raise NotFoundError("draft", draft_id)
    return RedirectResponse(f"/console/drafts/{quote(draft_id, safe='')}", status_code=303)


@router.get("/drafts/{draft_id}")
async def draft_page(request: HttpRequest, draft_id: DraftId) -> Response:
    me, token = await signed_in(request)
    services: Services = request.app.state.services
    record = await run_in_threadpool(services.store.draft, draft_id, me.tenant)
    if record is None:
        raise NotFoundError("draft", draft_id)
    view = await run_in_threadpool(draft_view, record)
    return _page("draft.html", me, token, title=f"Draft {view.id}", draft=view, money=money)


_YES_NO = {"": None, "yes": True, "no": False}
_OUTCOMES = ("sent_as_is", "edited", "rejected", NO_FEEDBACK)
Text = Annotated[str, Query(max_length=200)]


def _drafts_filter(
    policy: str,
    decision: str,
    rule: str,
    fallback: str,
    repaired: str,
    feedback: str,
    since: str,
    until: str,
) -> DraftFilter:
    """The list's filters from a GET form, where a field left empty is an empty string.

    Raises:
        InvalidFilter: a field holds a value the list cannot filter by.
    """

    def day(name: str, text: str) -> dt.datetime | None:
        if not text:
            return None
        try:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        except ValueError:
            raise InvalidFilter(name, "is not a date (YYYY-MM-DD)") from None

    for name, value, known in (
        ("decision", decision, ("", *(d.value for d in Decision))),
        ("fallback", fallback, tuple(_YES_NO)),
        ("repaired", repaired, tuple(_YES_NO)),
        ("feedback", feedback, ("", *_OUTCOMES)),
    ):
        if value not in known:
            raise InvalidFilter(name, f"is not one of {', '.join(k for k in known if k)}")
    until_day = day("until", until)
    return DraftFilter(
        policy=policy or None,
        decision=decision or None,
        rule=rule or None,
        fallback=_YES_NO[fallback],
        repaired=_YES_NO[repaired],
        outcome=feedback or None,
        created_from=day("since", since),
        # "until" names the last day shown, so the range ends at the start of the next one.
        created_before=until_day + dt.timedelta(days=1) if until_day else None,
    )


class InvalidFilter(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")


@router.get("/drafts")
async def drafts_page(
    request: HttpRequest,
    policy: Text = "",
    decision: Text = "",
    rule: Text = "",
    fallback: Text = "",
    repaired: Text = "",
    feedback: Text = "",
    since: Text = "",
    until: Text = "",
    cursor: Text = "",
) -> Response:
    """The team's drafts, newest first, filtered, a page at a time (the API's cursor)."""
    me, token = await signed_in(request)
    services: Services = request.app.state.services
    try:
        where = _drafts_filter(policy, decision, rule, fallback, repaired, feedback, since, until)
        after = Position.from_cursor(cursor) if cursor else None
    except InvalidFilter as error:
        return error_page(422, "Bad filter", str(error))
    except ValueError as error:
        return error_page(422, "Bad filter", f"cursor: {error}")
    found = await run_in_threadpool(
        services.store.drafts_page, me.tenant, where, after=after, limit=_PAGE + 1
    )
    shown = found[:_PAGE]
    filters = {
        "policy": policy,
        "decision": decision,
        "rule": rule,
        "fallback": fallback,
        "repaired": repaired,
        "feedback": feedback,
        "since": since,
        "until": until,
    }
    more = None
    if len(found) > _PAGE:
        kept = {k: v for k, v in filters.items() if v}
        more = "/console/drafts?" + urlencode({**kept, "cursor": shown[-1].position.cursor()})
    return _page(
        "drafts.html",
        me,
        token,
        title="Drafts",
        drafts=shown,
        filters=filters,
        decisions=[d.value for d in Decision],
        outcomes=_OUTCOMES,
        more=more,
        first_page=not cursor,
    )


@router.get("/impact")
async def impact_form(request: HttpRequest) -> Response:
    me, token = await signed_in(request)
    services: Services = request.app.state.services
    return _page(
        "impact.html",
        me,
        token,
        title="Policy impact",
        policies=services.registry.ids(),
        policy="",
        candidate="",
        days=30,
        against="stored",
        limit=IN_PAGE_LIMIT,
        report=None,
        error="",
    )


@router.post("/impact")
async def impact_run(request: HttpRequest) -> Response:
    """Replay the team's stored requests of a policy against a pasted candidate version."""
    me, token = await signed_in(request)
    form = await _form(request, limit=_MAX_CANDIDATE_BYTES)
    check_csrf(request, token, form.get("csrf", ""))
    services: Services = request.app.state.services
    policy, text = form.get("policy", ""), form.get("candidate", "")
    days_text, against = form.get("days", "30"), form.get("against", "stored")
    policies = services.registry.ids()

    def show(status: int, report: dict[str, object] | None, error: str) -> HTMLResponse:
        return _page(
            "impact.html", me, token, status, title="Policy impact", policies=policies,
            policy=policy, candidate=text, days=days_text, against=against,
            limit=IN_PAGE_LIMIT, report=report, error=error,
        )  # fmt: skip

    if policy not in policies:
        return show(422, None, "policy: choose one of the policies")
    if not text.strip():
        return show(422, None, "candidate: paste the candidate policy's YAML")
    if not days_text.isdigit() or not 1 <= int(days_text) <= 366:
        return show(422, None, "days: a whole number from 1 to 366")
    if against not in AGAINST:
        return show(422, None, "against: compare with the stored verdicts or the current policy")
    ask = ImpactAsk(policy, text, int(days_text), "current" if against == "current" else "stored")
    try:
        report = await run_in_threadpool(replay, services, me.tenant, ask)
    except (PolicyError, UserError) as failure:
        return show(422, None, f"candidate: {failure}")
    return show(200, report, "")


@router.get("/friction")
async def friction_page(
    request: HttpRequest,
    days: Days = 30,
    policy: Annotated[str | None, Query(max_length=200)] = None,
    rule: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    me, token = await signed_in(request)
    services: Services = request.app.state.services
    today = dt.datetime.now(dt.UTC).date()
    window = charts.window(today, days)
    since = dt.datetime.combine(window[0], dt.time(), dt.UTC)
    rules = await run_in_threadpool(friction_report, services.store, since=since, tenant=me.tenant)
    charted = [
        r
        for r in rules
        if (policy is None or r.policy == policy) and (rule is None or r.rule == rule)
    ]
    return _page(
        "friction.html",
        me,
        token,
        title="Friction by rule",
        rules=rules,
        charts=charts.charts(charted, window),
        days=days,
        policy=policy,
        rule=rule,
    )


@router.get("/{rest:path}")
async def not_found(rest: str) -> Response:
    """Any other console path: a page, not the API's problem JSON."""
    del rest
    return error_page(404, "Not found", "There is no such page.")
