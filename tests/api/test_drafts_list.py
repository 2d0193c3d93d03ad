"""GET /v1/drafts: a tenant's drafts, newest first, a page at a time, with filters; on SQLite
and PostgreSQL. Pages are cut by a cursor over (created_at, id), so drafts stored during a walk
neither repeat nor skip one; another tenant's drafts never appear; a bad filter is a 422 that
names it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from drafter.keys import Role, create_key
from drafter.store import AuditStore, DraftRow
from drafter.store.audit import new_id
from drafter.store.tables import FeedbackRow

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
OTHER = "acme-returns"


def _headers(store: AuditStore, role: Role = Role.supervisor, tenant: str = "default") -> Any:
    token, _ = create_key(store, role.value, rate_limit_per_minute=1000, role=role, tenant=tenant)
    return {"Authorization": f"Bearer {token}"}


def _row(minute: int, tenant: str = "default", **columns: Any) -> DraftRow:
    values: dict[str, Any] = {
        "id": new_id("dr"),
        "created_at": T0 + dt.timedelta(minutes=minute),
        "tenant": tenant,
        "key_id": "k1",
        "idempotency_key": None,
        "body_sha256": "0" * 64,
        "policy_id": "mini-store",
        "policy_version": "1",
        "policy_sha256": "a" * 64,
        "channel": "email",
        "tone": None,
        "decision": "decline",
        "rule": "outside_window",
        "fallback": False,
        "repaired": False,
        "llm_calls": 1,
        "provider": "openai",
        "model": "m",
        "template_version": "t",
        "prompt_sha256": "p" * 64,
        "request_json": "{}",
        "redacted": False,
        "reply_json": "{}",
    }
    return DraftRow(**(values | columns))


def _feedback(draft: DraftRow, outcome: str, minute: int) -> FeedbackRow:
    return FeedbackRow(
        id=new_id("fb"),
        draft_id=draft.id,
        created_at=T0 + dt.timedelta(minutes=minute),
        tenant=draft.tenant,
        key_id="k1",
        outcome=outcome,
        final_text="",
        reason="",
        redacted=False,
    )


def _walk(client: TestClient, headers: Any, **params: Any) -> list[list[str]]:
    """Every page of a walk, as lists of ids."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        query = params | ({"cursor": cursor} if cursor else {})
        response = client.get("/v1/drafts", headers=headers, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            return pages


def _all(client: TestClient, headers: Any, **params: Any) -> list[str]:
    return [draft_id for page in _walk(client, headers, **params) for draft_id in page]


def _ids(rows: list[DraftRow]) -> list[str]:
    """Newest first, ties by id: the order the list promises."""
    return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id), reverse=True)]


def test_a_walk_gives_every_draft_once_newest_first(client: TestClient, store: AuditStore) -> None:
    # Three drafts share one created_at: the id alone orders them, across a page boundary.
    rows = [_row(m) for m in (0, 1, 2, 2, 2, 5, 9)]
    store.insert(rows)
    pages = _walk(client, _headers(store), limit=2)
    assert [len(p) for p in pages] == [2, 2, 2, 1]
    assert [i for page in pages for i in page] == _ids(rows)


def test_drafts_stored_during_a_walk_neither_repeat_nor_skip_one(
    client: TestClient, store: AuditStore
) -> None:
    rows = [_row(m) for m in range(6)]
    store.insert(rows)
    headers = _headers(store)
    first = client.get("/v1/drafts", headers=headers, params={"limit": 2}).json()
    # New drafts arrive, newer than everything (as every new draft is), before page 2 is read.
    # An offset of 2 would now return the first page's drafts again.
    store.insert([_row(10), _row(11), _row(12)])
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/v1/drafts", headers=headers, params={"limit": 2, "cursor": cursor})
        seen += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    assert seen == _ids(rows)


def test_another_tenant_s_drafts_never_appear(client: TestClient, store: AuditStore) -> None:
    mine = [_row(m) for m in range(3)]
    theirs = [_row(m, tenant=OTHER) for m in range(3)]
    store.insert(mine + theirs)
    assert _all(client, _headers(store), limit=1) == _ids(mine)
    other = _headers(store, tenant=OTHER)
    assert _all(client, other, limit=1) == _ids(theirs)
    # A cursor from one tenant's walk only says where; the other tenant's filter still holds.
    cursor = client.get("/v1/drafts", headers=_headers(store), params={"limit": 1}).json()
    page = client.get("/v1/drafts", headers=other, params={"cursor": cursor["next_cursor"]})
    assert {item["id"] for item in page.json()["items"]} <= set(_ids(theirs))


def test_filters_narrow_the_list(client: TestClient, store: AuditStore) -> None:
    approved = _row(1, decision="approve", rule="in_window")
    fell_back = _row(2, fallback=True)
    repaired = _row(3, repaired=True, policy_id="other-policy")
    edited_then_sent = _row(4)
    rejected = _row(5)
    plain = _row(6)
    store.insert([approved, fell_back, repaired, edited_then_sent, rejected, plain])
    # Latest feedback counts: edited first, then sent as is.
    store.insert(
        [
            _feedback(edited_then_sent, "edited", 7),
            _feedback(edited_then_sent, "sent_as_is", 8),
            _feedback(rejected, "rejected", 9),
        ]
    )
    headers = _headers(store)

    def ids(**params: Any) -> list[str]:
        return _all(client, headers, **params)

    assert ids(decision="approve") == [approved.id]
    assert ids(rule="in_window") == [approved.id]
    assert ids(fallback="true") == [fell_back.id]
    assert ids(repaired="true") == [repaired.id]
    assert ids(policy="other-policy") == [repaired.id]
    assert ids(feedback="sent_as_is") == [edited_then_sent.id]
    assert ids(feedback="edited") == []
    assert ids(feedback="rejected") == [rejected.id]
    assert ids(feedback="none") == _ids([approved, fell_back, repaired, plain])
    window = {"created_from": (T0 + dt.timedelta(minutes=2)).isoformat()}
    window["created_before"] = (T0 + dt.timedelta(minutes=4)).isoformat()
    assert ids(**window) == [repaired.id, fell_back.id]
    # Another zone names the same instants.
    paris = dt.timezone(dt.timedelta(hours=1))
    assert ids(created_from=(T0 + dt.timedelta(minutes=6)).astimezone(paris).isoformat()) == [
        plain.id
    ]
    assert ids(decision="decline", fallback="false", repaired="false", feedback="none") == [
        plain.id
    ]


def test_an_item_summarises_the_draft_and_links_to_it(
    client: TestClient, store: AuditStore, ticket: dict[str, Any]
) -> None:
    headers = _headers(store)
    created = client.post(
        "/v1/drafts", headers=headers, json={"policy": "mini-store", "request": ticket}
    )
    assert created.status_code == 200, created.text
    reply = created.json()["reply"]
    [item] = client.get("/v1/drafts", headers=headers).json()["items"]
    assert item["id"] == created.json()["id"]
    assert item["href"] == f"/v1/drafts/{item['id']}"
    assert client.get(item["href"], headers=headers).status_code == 200
    assert item["decision"] == reply["verdict"]["decision"] == "decline"
    assert item["rule"] == reply["verdict"]["rule"]
    assert item["policy"] == reply["verdict"]["policy"]
    assert (item["fallback"], item["repaired"], item["feedback"]) == (False, False, None)
    assert dt.datetime.fromisoformat(item["created_at"]).tzinfo is not None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ("decision=maybe", "query.decision"),
        ("fallback=perhaps", "query.fallback"),
        ("feedback=ignored", "query.feedback"),
        ("limit=0", "query.limit"),
        ("limit=201", "query.limit"),
        ("created_from=2026-11-02T09:00:00", "query.created_from"),  # no time zone
        ("created_from=yesterday", "query.created_from"),
        ("created_from=0", "query.created_from"),  # pydantic alone reads it as 1970
        ("limit=1.0", "query.limit"),
        (
            "created_from=2026-11-03T00:00:00Z&created_before=2026-11-02T00:00:00Z",
            "query.created_before",
        ),
        ("cursor=bm90LWEtY3Vyc29y", "query.cursor"),
        ("cursor=a%2Bb", "query.cursor"),
        ("rule=%00", "query.rule"),
        ("policy=" + "p" * 201, "query.policy"),
        ("decison=approve", "query.decison"),  # a misspelt filter must not widen the list
        ("decision=approve&decision=decline", "query.decision"),
    ],
)
def test_a_bad_filter_is_a_422_naming_it(
    client: TestClient, store: AuditStore, params: str, field: str
) -> None:
    store.insert([_row(0)])
    response = client.get(f"/v1/drafts?{params}", headers=_headers(store))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/invalid-request"
    assert field in [error["field"] for error in problem["errors"]], problem


def test_an_agent_key_cannot_list(client: TestClient, store: AuditStore) -> None:
    store.insert([_row(0)])
    response = client.get("/v1/drafts", headers=_headers(store, Role.agent))
    assert response.status_code == 403
    assert "supervisor" in response.json()["detail"]
    assert client.get("/v1/drafts", headers=_headers(store, Role.admin)).status_code == 200


def test_the_list_is_in_the_openapi_document(client: TestClient, store: AuditStore) -> None:
    document = client.get("/openapi.json", headers=_headers(store)).json()
    operation = document["paths"]["/v1/drafts"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {
        "policy",
        "decision",
        "rule",
        "fallback",
        "repaired",
        "feedback",
        "created_from",
        "created_before",
        "limit",
        "cursor",
    }
    assert {"200", "401", "403", "422", "429"} <= set(operation["responses"])
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/DraftPage"}


def test_a_wrong_method_names_both_methods_of_the_path(
    client: TestClient, store: AuditStore
) -> None:
    response = client.delete("/v1/drafts", headers=_headers(store))
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
