"""Turn tau-bench retail tasks into drafter ``Request``s.

A tau task is a user plus a list of tool calls (``actions``) that a correct agent makes. Each
consequential call (cancel, modify, return, exchange) becomes one ``Request``: the customer and
their payment methods from ``users.json``, the order from ``orders.json``, and the ask from the
call's arguments, with replacement items looked up in ``products.json``.

Calls in one task are applied in sequence to a private copy of the data, as tau-bench's own tools
apply them, so a later call sees the status and gift-card balances the earlier ones left behind.

Money never passes through float: the JSON is parsed with ``parse_float=Decimal`` and amounts are
written into the request as strings.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
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
_REASONS = {"no longer needed": "no_longer_needed", "ordered by mistake": "ordered_by_mistake"}
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
    methods = [_method(m) for m in user["payment_methods"].values()]
    return {"id": user_id, "name": name, "payment_methods": methods}


def _item_keys(items: list[Json]) -> list[str]:
    """Unique line ids: a repeated tau item id gets a '~2', '~3' suffix on later lines."""
    seen: dict[str, int] = {}
    keys = []
    for item in items:
        seen[item["item_id"]] = seen.get(item["item_id"], 0) + 1
        count = seen[item["item_id"]]
        keys.append(item["item_id"] if count == 1 else f"{item['item_id']}~{count}")
    return keys


def order_json(order: Json) -> Json:
    keys = _item_keys(order["items"])
    items = [
        {"id": key, "name": i["name"], "product_id": i["product_id"], "price": _money(i["price"])}
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
        "payments": payments,
    }


def line_ids(order: Json, item_ids: list[str]) -> list[str]:
    """Map tau item ids (which may repeat) to the order's unique line ids, in order."""
    free = list(zip(_item_keys(order["items"]), (i["item_id"] for i in order["items"]), strict=True))
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


def ask_json(data: TauData, order: Json, name: str, kwargs: Json) -> Json:
    """The ``ask`` for one tau tool call."""
    if name not in ASK_KINDS:
        raise ConversionError(f"action.name: {name!r} is not a consequential tau action")
    ask: Json = {"kind": ASK_KINDS[name]}
    if "reason" in kwargs:
        ask["reason"] = _REASONS.get(kwargs["reason"], "other")
    if "item_ids" in kwargs:
        ask["item_ids"] = line_ids(order, kwargs["item_ids"])
    if "new_item_ids" in kwargs:
        pairs = zip(ask["item_ids"], kwargs["new_item_ids"], strict=True)
        ask["exchanges"] = [_exchange_line(data, old, new) for old, new in pairs]
    if "payment_method_id" in kwargs:
        key = "refund_to" if ask["kind"] == "return" else "payment_method_id"
        ask[key] = kwargs["payment_method_id"]
    return ask


def request_json(state: TaskState, user_id: str, action: Json, ticket_id: str) -> Json:
    """The Request, as JSON-ready data, for ``action`` against the current task state."""
    order = state.order(action["kwargs"]["order_id"])
    return {
        "ticket_id": ticket_id,
        "channel": "chat",
        "as_of": AS_OF.isoformat(),
        "customer": customer_json(user_id, state.user(user_id)),
        "order": order_json(order),
        "ask": ask_json(state.data, order, action["name"], action["kwargs"]),
    }


def to_request(payload: Json) -> Request:
    """Validate JSON-ready request data exactly as a caller's JSON would be validated."""
    return Request.model_validate_json(json.dumps(payload))


# --- Applying an action to the task state, as tau-bench's tools do ------------------------


def _credit_gift_card(user: Json, method_id: str, amount: Decimal) -> None:
    method = user["payment_methods"].get(method_id)
    if method is not None and method["source"] == "gift_card":
        method["balance"] = Decimal(method["balance"]) + amount


def _apply_cancel(state: TaskState, order: Json, _kwargs: Json) -> None:
    user = state.user(order["user_id"])
    refunds = []
    for payment in order["payment_history"]:  # tau refunds every history entry
        refunds.append({**payment, "transaction_type": "refund"})
        _credit_gift_card(user, payment["payment_method_id"], Decimal(payment["amount"]))
    order["payment_history"].extend(refunds)
    order["status"] = "cancelled"


def _apply_payment(state: TaskState, order: Json, kwargs: Json) -> None:
    user = state.user(order["user_id"])
    old = order["payment_history"][0]
    amount = Decimal(old["amount"])
    new_id = kwargs["payment_method_id"]
    order["payment_history"] += [
        {"transaction_type": "payment", "amount": amount, "payment_method_id": new_id},
        {"transaction_type": "refund", "amount": amount, "payment_method_id": old["payment_method_id"]},
    ]
    _credit_gift_card(user, new_id, -amount)
    _credit_gift_card(user, old["payment_method_id"], amount)


def _apply_items(state: TaskState, order: Json, kwargs: Json) -> None:
    user = state.user(order["user_id"])
    difference = Decimal(0)
    lines = line_ids(order, kwargs["item_ids"])
    by_line = dict(zip(_item_keys(order["items"]), order["items"], strict=True))
    for line, new_id in zip(lines, kwargs["new_item_ids"], strict=True):
        item = by_line[line]
        variant = state.data.products[item["product_id"]]["variants"][new_id]
        difference += Decimal(variant["price"]) - Decimal(item["price"])
        item.update(item_id=new_id, price=variant["price"], options=variant["options"])
    kind = "payment" if difference > 0 else "refund"
    method_id = kwargs["payment_method_id"]
    order["payment_history"].append(
        {"transaction_type": kind, "amount": abs(difference), "payment_method_id": method_id}
    )
    _credit_gift_card(user, method_id, -difference)
    order["status"] = "pending (item modified)"


def _set_status(status: str) -> Any:
    def apply(_state: TaskState, order: Json, _kwargs: Json) -> None:
        order["status"] = status

    return apply


_APPLY = {
    "cancel_pending_order": _apply_cancel,
    "modify_pending_order_address": lambda *_: None,  # the address is not a policy fact
    "modify_pending_order_payment": _apply_payment,
    "modify_pending_order_items": _apply_items,
    "return_delivered_order_items": _set_status("return requested"),
    "exchange_delivered_order_items": _set_status("exchange requested"),
}


def _status_error(name: str, order: Json) -> str | None:
    wanted = "delivered" if name.endswith("delivered_order_items") else "pending"
    return None if order["status"] == wanted else f"order status is {order['status']!r}"


def _items_error(state: TaskState, order: Json, kwargs: Json) -> str | None:
    try:
        lines = line_ids(order, kwargs["item_ids"])
    except ConversionError as error:
        return str(error)
    if "new_item_ids" not in kwargs:
        return None
    by_line = dict(zip(_item_keys(order["items"]), order["items"], strict=True))
    difference = Decimal(0)
    for line, new_id in zip(lines, kwargs["new_item_ids"], strict=True):
        variants = state.data.products[by_line[line]["product_id"]]["variants"]
        if new_id not in variants or not variants[new_id]["available"]:
            return f"new item {new_id} is not an available variant of the same product"
        difference += Decimal(variants[new_id]["price"]) - Decimal(by_line[line]["price"])
    return _balance_error(state, order, kwargs["payment_method_id"], difference)


def _balance_error(state: TaskState, order: Json, method_id: str, due: Decimal) -> str | None:
    method = state.user(order["user_id"])["payment_methods"].get(method_id)
    if method is None:
        return f"payment method {method_id} is not on file"
    if method["source"] == "gift_card" and Decimal(method["balance"]) < due:
        return f"gift card balance {method['balance']} does not cover {due}"
    return None


def _payment_error(state: TaskState, order: Json, kwargs: Json) -> str | None:
    history = order["payment_history"]
    if len(history) > 1 or history[0]["transaction_type"] != "payment":
        return "the order has more than one payment"
    if history[0]["payment_method_id"] == kwargs["payment_method_id"]:
        return "the new payment method is the current one"
    return _balance_error(state, order, kwargs["payment_method_id"], history[0]["amount"])


def _return_error(state: TaskState, order: Json, kwargs: Json) -> str | None:
    method_id = kwargs["payment_method_id"]
    if method_id not in state.user(order["user_id"])["payment_methods"]:
        return f"payment method {method_id} is not on file"
    original = order["payment_history"][0]["payment_method_id"]
    if "gift_card" not in method_id and method_id != original:
        return "the refund goes neither to the original method nor to a gift card"
    return _items_error(state, order, kwargs)


_CHECKS = {
    "cancel_pending_order": lambda _s, _o, kw: (
        None if kw["reason"] in _REASONS else f"reason {kw['reason']!r} is not allowed"
    ),
    "modify_pending_order_address": lambda *_: None,
    "modify_pending_order_payment": _payment_error,
    "modify_pending_order_items": _items_error,
    "return_delivered_order_items": _return_error,
    "exchange_delivered_order_items": _items_error,
}


def tau_error(state: TaskState, action: Json) -> str | None:
    """Why tau-bench's own tool would refuse ``action`` in this state, or None if it accepts.

    An independent reading of the reference implementation, used to explain disagreements.
    """
    order = state.order(action["kwargs"]["order_id"])
    status = _status_error(action["name"], order)
    return status or _CHECKS[action["name"]](state, order, action["kwargs"])


def apply(state: TaskState, action: Json) -> str | None:
    """Update the task state as tau-bench's tool for ``action`` would.

    Returns tau's refusal, if any; a refused call leaves the state unchanged, as in tau.
    """
    error = tau_error(state, action)
    if error is None:
        order = state.order(action["kwargs"]["order_id"])
        _APPLY[action["name"]](state, order, action["kwargs"])
    return error


@dataclass(frozen=True)
class Step:
    """One consequential action of one task, with the request it becomes."""

    task_index: int
    action_index: int
    action: Json
    user_id: str
    payload: Json
    after: TaskState
    tau_error: str | None


def steps(data: TauData) -> Iterator[Step]:
    """Every consequential action of every task, each converted before it is applied.

    ``after`` is a snapshot of the task state just after the action, for flips that ask what a
    follow-up request on the same order would get.
    """
    for task_index, task in enumerate(data.tasks):
        state = TaskState(data)
        for action_index, action in enumerate(task["actions"]):
            if action["name"] not in ASK_KINDS:
                continue
            ticket = f"tau-{task_index}-{action_index}"
            payload = request_json(state, task["user_id"], action, ticket)
            error = apply(state, action)
            after = state.snapshot()
            yield Step(task_index, action_index, action, task["user_id"], payload, after, error)
