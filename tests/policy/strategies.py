"""Hypothesis strategies for requests that fit a given policy's vocabulary.

A request's case holds the parts of an order (retail) or a subscription (SaaS) pack: what is
drawn is cut down to the parts and fields the policy's domain declares, so a smaller pack (the
test shop) gets only what it knows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from drafter.policy.model import Policy
from drafter.policy.types import EnumType, ListType, RecordType, Type

AS_OF = dt.date(2026, 11, 20)


def _values(policy: Policy, fact: str, default: list[str]) -> list[str]:
    kind = policy.inputs.get(fact)
    return sorted(kind.values) if isinstance(kind, EnumType) else default


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def cents(low: int = 0, high: int = 60_000) -> st.SearchStrategy[str]:
    return st.integers(low, high).map(lambda c: f"{c // 100}.{c % 100:02d}")


@st.composite
def items(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 3))
    return [
        {
            "id": f"sku-{i}",
            "name": f"Item {i}",
            "product_id": f"p-{draw(st.integers(0, 2))}",
            "category": draw(st.sampled_from(["shoes", "electronics", "apparel"])),
            "price": draw(cents(100)),
            "condition": draw(_maybe(st.sampled_from(["unopened", "opened", "used"]))),
            "final_sale": draw(st.booleans()),
            "custom": draw(st.booleans()),
        }
        for i in range(count)
    ]


@st.composite
def orders(draw: st.DrawFn, policy: Policy) -> dict[str, Any]:
    order_items = draw(items())
    total = sum(int(i["price"].replace(".", "")) for i in order_items)
    delivered_ago = draw(_maybe(st.integers(0, 120)))
    placed_ago = (delivered_ago or 0) + draw(st.integers(0, 10))
    paid = draw(st.sampled_from([total, total // 2, 0]))
    return {
        "id": "A-1",
        "status": draw(st.sampled_from(_values(policy, "order_status", ["delivered"]))),
        "currency": policy.currency,
        "placed_on": (AS_OF - dt.timedelta(days=placed_ago)).isoformat(),
        "expected_delivery_on": (AS_OF - dt.timedelta(days=placed_ago - 5)).isoformat()
        if placed_ago >= 5
        else None,
        "delivered_on": None
        if delivered_ago is None
        else (AS_OF - dt.timedelta(days=delivered_ago)).isoformat(),
        "items": order_items,
        "shipping_fee": draw(cents(0, 2000)),
        "payments": [
            {"method_id": "card-1", "amount": f"{paid // 100}.{paid % 100:02d}", "kind": "payment"}
        ]
        if paid
        else [],
    }


@st.composite
def subscriptions(draw: st.DrawFn, policy: Policy) -> dict[str, Any]:
    plan = draw(st.sampled_from(["monthly", "annual"]))
    length = 30 if plan == "monthly" else 365
    into = draw(st.integers(0, length - 1))
    start = AS_OF - dt.timedelta(days=into)
    began = start - dt.timedelta(days=draw(st.integers(0, 800)))
    return {
        "id": "S-1",
        "plan": plan,
        "status": draw(st.sampled_from(["trialing", "active", "past_due", "cancelled"])),
        "currency": policy.currency,
        "price": draw(cents(100, 100_000)),
        "started_on": began.isoformat(),
        "period_start": start.isoformat(),
        "period_end": (start + dt.timedelta(days=length)).isoformat(),
        "trial_end": draw(_maybe(st.just((began + dt.timedelta(days=14)).isoformat()))),
        "usage_consumed": draw(cents(0, 5000)),
        "retention_offers_used": draw(st.integers(0, 2)),
    }


EVIDENCE = (
    "photos",
    "defect_confirmed",
    "misuse_found",
    "carrier_damage_confirmed",
    "duplicate_charge_confirmed",
    "company_error_confirmed",
)


def fit(value: Any, kind: Type) -> Any:
    """``value`` without the record fields that ``kind`` does not declare, at any depth."""
    if isinstance(kind, RecordType) and isinstance(value, dict):
        fields = dict(kind.fields)
        return {k: fit(v, fields[k]) for k, v in value.items() if k in fields}
    if isinstance(kind, ListType) and isinstance(value, list):
        return [fit(v, kind.element) for v in value]
    return value


@st.composite
def cases(draw: st.DrawFn, policy: Policy) -> dict[str, Any]:
    """The request's ``case``: the parts the policy's domain declares, with only their fields."""
    parts = policy.domain.parts
    drawn: dict[str, Any] = {}
    if "order" in parts:
        drawn["order"] = draw(orders(policy))
    if "subscription" in parts:
        drawn["subscription"] = draw(subscriptions(policy))
    drawn["payment_methods"] = [
        {"id": "card-1", "kind": "card"},
        {"id": "gift-1", "kind": "gift_card", "balance": "25.00"},
    ]
    drawn["change"] = {
        "item_ids": [],
        "refund_to": draw(_maybe(st.sampled_from(["card-1", "store_credit", "gift-1"]))),
    }
    drawn["evidence"] = {name: draw(_maybe(st.booleans())) for name in EVIDENCE}
    return {name: fit(part, parts[name]) for name, part in drawn.items() if name in parts}


@st.composite
def requests(draw: st.DrawFn, policy: Policy) -> dict[str, Any]:
    """A request as JSON-ready data, using the policy's enum values and its domain's asks and
    reasons."""
    domain = policy.domain
    data: dict[str, Any] = {
        "as_of": AS_OF.isoformat(),
        "customer": {
            "id": "c-1",
            "name": "Ana Ruiz",
            "tier": draw(_maybe(st.sampled_from(_values(policy, "tier", ["standard"])))),
            "tenure_days": draw(_maybe(st.integers(0, 3000))),
            "refunds_last_12_months": draw(_maybe(st.integers(0, 6))),
        },
        "case": draw(cases(policy)),
        "ask": {
            "kind": draw(st.sampled_from(sorted(domain.asks))),
            "reason": draw(_maybe(st.sampled_from(sorted(domain.reasons)))),
            "amount": draw(_maybe(cents(0, 50_000))),
        },
        "signals": {
            name: draw(st.booleans())
            for name in ("legal_threat", "chargeback_threat", "abusive_language")
        },
    }
    return data


# Optional facts a property test may remove, as paths into the request data.
REMOVABLE: list[tuple[str, ...]] = [
    ("customer", "tier"),
    ("customer", "tenure_days"),
    ("customer", "refunds_last_12_months"),
    ("case", "order", "delivered_on"),
    ("case", "order", "placed_on"),
    ("case", "order", "expected_delivery_on"),
    ("ask", "reason"),
    ("ask", "amount"),
    ("case", "change", "refund_to"),
    *(("case", "evidence", name) for name in EVIDENCE),
    ("case", "subscription", "trial_end"),
]
