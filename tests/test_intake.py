"""Bad requests get one clear error naming the field; nothing is silently defaulted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drafter.errors import RequestError
from drafter.intake import MAX_REQUEST_BYTES, parse_request
from tests.conftest import FIXTURES

BASE: dict[str, Any] = json.loads((FIXTURES / "request.json").read_text())


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
        (_with(order__items__0__price="-5.00"), "order.items.0.price", "must not be negative"),
        (_with(order__items__0__price="99999999999"), "order.items.0.price", "at most"),
        (_with(order__items__0__price=12.5), "order.items.0.price", "never a float"),
        (_with(order__items__0__price="12.345"), "order.items.0.price", "two decimal places"),
        (_with(order__items__0__price="NaN"), "order.items.0.price", "finite"),
        (_with(order__items__0__quantity="2"), "order.items.0.quantity", "integer"),
        (_with(order__delivered_on="2026-12-01"), "order.delivered_on", "after as_of"),
        (_with(order__delivered_on="2026-09-01"), "order.delivered_on", "before placed_on"),
        (_with(ask__item_ids=["sku-9"]), "ask.item_ids.0", "not in the order"),
        (_with(order__currency="usd"), "order.currency", "pattern"),
        (_with(locale="english"), "locale", "pattern"),
        (_with(message="x" * 20_001), "message", "at most 20000"),
        (_with(customer__refunds_last_12_months=-1), "customer.refunds_last_12_months", "0"),
    ],
)
def test_bad_input_names_the_field(body: str, field: str, message: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(body)
    assert caught.value.field == field
    assert message in str(caught.value)


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(RequestError, match="larger than"):
        parse_request(b" " * (MAX_REQUEST_BYTES + 1))


def test_a_good_request_keeps_exact_money() -> None:
    request = parse_request(_with(order__items__0__price="19.99"))
    assert request.order is not None
    assert str(request.order.items[0].price) == "19.99"
