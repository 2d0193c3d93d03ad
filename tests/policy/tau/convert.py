"""Turn tau-bench retail tasks into drafter ``Request``s.

A tau task is a user plus the tool calls (``actions``) of its reference solution. Each
consequential call (cancel, modify, return, exchange) becomes one ``Request`` for the retail
pack: the customer from ``users.json``, and a ``case`` holding the order from ``orders.json``,
the customer's payment methods on file, and the ``change`` the call asks for (its items,
replacements and payment method), with replacement items looked up in ``products.json``. The
``ask`` keeps only the kind of call and its reason.

Calls in one task are applied in sequence to a private copy of the data (``TaskState``; the
changes each call makes are in ``tau_tools``), so a later call sees the status and gift-card
balances the earlier ones left behind.

Money never passes through float: the JSON is parsed with ``parse_float=Decimal`` and amounts are
written into the request as strings.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from drafter.schemas import Request

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "tau-bench-retail"
AS_OF = dt.date(2024, 6, 1)  # tau orders carry no dates; any fixed day keeps verdicts stable
CURRENCY = "USD"

# tau's order statuses, as the enum values tau-retail.yaml declares for ``order_status``.
STATUSES = frozenset(
    {
        "pending",
        "pending_item_modified",
        "processed",
        "delivered",
        "cancelled",
        "return_requested",
        "exchange_requested",
    }
)
_METHOD_KINDS = {"credit_card": "card", "paypal": "paypal", "gift_card": "gift_card"}
CANCEL_REASONS = {
    "no longer needed": "no_longer_needed",
    "ordered by mistake": "ordered_by_mistake",
}
ASK_KINDS = {
    "cancel_pending_order": "cancel",
    "modify_pending_order_address": "modify_address",
    "modify_pending_order_payment": "modify_payment",
    "modify_pending_order_items": "modify_items",
    "return_delivered_order_items": "return",
    "exchange_delivered_order_items": "exchange",
}

Json = dict[str, Any]


class ConversionError(ValueError):
    """The tau data cannot be expressed as a Request; the message names the field."""


@dataclass(frozen=True)
class TauData:
    """The four tau-bench retail files, parsed once."""

    orders: dict[str, Json]
    users: dict[str, Json]
    products: dict[str, Json]
    tasks: list[Json]
    variant_product: dict[str, str] = field(default_factory=dict)


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle, parse_float=Decimal)


def load(data_dir: Path = DATA_DIR) -> TauData:
    """Parse orders, users, products and tasks, keeping every amount a Decimal."""
    products = _read(data_dir / "products.json")
    variant_product = {
        variant_id: product_id
        for product_id, product in products.items()
        for variant_id in product["variants"]
    }
    return TauData(
        orders=_read(data_dir / "orders.json"),
        users=_read(data_dir / "users.json"),
        products=products,
        tasks=_read(data_dir / "tasks_train.json"),
        variant_product=variant_product,
    )


@dataclass
class TaskState:
    """A private, mutable copy of the orders and users one task touches."""

    data: TauData
    orders: dict[str, Json] = field(default_factory=dict)
    users: dict[str, Json] = field(default_factory=dict)

    def snapshot(self) -> TaskState:
        """A copy whose orders and users can change without touching this one."""
        return TaskState(self.data, copy.deepcopy(self.orders), copy.deepcopy(self.users))

    def order(self, order_id: str) -> Json:
        if order_id not in self.orders:
            if order_id not in self.data.orders:
                raise ConversionError(f"order_id: unknown order {order_id!r}")
            self.orders[order_id] = copy.deepcopy(self.data.orders[order_id])
        return self.orders[order_id]

    def user(self, user_id: str) -> Json:
        if user_id not in self.users:
            if user_id not in self.data.users:
                raise ConversionError(f"user_id: unknown user {user_id!r}")
            self.users[user_id] = copy.deepcopy(self.data.users[user_id])
        return self.users[user_id]


# --- Request building ---------------------------------------------------------------------


def normalise_status(status: str) -> str:
    """'pending (item modified)' -> 'pending_item_modified'; unknown statuses are an error."""
    value = re.sub(r"[^a-z]+", "_", status.lower()).strip("_")
    if value not in STATUSES:
        raise ConversionError(f"order.status: unknown tau status {status!r}")
    return value


def _money(value: Decimal | int) -> str:
    return str(Decimal(value).quantize(Decimal("0.01")))


def _method(method: Json) -> Json:
    source = method["source"]
    if source not in _METHOD_KINDS:
        raise ConversionError(f"payment_methods.{method['id']}.source: unknown {source!r}")
    out: Json = {"id": method["id"], "kind": _METHOD_KINDS[source]}
    if source == "gift_card":
        out["balance"] = _money(method["balance"])
    return out


def customer_json(user_id: str, user: Json) -> Json:
    name = f"{user['name']['first_name']} {user['name']['last_name']}"
    return {"id": user_id, "name": name}


def methods_json(user: Json) -> list[Json]:
    """The user's payment methods on file, as the case's ``payment_methods``."""
    return [_method(m) for m in user["payment_methods"].values()]


def item_keys(items: list[Json]) -> list[str]:
    """Unique line ids: a repeated tau item id gets a '~2', '~3' suffix on later lines."""
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        seen[item["item_id"]] = seen.get(item["item_id"], 0) + 1
        count = seen[item["item_id"]]
        keys.append(item["item_id"] if count == 1 else f"{item['item_id']}~{count}")
    return keys


def order_json(order: Json) -> Json:
    keys = item_keys(order["items"])
    # tau-bench sells nothing as final sale or made to order, and charges no shipping: the
    # request states these facts rather than leaving them unknown.
    items = [
        {
            "id": key,
            "name": i["name"],
            "product_id": i["product_id"],
            "price": _money(i["price"]),
            "final_sale": False,
            "custom": False,
        }
        for key, i in zip(keys, order["items"], strict=True)
    ]
    payments = [
        {
            "method_id": p["payment_method_id"],
            "amount": _money(p["amount"]),
            "kind": p["transaction_type"],
        }
        for p in order["payment_history"]
    ]
    return {
        "id": order["order_id"],
        "status": normalise_status(order["status"]),
        "currency": CURRENCY,
        "items": items,
        "shipping_fee": "0.00",
        "payments": payments,
    }


def line_ids(order: Json, item_ids: list[str]) -> list[str]:
    """Map tau item ids (which may repeat) to the order's unique line ids, in order."""
    free = list(zip(item_keys(order["items"]), (i["item_id"] for i in order["items"]), strict=True))
    lines = []
    for item_id in item_ids:
        match = next((pair for pair in free if pair[1] == item_id), None)
        if match is None:
            raise ConversionError(f"item_ids: {item_id!r} is not in order {order['order_id']}")
        free.remove(match)
        lines.append(match[0])
    return lines


def _exchange_line(data: TauData, line_id: str, new_item_id: str) -> Json:
    line: Json = {"item_id": line_id, "new_item_id": new_item_id}
    product_id = data.variant_product.get(new_item_id)
    if product_id is not None:  # an unknown item stays unknown: the policy asks about it
        variant = data.products[product_id]["variants"][new_item_id]
        line["new_product_id"] = product_id
        line["new_price"] = _money(variant["price"])
        line["new_available"] = variant["available"]
    return line


def ask_json(name: str, kwargs: Json) -> Json:
    """The ``ask`` for one tau tool call: its kind, and the reason of a cancel."""
    if name not in ASK_KINDS:
        raise ConversionError(f"action.name: {name!r} is not a consequential tau action")
    ask: Json = {"kind": ASK_KINDS[name]}
    if "reason" in kwargs:
        ask["reason"] = CANCEL_REASONS.get(kwargs["reason"], "other")
    return ask


def change_json(data: TauData, order: Json, name: str, kwargs: Json) -> Json:
    """The case's ``change`` for one tau tool call: the items, replacements and payment method
    it names (empty for a call that names none)."""
    change: Json = {}
    if "item_ids" in kwargs:
        change["item_ids"] = line_ids(order, kwargs["item_ids"])
    if "new_item_ids" in kwargs:
        pairs = zip(change["item_ids"], kwargs["new_item_ids"], strict=True)
        change["exchanges"] = [_exchange_line(data, old, new) for old, new in pairs]
    if "payment_method_id" in kwargs:
        key = "refund_to" if ASK_KINDS.get(name) == "return" else "payment_method_id"
        change[key] = kwargs["payment_method_id"]
    return change


def request_json(state: TaskState, user_id: str, action: Json, ticket_id: str) -> Json:
    """The Request, as JSON-ready data, for ``action`` against the current task state."""
    order = state.order(action["kwargs"]["order_id"])
    user = state.user(user_id)
    name, kwargs = action["name"], action["kwargs"]
    ask = ask_json(name, kwargs)
    case: Json = {"order": order_json(order), "payment_methods": methods_json(user)}
    change = change_json(state.data, order, name, kwargs)
    if change:
        case["change"] = change
    return {
        "ticket_id": ticket_id,
        "channel": "chat",
        "as_of": AS_OF.isoformat(),
        "customer": customer_json(user_id, user),
        "case": case,
        "ask": ask,
    }


def to_request(payload: Json) -> Request:
    """Validate JSON-ready request data exactly as a caller's JSON would be validated."""
    return Request.model_validate_json(json.dumps(payload))
