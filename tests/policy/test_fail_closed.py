"""Facts a request leaves unstated fail closed: an omitted final-sale or custom flag, shipping
fee, payment kind or subscription usage is a missing fact the policy asks about, never a
default that lets a refund through."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from typing import Any

import pytest
from typer.testing import CliRunner

from drafter.cli import app
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.inputs_schema import inputs_schema
from drafter.policy.tables import build_request, load_table
from drafter.schemas import Decision, Verdict
from drafter.settings import Settings

REGISTRY = PolicyRegistry(Settings().policies_dir)
GRANTING = (Decision.approve, Decision.partial)

# The case fields that are None when unstated, with the pack and the fact that reads each.
TRI_STATE = {
    "order.items[].final_sale": ("retail-standard", "any_final_sale"),
    "order.items[].custom": ("retail-standard", "any_custom"),
    "order.shipping_fee": ("retail-standard", "shipping_fee"),
    "order.payments[].kind": ("retail-standard", "amount_paid"),
    "subscription.usage_consumed": ("saas-subscription", "usage_consumed"),
    "subscription.retention_offers_used": ("saas-subscription", "retention_offers_used"),
}


def _question(policy_id: str, fact: str, language: str = "en") -> str:
    return REGISTRY.get(policy_id).question(fact, language)


def _source(policy_id: str, fact: str) -> str:
    return REGISTRY.get(policy_id).fact_sources[fact]


def _base(policy_id: str) -> dict[str, Any]:
    table, _ = load_table(REGISTRY.tests_path(policy_id))
    assert table.base is not None
    return copy.deepcopy(table.base)


def _verdict(policy_id: str, data: dict[str, Any]) -> Verdict:
    return evaluate(REGISTRY.get(policy_id), parse_request(json.dumps(data, default=str)))


def _retail(**changes: Any) -> dict[str, Any]:
    """retail-standard's table base: unopened shoes, 22 days after delivery, approved."""
    data = _base("retail-standard")
    for path, value in changes.items():
        node = data
        *parents, last = path.split(".")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is _OMIT:
            del node[last]
        else:
            node[last] = value
    return data


_OMIT = object()


def _asks_for(verdict: Verdict, fact: str) -> None:
    assert verdict.decision == Decision.needs_info
    assert [need.fact for need in verdict.needs] == [fact]
    assert verdict.needs[0].question == REGISTRY.get(verdict.policy.id).question(fact, "en")
    assert verdict.refund is None
    assert verdict.offers == []


def test_the_base_request_is_approved_when_every_fact_is_stated() -> None:
    verdict = _verdict("retail-standard", _retail())
    assert (verdict.decision, verdict.rule) == (Decision.approve, "unopened_return")


def test_an_unstated_final_sale_flag_asks_instead_of_approving() -> None:
    verdict = _verdict("retail-standard", _retail(**{"case.order.items.0.final_sale": _OMIT}))
    _asks_for(verdict, "any_final_sale")
    assert verdict.rule == "final_sale"  # the gate that could not be decided
    assert _source("retail-standard", "any_final_sale") == "case.order.items[].final_sale"


def test_the_question_for_final_sale_follows_the_locale() -> None:
    data = _retail(**{"case.order.items.0.final_sale": _OMIT, "locale": "es"})
    verdict = _verdict("retail-standard", data)
    assert verdict.needs[0].question == _question("retail-standard", "any_final_sale", "es")
    assert verdict.needs[0].question != _question("retail-standard", "any_final_sale")


def test_one_final_sale_item_decides_even_when_another_is_unstated() -> None:
    data = _retail()
    extra = {"id": "i2", "name": "Socks", "price": "11.00", "condition": "unopened"}
    data["case"]["order"]["items"].append(extra)
    data["case"]["order"]["items"][0]["final_sale"] = True
    verdict = _verdict("retail-standard", data)
    assert (verdict.decision, verdict.rule) == (Decision.decline, "final_sale")


def test_an_unstated_flag_on_an_item_not_asked_about_does_not_matter() -> None:
    data = _retail(**{"case.change.item_ids": ["i1"]})
    data["case"]["order"]["items"].append({"id": "i2", "name": "Socks", "price": "11.00"})
    data["case"]["order"]["payments"][0]["amount"] = "106.95"
    verdict = _verdict("retail-standard", data)
    assert (verdict.decision, verdict.rule) == (Decision.approve, "unopened_return")


def test_an_unstated_custom_flag_asks_instead_of_approving() -> None:
    verdict = _verdict("retail-standard", _retail(**{"case.order.items.0.custom": _OMIT}))
    _asks_for(verdict, "any_custom")
    assert _source("retail-standard", "any_custom") == "case.order.items[].custom"


def test_an_unstated_shipping_fee_is_not_taken_as_free() -> None:
    data = _retail(
        **{
            "case.order.shipping_fee": _OMIT,
            "ask": {"kind": "refund", "reason": "damaged_in_transit"},
            "case.evidence": {"carrier_damage_confirmed": True},
        }
    )
    verdict = _verdict("retail-standard", data)
    _asks_for(verdict, "shipping_fee")
    assert _source("retail-standard", "shipping_fee") == "case.order.shipping_fee"


def test_an_unstated_shipping_fee_leaves_the_order_total_unknown() -> None:
    data = _retail(
        **{
            "case.order.shipping_fee": _OMIT,
            "ask": {"kind": "refund", "reason": "duplicate_charge"},
            "case.evidence": {"duplicate_charge_confirmed": True},
        }
    )
    data["case"]["order"]["payments"].append(dict(data["case"]["order"]["payments"][0]))
    _asks_for(_verdict("retail-standard", data), "order_total")


def test_a_payment_row_without_a_kind_leaves_what_was_paid_unknown() -> None:
    data = _retail(
        **{
            "ask": {"kind": "refund", "reason": "duplicate_charge"},
            "case.evidence": {"duplicate_charge_confirmed": True},
        }
    )
    data["case"]["order"]["payments"] = [
        {"method_id": "card-1", "amount": "95.95", "kind": "payment"},
        {"method_id": "card-1", "amount": "95.95"},  # a charge, or the refund of the first?
    ]
    _asks_for(_verdict("retail-standard", data), "amount_paid")
    assert _source("retail-standard", "amount_paid") == "case.order.payments[].amount"


def test_an_order_refund_is_never_sized_without_knowing_what_was_paid() -> None:
    data = _retail(**{"case.order.payments.0.kind": _OMIT})
    verdict = _verdict("retail-standard", data)
    _asks_for(verdict, "amount_paid")
    assert verdict.rule == "unopened_return"  # decided, but the refund could not be bounded


def test_an_unstated_payment_kind_leaves_the_original_method_unknown() -> None:
    base = _base("tau-retail")
    base["ask"] = {"kind": "modify_payment"}
    base["case"]["change"] = {"payment_method_id": "credit_card_1"}
    assert _verdict("tau-retail", base).decision == Decision.decline  # the same method
    del base["case"]["order"]["payments"][0]["kind"]
    verdict = _verdict("tau-retail", base)
    assert verdict.decision == Decision.needs_info
    assert [n.fact for n in verdict.needs] == ["payment_method_is_original"]


def _saas(ask: str, **subscription: Any) -> dict[str, Any]:
    """saas-subscription's table base: a monthly plan on day 15 of its period."""
    data = _base("saas-subscription")
    data["ask"] = {"kind": ask, "reason": "no_longer_needed"}
    data["case"]["subscription"].update(subscription)
    return data


def test_unstated_usage_is_not_taken_as_none_used() -> None:
    new = {"started_on": "2026-11-06", "period_start": "2026-11-06", "period_end": "2026-12-06"}
    data = _saas("refund", **new)
    stated = _verdict("saas-subscription", data)
    assert (stated.decision, stated.rule) == (Decision.approve, "cooling_off_full")
    del data["case"]["subscription"]["usage_consumed"]
    _asks_for(_verdict("saas-subscription", data), "usage_consumed")


def test_unstated_retention_offers_are_not_taken_as_none_given() -> None:
    data = _saas("cancel")
    stated = _verdict("saas-subscription", data)
    assert stated.rule == "cancel_with_retention"
    assert "retention_discount" in [o.id for o in stated.offers]
    del data["case"]["subscription"]["retention_offers_used"]
    _asks_for(_verdict("saas-subscription", data), "retention_offers_used")


# --- omitting any of these facts from any shipped case never grants more ----------------


def _table_requests() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for policy_id in REGISTRY.ids():
        table, _ = load_table(REGISTRY.tests_path(policy_id))
        for case in table.cases:
            if case.expect.error is None:
                found.append((policy_id, case.name, build_request(table.base, case)))
    return found


def _omissions(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each way to drop one tri-state fact from ``data``, named by its field path."""
    variants = []
    case = data.get("case") or {}
    order, subscription = case.get("order") or {}, case.get("subscription") or {}
    for index, item in enumerate(order.get("items", [])):
        for flag in ("final_sale", "custom"):
            if flag in item:
                variants.append(f"case.order.items.{index}.{flag}")
    if "shipping_fee" in order:
        variants.append("case.order.shipping_fee")
    for index, payment in enumerate(order.get("payments", [])):
        if "kind" in payment:
            variants.append(f"case.order.payments.{index}.kind")
    for name in ("usage_consumed", "retention_offers_used"):
        if name in subscription:
            variants.append(f"case.subscription.{name}")
    return [(path, _without(data, path)) for path in variants]


def _without(data: dict[str, Any], path: str) -> dict[str, Any]:
    copied = copy.deepcopy(data)
    node: Any = copied
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    del node[last]
    return copied


def _refund(verdict: Verdict) -> Decimal:
    return verdict.refund.amount.amount if verdict.refund else Decimal(0)


@pytest.mark.parametrize(
    ("policy_id", "name", "data"), _table_requests(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_omitting_a_stated_fact_never_grants_more(
    policy_id: str, name: str, data: dict[str, Any]
) -> None:
    stated = _verdict(policy_id, data)
    for path, variant in _omissions(data):
        unstated = _verdict(policy_id, variant)
        assert _refund(unstated) <= _refund(stated), path
        if unstated.decision in GRANTING:
            assert unstated.decision == stated.decision, path
        if unstated.decision != stated.decision:
            assert unstated.needs, f"{path}: {stated.decision} became {unstated.decision}"


# --- the schemas say which fields may be left unstated ----------------------------------


def _definitions(schema: dict[str, Any]) -> dict[str, Any]:
    defs: dict[str, Any] = schema["$defs"]
    return defs


@pytest.mark.parametrize("field", sorted(TRI_STATE))
def test_the_case_schema_marks_tri_state_fields_nullable_and_optional(field: str) -> None:
    policy_id, _ = TRI_STATE[field]
    schema = REGISTRY.get(policy_id).domain.case_schema()
    model, _, name = field.replace("[]", "").rpartition(".")
    owner = {
        "order.items": "CaseItems",
        "order": "CaseOrder",
        "order.payments": "CasePayments",
        "subscription": "CaseSubscription",
    }[model]
    definition = _definitions(schema)[owner]
    prop = definition["properties"][name]
    assert {"type": "null"} in prop["anyOf"]
    assert prop["default"] is None
    assert name not in definition.get("required", [])
    assert "unstated" in prop["description"]


def test_the_cli_inputs_schema_carries_the_tri_state_fields_and_what_each_fact_reads() -> None:
    result = CliRunner().invoke(app, ["policy", "schema", "retail-standard"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema == json.loads(json.dumps(inputs_schema(REGISTRY.get("retail-standard"))))
    item = _definitions(schema["x-request-schema"])["CaseItems"]
    assert {"type": "null"} in item["properties"]["final_sale"]["anyOf"]
    assert item["required"] == ["id", "name", "price"]
    properties = schema["properties"]
    assert properties["any_final_sale"]["x-source"] == "case.order.items[].final_sale"
    assert "case.order.shipping_fee" in properties["order_total"]["x-also-reads"]
    assert "case.order.shipping_fee" not in properties["any_final_sale"]["x-also-reads"]
