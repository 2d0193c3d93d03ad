"""What tau-bench's own retail tools do with a call: refuse it, or change the data.

A re-reading of the reference tools (cancel, modify address/payment/items, return, exchange),
written independently of tau-retail.yaml. The harness uses it two ways: to carry a task's state
from one call to the next (a refused call changes nothing, as in tau), and to explain the calls
a task lists that tau itself refuses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .convert import CANCEL_REASONS, ConversionError, Json, TaskState, item_keys, line_ids

__all__ = ["Refusal", "apply", "refusal"]


@dataclass(frozen=True)
class Refusal:
    """Why tau's tool refuses a call: a short code and a sentence."""

    code: str
    message: str


Check = Callable[[TaskState, Json, Json], Refusal | None]
Mutation = Callable[[TaskState, Json, Json], None]


def _status(name: str, order: Json) -> Refusal | None:
    wanted = "delivered" if name.endswith("delivered_order_items") else "pending"
    if order["status"] == wanted:
        return None
    return Refusal("status", f"order status is {order['status']!r}, not {wanted!r}")


def _balance(state: TaskState, order: Json, method_id: str, due: Decimal) -> Refusal | None:
    method = state.user(order["user_id"])["payment_methods"].get(method_id)
    if method is None:
        return Refusal("not_on_file", f"payment method {method_id} is not on file")
    if method["source"] == "gift_card" and Decimal(method["balance"]) < due:
        message = f"gift card {method_id} has {method['balance']}, which does not cover {due}"
        return Refusal("gift_card_short", message)
    return None


def _items(state: TaskState, order: Json, kwargs: Json) -> Refusal | None:
    try:
        lines = line_ids(order, kwargs["item_ids"])
    except ConversionError as error:
        return Refusal("item_not_in_order", str(error))
    if "new_item_ids" not in kwargs:
        return None
    by_line = dict(zip(item_keys(order["items"]), order["items"], strict=True))
    difference = Decimal(0)
    for line, new_id in zip(lines, kwargs["new_item_ids"], strict=True):
        variants = state.data.products[by_line[line]["product_id"]]["variants"]
        if new_id not in variants or not variants[new_id]["available"]:
            message = f"new item {new_id} is not an available option of the same product"
            return Refusal("replacement", message)
        difference += Decimal(variants[new_id]["price"]) - Decimal(by_line[line]["price"])
    return _balance(state, order, kwargs["payment_method_id"], difference)


def _payment(state: TaskState, order: Json, kwargs: Json) -> Refusal | None:
    history = order["payment_history"]
    if len(history) > 1 or history[0]["transaction_type"] != "payment":
        return Refusal("several_payments", "the order has more than one payment")
    if history[0]["payment_method_id"] == kwargs["payment_method_id"]:
        return Refusal("same_method", "the new payment method is the current one")
    return _balance(state, order, kwargs["payment_method_id"], history[0]["amount"])


def _return(state: TaskState, order: Json, kwargs: Json) -> Refusal | None:
    method_id = kwargs["payment_method_id"]
    if method_id not in state.user(order["user_id"])["payment_methods"]:
        return Refusal("not_on_file", f"payment method {method_id} is not on file")
    original = order["payment_history"][0]["payment_method_id"]
    if "gift_card" not in method_id and method_id != original:
        message = "the refund goes neither to the original method nor to a gift card"
        return Refusal("refund_destination", message)
    return _items(state, order, kwargs)


def _cancel(_state: TaskState, _order: Json, kwargs: Json) -> Refusal | None:
    if kwargs["reason"] in CANCEL_REASONS:
        return None
    return Refusal("reason", f"reason {kwargs['reason']!r} is not allowed")


_CHECKS: dict[str, Check] = {
    "cancel_pending_order": _cancel,
    "modify_pending_order_address": lambda *_: None,
    "modify_pending_order_payment": _payment,
    "modify_pending_order_items": _items,
    "return_delivered_order_items": _return,
    "exchange_delivered_order_items": _items,
}


def refusal(state: TaskState, action: Json) -> Refusal | None:
    """Why tau's tool would refuse ``action`` in this state, or None if it accepts it."""
    order = state.order(action["kwargs"]["order_id"])
    status = _status(action["name"], order)
    return status or _CHECKS[action["name"]](state, order, action["kwargs"])


# --- The changes an accepted call makes ---------------------------------------------------


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
    old_id = order["payment_history"][0]["payment_method_id"]
    amount = Decimal(order["payment_history"][0]["amount"])
    new_id = kwargs["payment_method_id"]
    order["payment_history"] += [
        {"transaction_type": "payment", "amount": amount, "payment_method_id": new_id},
        {"transaction_type": "refund", "amount": amount, "payment_method_id": old_id},
    ]
    _credit_gift_card(user, new_id, -amount)
    _credit_gift_card(user, old_id, amount)


def _apply_items(state: TaskState, order: Json, kwargs: Json) -> None:
    difference = Decimal(0)
    by_line = dict(zip(item_keys(order["items"]), order["items"], strict=True))
    lines = line_ids(order, kwargs["item_ids"])
    for line, new_id in zip(lines, kwargs["new_item_ids"], strict=True):
        item = by_line[line]
        variant = state.data.products[item["product_id"]]["variants"][new_id]
        difference += Decimal(variant["price"]) - Decimal(item["price"])
        item.update(item_id=new_id, price=variant["price"], options=variant["options"])
    method_id = kwargs["payment_method_id"]
    order["payment_history"].append(
        {
            "transaction_type": "payment" if difference > 0 else "refund",
            "amount": abs(difference),
            "payment_method_id": method_id,
        }
    )
    _credit_gift_card(state.user(order["user_id"]), method_id, -difference)
    order["status"] = "pending (item modified)"


def _set_status(status: str) -> Mutation:
    def apply(_state: TaskState, order: Json, _kwargs: Json) -> None:
        order["status"] = status

    return apply


_APPLY: dict[str, Mutation] = {
    "cancel_pending_order": _apply_cancel,
    "modify_pending_order_address": lambda *_: None,  # the address is not a policy fact
    "modify_pending_order_payment": _apply_payment,
    "modify_pending_order_items": _apply_items,
    "return_delivered_order_items": _set_status("return requested"),
    "exchange_delivered_order_items": _set_status("exchange requested"),
}


def apply(state: TaskState, action: Json) -> Refusal | None:
    """Carry out ``action`` on the task state as tau's tool would, or return its refusal.

    A refused call leaves the state unchanged, as it does in tau.
    """
    refused = refusal(state, action)
    if refused is None:
        order = state.order(action["kwargs"]["order_id"])
        _APPLY[action["name"]](state, order, action["kwargs"])
    return refused
