"""The console at /console: sign-in with a key kept in a cookie, CSRF, tenant scoping, the
draft page and the friction page, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from drafter.api.console import impact as console_impact
from drafter.api.console.diff import DEADLINE_S, compare, deadline
from drafter.api.console.session import csrf_token
from drafter.keys import Role, create_key
from drafter.store import AuditStore, DraftRow, opened_store
from drafter.testing.llm_server import LLMServer
from tests.api.conftest import FIXTURES, make_settings
from tests.api.live import live_server
from tests.api.test_drafts import Drafting, store_of
from tests.api.test_feedback import draft, feedback, make_history
from tests.conftest import SHOP
from tests.impact.seeded import mini_store, older_log

OTHER = "acme-returns"


def supervisor(client: TestClient, tenant: str = "default", role: Role = Role.supervisor) -> str:
    token, _ = create_key(
        store_of(client), "lead", rate_limit_per_minute=1000, tenant=tenant, role=role
    )
    return token


def sign_in(client: TestClient, token: str, **headers: str) -> Any:
    return client.post(
        "/console/sign-in",
        data={"key": token, "next": "/console/friction"},
        headers=headers,
        follow_redirects=False,
    )


def signed_in(client: TestClient, tenant: str = "default") -> str:
    token = supervisor(client, tenant)
    assert sign_in(client, token).status_code == 303
    return token


def text_of(page: str) -> str:
    """The page's text, tags dropped and entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


# --- sign-in, cookie, CSRF ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/console/", "/console/friction", "/console/drafts/dr_x"])
def test_a_page_without_a_cookie_redirects_to_the_sign_in_page(
    drafting: Drafting, path: str
) -> None:
    client, _ = drafting
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/sign-in?next=")
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'name="key"' in page.text


def test_signing_in_keeps_the_key_in_a_strict_http_only_session_cookie(
    drafting: Drafting,
) -> None:
    client, _ = drafting
    response = sign_in(client, supervisor(client))
    assert response.status_code == 303
    assert response.headers["location"] == "/console/friction"
    cookie = response.headers["set-cookie"]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert flags == {"httponly", "path=/console", "samesite=strict"}  # no max-age: a session
    assert client.get("/console/friction").status_code == 200


def test_over_https_the_cookie_is_secure(drafting: Drafting) -> None:
    client, _ = drafting
    token = supervisor(client)
    with TestClient(client.app, base_url="https://testserver") as secure:
        cookie = sign_in(secure, token).headers["set-cookie"].lower()
    assert "; secure" in cookie


@pytest.mark.parametrize(
    ("key", "status"),
    [("", 401), ("drk_nope", 401), (f"drk_000000000000_{'x' * 43}", 401)],
)
def test_a_bad_key_is_refused_on_the_sign_in_page(
    drafting: Drafting, key: str, status: int
) -> None:
    client, _ = drafting
    response = sign_in(client, key)
    assert response.status_code == status
    assert "set-cookie" not in response.headers
    assert 'role="alert"' in response.text


def test_an_agent_key_cannot_open_the_console(drafting: Drafting) -> None:
    client, auth = drafting  # the fixture's key is an agent's
    response = sign_in(client, auth["Authorization"].removeprefix("Bearer "))
    assert response.status_code == 403
    assert "supervisor" in response.text
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(
    drafting: Drafting, headers: dict[str, str]
) -> None:
    client, _ = drafting
    response = sign_in(client, supervisor(client), **headers)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers


def test_a_sign_in_from_the_console_s_own_page_is_accepted(drafting: Drafting) -> None:
    client, _ = drafting
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    assert sign_in(client, supervisor(client), **headers).status_code == 303


def test_sign_out_needs_the_key_s_csrf_token(drafting: Drafting) -> None:
    client, _ = drafting
    token = signed_in(client)
    other = supervisor(client)
    for presented in ("", "0" * 64, csrf_token(other)):
        refused = client.post("/console/sign-out", data={"csrf": presented}, follow_redirects=False)
        assert refused.status_code == 403
        assert client.get("/console/friction", follow_redirects=False).status_code == 200
    page = client.get("/console/friction").text
    assert f'name="csrf" value="{csrf_token(token)}"' in page
    done = client.post(
        "/console/sign-out", data={"csrf": csrf_token(token)}, follow_redirects=False
    )
    assert done.status_code == 303
    assert "max-age=0" in done.headers["set-cookie"].lower()
    assert client.get("/console/friction", follow_redirects=False).status_code == 303


def test_sign_out_from_another_origin_is_refused_even_with_the_token(drafting: Drafting) -> None:
    client, _ = drafting
    token = signed_in(client)
    response = client.post(
        "/console/sign-out",
        data={"csrf": csrf_token(token)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/console/sign-in", "/console/sign-out"])
def test_a_form_larger_than_the_console_s_forms_is_a_413_page_saying_the_size(
    drafting: Drafting, path: str
) -> None:
    client, _ = drafting
    signed_in(client)
    response = client.post(path, data={"key": "x" * 5000}, follow_redirects=False)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "larger than 4096 bytes" in text_of(response.text)


def test_a_revoked_key_signs_the_browser_out(drafting: Drafting) -> None:
    client, _ = drafting
    token = signed_in(client)
    store_of(client).revoke_key(token.split("_")[1])
    response = client.get("/console/friction", follow_redirects=False)
    assert response.status_code == 303
    assert "expired=1" in response.headers["location"]
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert "no longer valid" in client.get(response.headers["location"]).text


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/v1/drafts"])
def test_sign_in_never_sends_the_browser_off_the_console(drafting: Drafting, target: str) -> None:
    client, _ = drafting
    response = client.post(
        "/console/sign-in",
        data={"key": supervisor(client), "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console/"


def test_console_pages_carry_a_strict_content_security_policy(drafting: Drafting) -> None:
    client, _ = drafting
    for response in (
        client.get("/console/sign-in"),
        (signed_in(client), client.get("/console/friction"))[1],
    ):
        csp = response.headers["content-security-policy"]
        assert "default-src 'none'" in csp
        assert "script-src" not in csp  # none at all: default-src 'none' covers it
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "<script" not in response.text
        assert "http://" not in response.text
        assert "https://" not in response.text


def test_an_unknown_console_path_is_a_404_page(drafting: Drafting) -> None:
    client, _ = drafting
    response = client.get("/console/nowhere/at/all")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_console_is_not_in_the_openapi_document(drafting: Drafting) -> None:
    client, auth = drafting
    paths = client.get("/openapi.json", headers=auth).json()["paths"]
    assert not [path for path in paths if path.startswith("/console")]


# --- the draft page ------------------------------------------------------------------------


def test_the_draft_page_shows_the_facts_verdict_drafts_report_and_diff(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    ids = make_history(client, auth, llm_server, ticket)
    signed_in(client)
    page = client.get(f"/console/drafts/{ids['rejected']}")
    assert page.status_code == 200
    shown = text_of(page.text)
    # the request's facts as a table, the message apart
    assert "customer.name Ana Ruiz" in shown
    assert "case.order.items[1].price 89.00" in shown
    assert "Hi, the shoes don't fit. Can I send them back?" in shown
    # the verdict and its trace
    assert "decision decline" in shown
    assert "rule outside_window" in shown
    assert "store_credit store_credit 89.00 USD" in shown
    assert "outside_window gate fired days_since_delivery=46" in shown
    # both drafts, the fallback, and both of the guard's reports
    assert "The model's first draft" in shown
    assert "The final reply" in shown
    assert "We have issued a refund anyway." in shown  # the raw draft that broke the verdict
    assert "fell back" in shown
    assert "free.money" in shown
    assert "marker.claims" in shown
    assert "rejected" in shown
    assert "robotic" in shown


def test_the_agent_s_text_is_diffed_against_the_final_reply_and_escaped(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    answer = draft(client, auth, ticket)
    body = answer["reply"]["draft"]["body"]
    sent = body.replace("Dear Ana Ruiz,", "Hi Ana <script>alert(1)</script>,")
    feedback(client, auth, answer["id"], outcome="edited", final_text=sent, reason="warmer")
    signed_in(client)
    page = client.get(f"/console/drafts/{answer['id']}").text
    assert "<script>" not in page
    assert "<del>Dear</del><ins>Hi</ins> Ana <del>Ruiz,</del>" in page
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;,</ins>" in page


def test_another_tenant_s_draft_page_is_not_found(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    draft_id = draft(client, auth, ticket)["id"]
    signed_in(client, tenant=OTHER)
    theirs = client.get(f"/console/drafts/{draft_id}")
    missing = client.get(f"/console/drafts/dr_{'0' * 37}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.text == missing.text
    client.cookies.clear()
    signed_in(client)
    assert client.get(f"/console/drafts/{draft_id}").status_code == 200


def test_opening_a_draft_by_id_goes_to_its_page(drafting: Drafting) -> None:
    client, _ = drafting
    signed_in(client)
    response = client.get("/console/open", params={"id": " dr_abc "}, follow_redirects=False)
    assert response.headers["location"] == "/console/drafts/dr_abc"
    assert client.get("/console/open", params={"id": "a/../b"}).status_code == 404
    response = client.get("/console/open", params={"id": "dr_a?b#c"}, follow_redirects=False)
    assert response.headers["location"] == "/console/drafts/dr_a%3Fb%23c"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a " * 1_000, "a b " * 500),  # difflib: 56 s
        ("a " * 2_500, "a b " * 12_500),  # 50,000 characters sent
        (" ".join(str(i) for i in range(2_500)), " ".join(str(i) for i in range(25_000, 0, -1))),
    ],
)
def test_a_hostile_edit_is_compared_in_bounded_time(before: str, after: str) -> None:
    started = time.perf_counter()
    result = compare(before, after, deadline())
    elapsed = time.perf_counter() - started
    assert elapsed < DEADLINE_S + 0.5  # difflib.SequenceMatcher took 56 s on the first
    assert "".join(p.text for p in result.pieces if p.kind != "removed") == after
    assert "".join(p.text for p in result.pieces if p.kind != "added") == before


def test_one_deadline_bounds_a_page_of_many_edits() -> None:
    until = deadline()
    started = time.perf_counter()
    for _ in range(10):
        compare("a " * 2_500, "a b " * 12_500, until)
    assert time.perf_counter() - started < DEADLINE_S + 1.0  # 10 alone would take 2.5 s


def test_a_word_diff_keeps_every_character() -> None:
    before, after = "We can offer store credit.\nThanks", "We can gladly offer credit.\nThanks!"
    result = compare(before, after, deadline())
    assert "".join(p.text for p in result.pieces if p.kind != "removed") == after
    assert "".join(p.text for p in result.pieces if p.kind != "added") == before
    assert [p.text for p in result.pieces if p.kind == "added"] == ["gladly offer", "Thanks!"]
    assert [p.text for p in result.pieces if p.kind == "removed"] == ["offer store", "Thanks"]
    assert (result.added, result.removed) == (3, 3)


# --- the friction page ---------------------------------------------------------------------


def chart_values(page: str, measure: str) -> dict[str, int]:
    figure = page[page.index(f'id="chart-{measure}"') :]
    figure = figure[: figure.index("</figure>")]
    return {day: int(value) for day, value in re.findall(r"<title>([\d-]+): (\d+)</title>", figure)}


def test_the_friction_page_shows_the_report_per_rule_and_per_day(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    make_history(client, auth, llm_server, ticket)
    signed_in(client)
    page = client.get("/console/friction", params={"days": 7}).text
    shown = text_of(page)
    # decided, declines, drafts, fallback, reviewed, edited, rejected: as `drafter report`
    assert "mini-store outside_window 3 3 3 33% 3 33% 33%" in shown
    today = dt.datetime.now(dt.UTC).date().isoformat()
    expected = {"decisions": 3, "declines": 3, "edited": 1, "rejected": 1, "fallbacks": 1}
    for measure, count in expected.items():
        values = chart_values(page, measure)
        assert len(values) == 7
        assert values[today] == count, measure
        assert sum(values.values()) == count


def test_an_edit_counts_on_the_day_it_was_given_not_the_day_of_the_draft(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    """A draft made two days ago and edited and rejected today: the decision is charted two
    days ago, the edit and the rejection today."""
    client, auth = drafting
    ids = [draft(client, auth, ticket)["id"] for _ in range(2)]
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with store_of(client).engine.begin() as connection:
        connection.execute(
            update(DraftRow).where(DraftRow.id.in_(ids)).values(created_at=two_days_ago)
        )
    feedback(client, auth, ids[0], outcome="edited", final_text="Hi Ana!", reason="warmer")
    feedback(client, auth, ids[1], outcome="rejected", reason="robotic")
    signed_in(client)
    page = client.get("/console/friction", params={"days": 7}).text
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert chart_values(page, "decisions")[two_days_ago.date().isoformat()] == 2
    for measure in ("edited", "rejected"):
        values = chart_values(page, measure)
        assert values[today] == 1, measure
        assert sum(values.values()) == 1, measure


def test_the_charts_follow_the_chosen_rule(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    make_history(client, auth, llm_server, ticket)
    signed_in(client)
    params = {"days": 3, "policy": "mini-store", "rule": "no_such_rule"}
    page = client.get("/console/friction", params=params).text
    assert sum(chart_values(page, "decisions").values()) == 0
    params["rule"] = "outside_window"
    page = client.get("/console/friction", params=params).text
    assert sum(chart_values(page, "decisions").values()) == 3


def test_the_friction_page_counts_only_the_key_s_tenant(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    make_history(client, auth, llm_server, ticket)
    signed_in(client, tenant=OTHER)
    page = client.get("/console/friction").text
    assert "outside_window" not in page
    assert sum(chart_values(page, "decisions").values()) == 0


@pytest.mark.parametrize("days", ["0", "367", "many"])
def test_a_bad_window_names_the_field(drafting: Drafting, days: str) -> None:
    client, _ = drafting
    signed_in(client)
    response = client.get("/console/friction", params={"days": days})
    assert response.status_code == 422
    assert "days" in response.text


def test_the_console_checks_its_key_as_the_api_does_and_says_what_is_left(
    drafting: Drafting,
) -> None:
    """One check for the API's bearer keys and the console's cookie (deps.check_token): a
    console page carries the same RateLimit headers as an API answer, the 429 page too."""
    client, _ = drafting
    token, _ = create_key(store_of(client), "lead", rate_limit_per_minute=3, role=Role.admin)
    signing_in = sign_in(client, token)
    assert signing_in.status_code == 303
    assert signing_in.headers["ratelimit-limit"] == "3"
    assert signing_in.headers["ratelimit-remaining"] == "2"
    page = client.get("/console/friction")
    assert page.status_code == 200
    assert page.headers["ratelimit-remaining"] == "1"
    api = client.get("/v1/drafts", headers={"Authorization": f"Bearer {token}"})
    assert api.headers["ratelimit-remaining"] == "0"  # one budget for both
    refused = client.get("/console/friction")
    assert refused.status_code == 429
    assert refused.headers["ratelimit-remaining"] == "0"


def test_a_rate_limited_key_gets_a_page_that_says_when_to_retry(drafting: Drafting) -> None:
    client, _ = drafting
    token, _ = create_key(store_of(client), "lead", rate_limit_per_minute=2, role=Role.admin)
    assert sign_in(client, token).status_code == 303  # one request of two
    assert client.get("/console/friction").status_code == 200  # two
    response = client.get("/console/friction")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1


# --- the drafts list ----------------------------------------------------------------------


def listed(page: str) -> list[str]:
    return re.findall(r'<tr data-id="([^"]+)">', page)


def test_the_drafts_list_shows_the_team_s_drafts_and_filters_them(
    drafting: Drafting, llm_server: LLMServer, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    ids = make_history(client, auth, llm_server, ticket)
    untouched = draft(client, auth, ticket)["id"]
    signed_in(client)
    everything = client.get("/console/drafts")
    assert everything.status_code == 200
    # newest first
    assert listed(everything.text) == [untouched, ids["rejected"], ids["edited"], ids["sent"]]
    assert listed(client.get("/console/drafts?feedback=rejected").text) == [ids["rejected"]]
    assert listed(client.get("/console/drafts?feedback=none").text) == [untouched]
    fell_back = listed(
        client.get("/console/drafts", params={"fallback": "yes", "decision": ""}).text
    )
    assert ids["rejected"] in fell_back
    assert ids["sent"] not in fell_back
    kept = listed(client.get("/console/drafts?fallback=no").text)
    assert ids["sent"] in kept
    assert ids["rejected"] not in kept
    assert sorted(fell_back + kept) == sorted(listed(everything.text))
    assert listed(client.get("/console/drafts?rule=outside_window&policy=mini-store").text)
    assert listed(client.get("/console/drafts?policy=saas-subscription").text) == []
    today = dt.datetime.now(dt.UTC).date()
    assert len(listed(client.get(f"/console/drafts?since={today}&until={today}").text)) == 4
    yesterday = today - dt.timedelta(days=1)
    assert listed(client.get(f"/console/drafts?until={yesterday}").text) == []
    # each row opens the draft's own page
    assert f'href="/console/drafts/{untouched}"' in everything.text


def test_the_drafts_list_shows_only_the_key_s_tenant(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    draft(client, auth, ticket)
    signed_in(client, tenant=OTHER)
    page = client.get("/console/drafts")
    assert page.status_code == 200
    assert listed(page.text) == []
    assert "No drafts match these filters." in page.text


def test_the_drafts_list_pages_back_in_time_without_repeats(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    client, auth = drafting
    made = [draft(client, auth, ticket)["id"] for _ in range(52)]
    signed_in(client)
    first = client.get("/console/drafts?feedback=none").text
    more = re.search(r'<a id="next-page" href="([^"]+)"', first)
    assert more is not None
    second = client.get(html.unescape(more.group(1))).text
    assert "next-page" not in second
    seen = listed(first) + listed(second)
    assert len(listed(first)) == 50
    assert seen == list(reversed(made))  # every draft once, newest first
    assert "feedback=none" in html.unescape(more.group(1))  # the filters ride along


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("decision=maybe", "decision"),
        ("fallback=perhaps", "fallback"),
        ("feedback=ignored", "feedback"),
        ("since=2026-13-01", "since"),
        ("cursor=not-a-cursor", "cursor"),
    ],
)
def test_a_bad_drafts_filter_is_a_422_page_naming_the_field(
    drafting: Drafting, query: str, field: str
) -> None:
    client, _ = drafting
    signed_in(client)
    page = client.get(f"/console/drafts?{query}")
    assert page.status_code == 422
    assert f"{field}:" in text_of(page.text)


# --- the impact page ----------------------------------------------------------------------


def run_impact_page(client: TestClient, token: str, candidate: str, **more: str) -> Any:
    return client.post(
        "/console/impact",
        data={"csrf": csrf_token(token), "policy": "mini-store", "days": "30",
              "candidate": candidate, **more},
        headers={"Origin": "http://testserver"},
    )  # fmt: skip


def test_the_impact_page_replays_the_team_s_requests_against_a_pasted_candidate(
    drafting: Drafting, ticket: dict[str, Any]
) -> None:
    """Two stored drafts were declined (delivered 46 days ago, a 30-day window). A candidate
    with a 60-day window approves both: 2 of 2 change, decline → approve, the refund goes from
    0 to twice the item's 89.00, and the store credit each decline offered (89.00) goes."""
    client, auth = drafting
    ids = [draft(client, auth, ticket)["id"] for _ in range(2)]
    token = signed_in(client)
    assert client.get("/console/impact").status_code == 200
    current = (SHOP / "mini-store.yaml").read_text(encoding="utf-8")
    wider = current.replace("values: {standard: 30, gold: 60}", "values: {standard: 60, gold: 90}")
    assert wider != current
    page = run_impact_page(client, token, wider)
    assert page.status_code == 200, text_of(page.text)
    shown = text_of(page.text)
    assert "2 of 2 requests would get another answer" in shown
    assert "decline approve 2" in shown
    assert "refund 0 178.00 +178.00" in shown
    assert "offers 178.00 0 -178.00" in shown  # the store credit offered with each decline
    assert "outside_window 2 0 -2" in shown
    for draft_id in ids:  # the examples link to the drafts' pages
        assert f'href="/console/drafts/{draft_id}"' in page.text
    # the same candidate replayed for another team finds nothing of this one's
    client.cookies.clear()
    other = signed_in(client, tenant=OTHER)
    assert "0 of 0 requests" in text_of(run_impact_page(client, other, wider).text)


def seed_older_log(client: TestClient, tmp_path: Path) -> dict[str, tuple[str, dt.datetime]]:
    """tests/impact/seeded.py's log (stored by mini-store 0.9.0, 40 days), a minute apart:
    A the newest, then B, C, D, E, U; each row's id and time."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = older_log(tmp_path / "old", now)
    for minutes, row in enumerate(rows.values()):
        row.created_at = now - dt.timedelta(minutes=minutes + 1)
    store_of(client).insert(list(rows.values()))
    return {name: (row.id, row.created_at) for name, row in rows.items()}


def test_the_impact_page_compares_with_the_stored_verdicts_or_the_current_policy(
    drafting: Drafting, tmp_path: Path
) -> None:
    """The hand-worked log of tests/impact/test_against_current.py: against the stored
    verdicts only B changes (refund +89.00); against the current policy A, B and E do (refund
    +274.00, fees +15.00)."""
    client, _ = drafting
    seed_older_log(client, tmp_path)
    token = signed_in(client)
    candidate = mini_store(tmp_path / "candidate", standard_days=45, version="1.1.0").read_text()
    stored = text_of(run_impact_page(client, token, candidate).text)
    assert "1 of 5 requests would get another answer" in stored
    assert "Compared with the stored verdicts" in stored
    assert "Decisions, stored → candidate" in stored
    assert "refund 245.00 334.00 +89.00" in stored
    page = run_impact_page(client, token, candidate, against="current")
    assert page.status_code == 200, text_of(page.text)
    current = text_of(page.text)
    assert "3 of 5 requests would get another answer; 2 unchanged; 1 cannot be evaluated" in current
    assert "Compared with the current policy, version 1.0.0, as it decides today" in current
    assert "Decisions, current policy → candidate" in current
    assert "decline approve 2" in current
    assert "decline partial 1" in current
    assert "refund 60.00 334.00 +274.00" in current
    assert "fees 0 15.00 +15.00" in current
    assert "offers 329.00 40.00 -289.00" in current
    assert 'value="current" selected' in page.text  # the form keeps the choice
    assert "impact-cut" not in page.text  # 6 requests: none left out


def test_the_impact_page_replays_the_newest_few_and_says_so(
    drafting: Drafting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for 3, the page replays A, B and C (the newest), says that older ones were
    left out from D's time back, and gives the command that replays the whole window."""
    monkeypatch.setattr(console_impact, "IN_PAGE_LIMIT", 3)
    client, _ = drafting
    ids = seed_older_log(client, tmp_path)
    token = signed_in(client)
    candidate = mini_store(tmp_path / "candidate", standard_days=45, version="1.1.0").read_text()
    page = run_impact_page(client, token, candidate, against="current")
    assert page.status_code == 200, text_of(page.text)
    shown = text_of(page.text)
    # A and B change (decline -> approve), C does not; D, E and U are older than the cut
    assert "2 of 3 requests would get another answer" in shown
    assert "The window holds more than 3 requests: this page replayed the newest 3" in shown
    assert f"stored after {ids['D'][1]:%Y-%m-%d %H:%M:%S} UTC" in shown
    command = html.unescape(re.search(r'<code id="impact-command">([^<]+)</code>', page.text)[1])
    assert command.startswith("drafter policy impact mini-store-candidate.yaml --policy mini-store")
    assert "--tenant default --since " in command
    assert command.endswith("--against current")
    assert f'href="/console/drafts/{ids["A"][0]}"' in page.text  # a draft links to its page
    assert f"<code>{ids['B'][0]}</code>" in page.text  # a verdict has none
    for name in ("D", "E", "U"):
        assert ids[name][0] not in page.text


@pytest.mark.parametrize(
    ("candidate", "more", "message"),
    [
        ("rules: [", {}, "candidate:"),
        ("", {}, "candidate: paste"),
        ("x: 1", {"policy": "no-such-policy"}, "policy: choose"),
        ("x: 1", {"days": "0"}, "days: a whole number"),
        ("x: 1", {"against": "yesterday"}, "against: compare with"),
    ],
)
def test_a_bad_impact_form_is_a_422_naming_the_field(
    drafting: Drafting, candidate: str, more: dict[str, str], message: str
) -> None:
    client, _ = drafting
    token = signed_in(client)
    page = run_impact_page(client, token, candidate, **more)
    assert page.status_code == 422
    assert message in text_of(page.text)


def test_the_impact_form_needs_the_csrf_token(drafting: Drafting) -> None:
    client, _ = drafting
    signed_in(client)
    page = client.post(
        "/console/impact",
        data={"csrf": "forged", "policy": "mini-store", "days": "30", "candidate": "x: 1"},
        headers={"Origin": "http://testserver"},
    )
    assert page.status_code == 403


def test_impact_replays_in_one_process_run_one_at_a_time(
    drafting: Drafting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unit test, the replay stubbed to take 0.2 s: three pages asking at once are replayed
    one after another, never side by side."""
    client, _ = drafting
    services = client.app.state.services  # type: ignore[attr-defined]
    spans: list[tuple[float, float]] = []
    real = console_impact.run_impact

    def slow(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        time.sleep(0.2)
        result = real(*args, **kwargs)
        spans.append((started, time.perf_counter()))
        return result

    monkeypatch.setattr(console_impact, "run_impact", slow)
    candidate = (SHOP / "mini-store.yaml").read_text(encoding="utf-8")
    ask = console_impact.ImpactAsk("mini-store", candidate, 30, "stored")
    threads = [
        threading.Thread(target=console_impact.replay, args=(services, "default", ask))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans.sort()
    assert len(spans) == 3
    assert all(end <= start for (_, end), (start, _) in itertools.pairwise(spans))


def seed_many(store: AuditStore, tmp_path: Path, count: int) -> None:
    """``count`` stored requests of the older log's kinds, a second apart, newest now."""
    now = dt.datetime.now(dt.UTC)
    kinds = list(older_log(tmp_path / "many", now).values())
    by_table: dict[Any, list[dict[str, Any]]] = {}
    for number in range(count):
        row = kinds[number % len(kinds)]
        table = type(row).__table__  # type: ignore[attr-defined]
        values = {column.name: getattr(row, column.name) for column in table.columns}
        values |= {"id": f"{values['id'][:3]}{number:09d}{values['id'][12:]}"}
        values["created_at"] = now - dt.timedelta(seconds=number + 1)
        by_table.setdefault(table, []).append(values)
    with store.engine.begin() as connection:
        for table, rows in by_table.items():
            connection.execute(table.insert(), rows)


def test_a_large_impact_replay_does_not_hold_up_the_api(
    tmp_path: Path, ticket: dict[str, Any]
) -> None:
    """A real ``drafter serve`` on SQLite with 6,000 stored requests: the page replays the
    newest 5,000 against the current policy (seconds of work) while an agent's verdicts keep
    coming back in their usual time. Were the replay on the event loop, a verdict would wait
    for all of it."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    with opened_store(make_settings(url, tmp_path)) as store:
        lead, _ = create_key(store, "lead", rate_limit_per_minute=10_000, role=Role.supervisor)
        agent, _ = create_key(store, "agent", rate_limit_per_minute=10_000)
        seed_many(store, tmp_path, 6_000)
    env = {
        "DRAFTER_DATA_DIR": str(tmp_path / "data"),
        "DRAFTER_POLICIES_DIR": str(FIXTURES),
        "DRAFTER_DATABASE_URL": url,
    }
    candidate = mini_store(tmp_path / "candidate", standard_days=45, version="1.1.0").read_text()
    form = {"csrf": csrf_token(lead), "policy": "mini-store", "days": "30",
            "against": "current", "candidate": candidate}  # fmt: skip
    verdict = {"policy": "mini-store", "request": ticket}
    with (
        live_server(env, log=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=120) as browser,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {agent}"}) as api,
    ):

        def verdict_seconds() -> float:
            started = time.perf_counter()
            assert api.post("/v1/verdicts", json=verdict).status_code == 200
            return time.perf_counter() - started

        assert browser.post("/console/sign-in", data={"key": lead}).status_code == 303
        idle = [verdict_seconds() for _ in range(20)]
        page: list[Any] = []
        replay = threading.Thread(
            target=lambda: page.append(browser.post("/console/impact", data=form))
        )
        started = time.perf_counter()
        replay.start()
        busy = []
        while replay.is_alive():
            busy.append(verdict_seconds())
        replay_seconds = time.perf_counter() - started
    assert page[0].status_code == 200, text_of(page[0].text)
    assert "this page replayed the newest 5,000" in text_of(page[0].text)
    assert replay_seconds > 1.0, replay_seconds  # long enough that blocking would show
    assert len(busy) >= 10, (len(busy), replay_seconds)
    print(f"replay {replay_seconds:.2f} s; verdicts idle p50 {statistics.median(idle) * 1000:.1f} "
          f"ms max {max(idle) * 1000:.1f} ms; during p50 {statistics.median(busy) * 1000:.1f} ms "
          f"max {max(busy) * 1000:.1f} ms over {len(busy)}")  # fmt: skip
    assert max(busy) < 1.0  # against seconds for the whole replay if it held the event loop
