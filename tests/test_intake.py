"""Bad requests get one clear error naming the field; nothing is silently defaulted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drafter.errors import RequestError
from drafter.intake import MAX_REQUEST_BYTES, parse_request
from drafter.policy import evaluate, load_policy
from tests.conftest import FIXTURES, SHOP

BASE: dict[str, Any] = json.loads((FIXTURES / "request.json").read_text())
POLICY = load_policy(SHOP / "mini-store.yaml")
ITEM = "case.order.items.0"


def _with(**changes: Any) -> str:
    data = json.loads(json.dumps(BASE))
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if value is KeyError:
            del node[last]
        else:
            node[last] = value
    return json.dumps(data)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("{not json", "(body)", "malformed JSON"),
        ("[]", "(body)", "object"),
        (_with(colour="red"), "colour", "is not a known field"),
        (_with(customer=KeyError), "customer", "is required"),
        (_with(as_of="yesterday"), "as_of", "date"),
        (_with(channel="fax"), "channel", "email"),
        (_with(case__order__items__0__price="-5.00"), f"{ITEM}.price", "must not be negative"),
        (_with(case__order__items__0__price="99999999999"), f"{ITEM}.price", "at most"),
        (_with(case__order__items__0__price=12.5), f"{ITEM}.price", "never a float"),
        (_with(case__order__items__0__price="12.345"), f"{ITEM}.price", "two decimal places"),
        (_with(case__order__items__0__price="NaN"), f"{ITEM}.price", "digits 0-9"),
        (_with(case__order__items__0__quantity="2"), f"{ITEM}.quantity", "integer"),
        (_with(case__order__delivered_on="2026-12-01"), "case.order.delivered_on", "after as_of"),
        (_with(case__order__delivered_on="2026-08-01"), "case.order.delivered_on", "before placed"),
        (_with(case__change__item_ids=["sku-9"]), "case.change.item_ids", "not in the order"),
        (_with(case__order__currency="usd"), "case.order.currency", "does not match"),
        (_with(case__order__colour="red"), "case.order.colour", "is not a known field"),
        (_with(locale="english"), "locale", "pattern"),
        (_with(message="x" * 20_001), "message", "at most 20000"),
        (_with(customer__refunds_last_12_months=-1), "customer.refunds_last_12_months", "0"),
    ],
)
def test_bad_input_names_the_field(body: str, field: str, message: str) -> None:
    """Refused on reading (the envelope) or when the policy reads the case (its pack's schema
    and checks), naming the field either way."""
    with pytest.raises(RequestError) as caught:
        evaluate(POLICY, parse_request(body))
    assert caught.value.field == field
    assert message in str(caught.value)


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(RequestError, match="larger than"):
        parse_request(b" " * (MAX_REQUEST_BYTES + 1))


def test_a_good_request_keeps_exact_money() -> None:
    request = parse_request(_with(case__order__items__0__price="19.99"))
    total = POLICY.domain.read(request, frozenset({"items_total"})).facts["items_total"]
    assert str(total) == "19.99"
