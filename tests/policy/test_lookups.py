"""Lookups: the shipped mappings read each vendor's documented example answer into the case, a
mapping that names a field the domain does not declare stops the pack from loading, and an
answer that does not fit fails with the field named."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from drafter.errors import LookupFailed, PolicyError, RequestError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.domain import load_domain
from drafter.policy.lookups import Lookup
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data" / "lookups"


def shipped(pack: str, name: str) -> Lookup:
    return load_domain(ROOT / "policies" / pack / "domain.yaml").lookups[name]


def answer(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


# --- Shopify ------------------------------------------------------------------------------


def test_a_shopify_order_fills_the_retail_case() -> None:
    found = shipped("retail", "shopify-order").read(answer("shopify-order"))
    order = found.case["order"]
    assert order["id"] == "#1001"  # the name the customer knows
    assert order["currency"] == "USD"
    assert order["placed_on"] == "2008-01-10"  # the shop's own date, not UTC's
    assert order["status"] == "pending"  # fulfillment_status null: not fulfilled yet
    assert order["shipping_fee"] == "0.00"
    assert [i["id"] for i in order["items"]] == ["466157049", "518995019", "703073504"]
    assert order["items"][0] == {
        "id": "466157049",
        "name": "IPod Nano - 8gb - green",
        "product_id": "632910392",
        "price": "199.00",
        "quantity": 1,
    }
    assert found.sources == dict.fromkeys(
        [
            "order.id",
            "order.currency",
            "order.placed_on",
            "order.status",
            "order.shipping_fee",
            "order.items",
        ],
        "lookup:shopify-order",
    )
    assert found.left_out == {}


@pytest.mark.parametrize(
    ("change", "status"),
    [
        (
            {"cancelled_at": "2008-01-11T09:00:00-05:00", "fulfillment_status": "fulfilled"},
            "cancelled",
        ),
        ({"fulfillment_status": "fulfilled"}, "shipped"),
        ({"fulfillment_status": "partial"}, "shipped"),
        (
            {"fulfillment_status": "fulfilled", "fulfillments": [{"shipment_status": "delivered"}]},
            "delivered",
        ),
        (
            {
                "fulfillment_status": "fulfilled",
                "fulfillments": [{"shipment_status": "in_transit"}],
            },
            "shipped",
        ),
    ],
)
def test_a_shopify_order_status_is_mapped(change: dict[str, Any], status: str) -> None:
    data = answer("shopify-order")
    data["order"].update(change)
    assert shipped("retail", "shopify-order").read(data).case["order"]["status"] == status


def test_a_status_the_map_does_not_know_is_left_out_and_said_so() -> None:
    data = answer("shopify-order")
    data["order"]["fulfillment_status"] = "restocked"
    found = shipped("retail", "shopify-order").read(data)
    assert "status" not in found.case["order"]
    assert "order.status" not in found.sources
    assert found.left_out == {"order.status": "'restocked' is not one of the mapped values"}


def test_a_price_given_as_a_float_fails_the_lookup_naming_the_field() -> None:
    data = answer("shopify-order")
    data["order"]["line_items"][1]["price"] = 199.0
    with pytest.raises(LookupFailed) as caught:
        shipped("retail", "shopify-order").read(data)
    assert caught.value.kind == "bad_answer"
    assert "shopify-order" in str(caught.value)
    assert "order.items.1.price" in str(caught.value)
    assert "never a float" in str(caught.value)


def test_line_items_that_are_not_a_list_fail_the_lookup() -> None:
    data = answer("shopify-order")
    data["order"]["line_items"] = {"id": 1}
    with pytest.raises(LookupFailed, match=r"order\.items: the answer has an object"):
        shipped("retail", "shopify-order").read(data)


def test_an_answer_without_the_order_gives_an_empty_case() -> None:
    found = shipped("retail", "shopify-order").read({"errors": "Not Found"})
    assert found.case == {}
    assert found.left_out["order.items"] == "not in the answer"


def test_a_shopify_order_decides_with_the_agents_facts_added() -> None:
    """The fragment is a valid case: with the facts Shopify does not hold, a policy decides."""
    order = shipped("retail", "shopify-order").read(answer("shopify-order")).case["order"]
    order["status"] = "delivered"
    order["delivered_on"] = "2008-01-15"
    for item in order["items"]:
        item.update(condition="unopened", final_sale=False, custom=False)
    order["payments"] = [{"method_id": "card-1", "amount": "597.00", "kind": "payment"}]
    request = parse_request(
        json.dumps(
            {
                "channel": "email",
                "locale": "en",
                "as_of": "2008-01-20",
                "customer": {
                    "id": "c1",
                    "name": "Bob Norman",
                    "tier": "standard",
                    "refunds_last_12_months": 0,
                },
                "case": {
                    "order": order,
                    "payment_methods": [{"id": "card-1", "kind": "card"}],
                    "change": {"item_ids": ["518995019"]},
                },
                "ask": {"kind": "return", "reason": "changed_mind"},
            }
        )
    )
    verdict = evaluate(PolicyRegistry(ROOT / "policies").get("retail-standard"), request)
    assert verdict.needs == [], verdict.needs
    assert verdict.decision.value == "approve"
    assert verdict.refund is not None
    assert verdict.refund.amount.amount == 199


# --- Stripe -------------------------------------------------------------------------------


def test_a_stripe_subscription_fills_the_saas_case() -> None:
    found = shipped("saas", "stripe-subscription").read(answer("stripe-subscription"))
    assert found.case == {
        "subscription": {
            "id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
            "currency": "USD",
            "status": "active",
            "plan": "monthly",
            "price": "10.00",  # 1000 cents
            "started_on": "2024-05-22",  # 1716397800 is 2024-05-22T17:10:00Z
            "period_start": "2024-05-22",
            "period_end": "2024-06-22",
        }
    }
    assert set(found.sources) == {f"subscription.{k}" for k in found.case["subscription"]}
    assert found.left_out == {"subscription.trial_end": "null in the answer"}


def test_stripe_periods_on_the_item_as_newer_api_versions_give_them() -> None:
    data = answer("stripe-subscription")
    del data["current_period_start"], data["current_period_end"]
    data["items"]["data"][0] |= {
        "current_period_start": 1719076200,
        "current_period_end": 1721668200,
    }
    subscription = shipped("saas", "stripe-subscription").read(data).case["subscription"]
    assert (subscription["period_start"], subscription["period_end"]) == (
        "2024-06-22",
        "2024-07-22",
    )


@pytest.mark.parametrize(
    ("currency", "cents", "price"),
    [("usd", 1999, "19.99"), ("jpy", 1500, "1500"), ("eur", 0, "0.00")],
)
def test_stripe_minor_units_follow_the_currency(currency: str, cents: int, price: str) -> None:
    data = answer("stripe-subscription")
    data["items"]["data"][0]["price"] |= {"currency": currency, "unit_amount": cents}
    found = shipped("saas", "stripe-subscription").read(data)
    assert found.case["subscription"]["price"] == price


@pytest.mark.parametrize(
    ("status", "mapped"),
    [
        ("trialing", "trialing"),
        ("canceled", "cancelled"),
        ("unpaid", "past_due"),
        ("incomplete", None),
    ],
)
def test_stripe_statuses_map_to_the_domains(status: str, mapped: str | None) -> None:
    data = answer("stripe-subscription")
    data["status"] = status
    subscription = shipped("saas", "stripe-subscription").read(data).case["subscription"]
    assert subscription.get("status") == mapped


def test_a_stripe_amount_as_text_fails_the_lookup() -> None:
    data = answer("stripe-subscription")
    data["items"]["data"][0]["price"]["unit_amount"] = "1000"
    with pytest.raises(
        LookupFailed, match=r"subscription\.price: minor_units: '1000' is not a whole"
    ):
        shipped("saas", "stripe-subscription").read(data)


def test_paths_read_data_and_nothing_else(tmp_path: Path) -> None:
    """A path is names and list indexes: ``__class__`` is a key like any other, not Python."""
    mapping = GOOD.replace("{from: order.name}", "{from: __class__.__name__}")
    lookup = load_domain(pack_with(tmp_path, mapping)).lookups["test-order"]
    assert lookup.read({}).left_out == {"order.id": "not in the answer"}
    assert lookup.read({"__class__": {"__name__": "o-1"}}).case == {"order": {"id": "o-1"}}
    assert lookup.read({"__class__": ["o-1"]}).case == {}  # a name never indexes a list


def test_the_answers_are_not_changed_by_reading() -> None:
    data = answer("shopify-order")
    before = copy.deepcopy(data)
    shipped("retail", "shopify-order").read(data)
    assert data == before


# --- loading ------------------------------------------------------------------------------

GOOD = """\
title: Test order
id_label: Order ID
connection: shop
get: /orders/{id}.json
credential: {header: X-Token}
fields:
  order.id: {from: order.name}
"""


def pack_with(tmp_path: Path, lookup: str, name: str = "test-order") -> Path:
    pack = tmp_path / "retail"
    shutil.copy(ROOT / "policies" / "retail" / "domain.yaml", tmp_path / "domain.yaml")
    pack.mkdir()
    shutil.copy(ROOT / "policies" / "retail" / "domain.yaml", pack / "domain.yaml")
    (pack / "lookups").mkdir()
    (pack / "lookups" / f"{name}.yaml").write_text(lookup)
    return pack / "domain.yaml"


def test_a_good_lookup_loads(tmp_path: Path) -> None:
    lookup = load_domain(pack_with(tmp_path, GOOD)).lookups["test-order"]
    assert (lookup.connection, lookup.path, lookup.header) == (
        "shop",
        "/orders/{id}.json",
        "X-Token",
    )
    assert lookup.timeout_s == 5


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (
            ("order.id: {from: order.name}", "order.note: {from: order.note}"),
            "'order.note' is not a field the domain's case declares",
            7,
        ),
        (
            ("order.id: {from: order.name}", "ordr.id: {from: order.name}"),
            "'ordr.id' is not a field the domain's case declares",
            7,
        ),
        (
            ("order.id: {from: order.name}", "order.status: {from: s, if_null: 1}"),
            "'1' does not fit 'order.status'",
            7,
        ),
        (
            (
                "order.id: {from: order.name}",
                "payment_methods: {from: methods, each: {kind: {from: k, values: {visa: cardd}}}}",
            ),
            "'cardd' does not fit 'kind'",
            7,
        ),
        (
            ("order.id: {from: order.name}", "order: {from: order}"),
            "'order' is a record: map its fields one by one",
            7,
        ),
        (
            ("order.id: {from: order.name}", "order.items: {from: line_items}"),
            "a list of records needs 'each'",
            7,
        ),
        (
            (
                "order.id: {from: order.name}",
                "order.shipping_fee: {from: fee, convert: minor_units}",
            ),
            "minor_units needs 'currency'",
            7,
        ),
        (
            ("order.id: {from: order.name}", "order.items: {from: l, each: {colour: {from: c}}}"),
            "'colour' is not a field of the list's items",
            7,
        ),
        (
            ("order.id: {from: order.name}", "order.status: {value: pending}"),
            "give 'from': the path of the value in the answer",
            7,
        ),
        (("get: /orders/{id}.json", "get: /orders.json"), "get: must hold '{id}' once", 4),
        (("get: /orders/{id}.json", "get: /{shop}/{id}"), "get: must hold '{id}' once", 4),
        (
            ("get: /orders/{id}.json", "get: https://evil.example/{id}"),
            "get: String should match pattern",
            4,
        ),
        (
            ("credential: {header: X-Token}", "credential: {header: X-Token, token: shpat_1}"),
            "credential.token: Extra inputs are not permitted",
            5,
        ),
        (
            ("order.id: {from: order.name}", "order.id: {from: 'order.name()'}"),
            "String should match pattern",
            7,
        ),
    ],
)
def test_a_bad_lookup_stops_the_pack_naming_file_and_line(
    tmp_path: Path, change: tuple[str, str], message: str, line: int
) -> None:
    path = pack_with(tmp_path, GOOD.replace(*change))
    assert GOOD.replace(*change) != GOOD
    with pytest.raises(PolicyError) as caught:
        load_domain(path)
    assert message in caught.value.detail
    assert caught.value.file.endswith("lookups/test-order.yaml")
    assert caught.value.line == line


def test_a_bad_lookup_stops_the_packs_policies_from_loading(tmp_path: Path) -> None:
    """Fail closed: the policies of a pack whose lookup names an unknown field do not load."""
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies" / "retail", policies / "retail")
    bad = policies / "retail" / "lookups" / "shopify-order.yaml"
    bad.write_text(bad.read_text().replace("order.shipping_fee:", "order.shipping_cost:"))
    with pytest.raises(PolicyError, match=r"'order\.shipping_cost' is not a field"):
        PolicyRegistry(policies).get("retail-standard")


def test_a_changed_lookup_file_is_read_again(tmp_path: Path) -> None:
    path = pack_with(tmp_path, GOOD)
    assert load_domain(path).lookups["test-order"].timeout_s == 5
    (path.parent / "lookups" / "test-order.yaml").write_text(GOOD + "timeout_seconds: 2\n")
    assert load_domain(path).lookups["test-order"].timeout_s == 2


def test_a_lookup_file_name_must_be_a_name(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="file name"):
        load_domain(pack_with(tmp_path, GOOD, name="Test_Order"))


# --- provenance: which values of a request came from where ----------------------------------


def looked_up_request(**provenance: str) -> dict[str, Any]:
    order = shipped("retail", "shopify-order").read(answer("shopify-order")).case["order"]
    order["status"] = "delivered"  # corrected by the agent
    return {
        "as_of": "2008-01-20",
        "customer": {"id": "c1", "name": "Bob Norman", "tier": "standard"},
        "case": {"order": order},
        "ask": {"kind": "return", "reason": "changed_mind"},
        "provenance": {k.replace("__", "."): v for k, v in provenance.items()},
    }


def test_provenance_that_holds_is_kept_and_changes_nothing() -> None:
    policy = PolicyRegistry(ROOT / "policies").get("retail-standard")
    data = looked_up_request(
        order__id="lookup:shopify-order", order__items="lookup:shopify-order", order__status="agent"
    )
    with_sources = parse_request(json.dumps(data))
    assert with_sources.provenance["order.items"] == "lookup:shopify-order"
    without = parse_request(json.dumps({**data, "provenance": {}}))
    assert evaluate(policy, with_sources) == evaluate(policy, without)


@pytest.mark.parametrize(
    ("provenance", "field", "message"),
    [
        ({"order.colour": "agent"}, "provenance.order.colour", "not a field of the retail case"),
        (
            {"order.status": "lookup:shopify-orders"},
            "provenance.order.status",
            "'shopify-orders' is not a lookup of the retail pack; known: shopify-order",
        ),
        (
            {"order.delivered_on": "lookup:shopify-order"},
            "provenance.order.delivered_on",
            "the case has no value at 'order.delivered_on'",
        ),
        ({"evidence.photos": "agent"}, "provenance.evidence.photos", "the case has no value"),
    ],
)
def test_provenance_that_cannot_hold_is_refused_naming_it(
    provenance: dict[str, str], field: str, message: str
) -> None:
    request = parse_request(json.dumps({**looked_up_request(), "provenance": provenance}))
    with pytest.raises(RequestError) as caught:
        evaluate(PolicyRegistry(ROOT / "policies").get("retail-standard"), request)
    assert caught.value.field == field
    assert message in caught.value.detail


@pytest.mark.parametrize(
    "provenance",
    [{"order.status": "shopify"}, {"order.status": "lookup:"}, {"Order.Status": "agent"}],
)
def test_provenance_is_a_path_and_a_source(provenance: dict[str, str]) -> None:
    with pytest.raises(RequestError, match="provenance"):
        parse_request(json.dumps({**looked_up_request(), "provenance": provenance}))
