"""The retail and SaaS packs' domains work out the same facts as the built-in catalogue did,
on every stored golden request and on drawn ones, and refuse the same broken cases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.errors import RequestError, UserError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry
from drafter.policy.domain import Domain, load_domain
from drafter.policy.facts import CATALOGUE, extract
from drafter.settings import Settings
from tests.policy import golden
from tests.policy.legacy import to_case
from tests.policy.strategies import requests

POLICIES = Settings().policies_dir
DOMAIN_OF = {"retail-standard": "retail", "tau-retail": "retail", "saas-subscription": "saas"}


def _domain(name: str) -> Domain:
    return load_domain(POLICIES / name / "domain.yaml")


def _compared(domain: Domain) -> frozenset[str]:
    # SaaS's amount_paid is new: one period's price, where the catalogue had none.
    return frozenset(n for n in domain.facts if n in CATALOGUE) - (
        {"amount_paid"} if domain.id == "saas" else set()
    )


def _same_facts(data: dict[str, Any], domain: Domain) -> None:
    names = _compared(domain)
    want = extract(parse_request(json.dumps(data)), names)
    got = domain.read(parse_request(json.dumps(to_case(data, domain.id))), names).facts
    assert got == want


def test_golden_requests_get_the_catalogues_facts() -> None:
    compared = 0
    for row in golden.load():
        name = DOMAIN_OF.get(row["policy"])
        if name is None:
            continue
        data = json.loads(row["request"])
        try:
            parse_request(row["request"])
        except UserError:
            continue
        _same_facts(data, _domain(name))
        compared += 1
    assert compared > 1500


@pytest.mark.parametrize("policy_id", sorted(DOMAIN_OF))
def test_drawn_requests_get_the_catalogues_facts(policy_id: str) -> None:
    policy = PolicyRegistry(POLICIES).get(policy_id)
    domain = _domain(DOMAIN_OF[policy_id])

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=[*HealthCheck])
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        _same_facts(data.draw(requests(policy)), domain)

    check()


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
