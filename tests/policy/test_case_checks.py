"""The retail and SaaS packs refuse a broken case, naming the field, as the request's own
validators did before the packs (the golden verdicts show that their facts are the built-in
catalogue's: tests/policy/test_golden.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drafter.errors import RequestError
from drafter.intake import parse_request
from drafter.policy.domain import Domain, load_domain
from drafter.settings import Settings

POLICIES = Settings().policies_dir


def _domain(name: str) -> Domain:
    return load_domain(POLICIES / name / "domain.yaml")


ORDER = {
    "id": "o-1",
    "status": "delivered",
    "currency": "USD",
    "placed_on": "2026-10-01",
    "delivered_on": "2026-10-05",
    "items": [{"id": "i1", "name": "Shoes", "price": "10.00"}],
}
SUBSCRIPTION = {
    "id": "s-1",
    "plan": "monthly",
    "status": "active",
    "currency": "USD",
    "price": "10.00",
    "started_on": "2026-01-01",
    "period_start": "2026-11-01",
    "period_end": "2026-12-01",
}


def _refusal(domain: str, case: dict[str, Any]) -> str:
    body = {
        "as_of": "2026-11-20",
        "customer": {"id": "c", "name": "Ann"},
        "ask": {"kind": "refund"},
        "case": case,
    }
    loaded = _domain(domain)
    with pytest.raises(RequestError) as caught:
        loaded.read(parse_request(json.dumps(body)), frozenset(loaded.facts))
    return str(caught.value)


@pytest.mark.parametrize(
    ("domain", "case", "refusal"),
    [
        (
            "retail",
            {"order": {**ORDER, "items": ORDER["items"] * 2}},
            "case.order.items: two items have the id 'i1'",
        ),
        (
            "retail",
            {"order": ORDER, "change": {"item_ids": ["i9"]}},
            "case.change.item_ids: names an item that is not in the order, or names one twice",
        ),
        (
            "retail",
            {"order": ORDER, "change": {"exchanges": [{"item_id": "i9", "new_item_id": "n"}]}},
            "case.change.exchanges: names an item that is not in the order",
        ),
        (
            "retail",
            {"order": {**ORDER, "delivered_on": "2026-12-01"}},
            "case.order.delivered_on: is after as_of",
        ),
        (
            "retail",
            {"order": {**ORDER, "delivered_on": "2026-09-01"}},
            "case.order.delivered_on: is before placed_on",
        ),
        (
            "saas",
            {"subscription": {**SUBSCRIPTION, "period_end": "2026-10-01"}},
            "case.subscription.period_end: must be after period_start",
        ),
        (
            "saas",
            {"subscription": {**SUBSCRIPTION, "started_on": "2026-11-10"}},
            "case.subscription.period_start: is before started_on",
        ),
        (
            "saas",
            {"subscription": {**SUBSCRIPTION, "order": ORDER}},
            "case.subscription.order: is not a known field",
        ),
    ],
)
def test_a_broken_case_is_refused_naming_the_field(
    domain: str, case: dict[str, Any], refusal: str
) -> None:
    assert _refusal(domain, case) == refusal


def test_domains_load_from_their_folders() -> None:
    assert {p.parent.name for p in Path(POLICIES).glob("*/domain.yaml")} >= {"retail", "saas"}
