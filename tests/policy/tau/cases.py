"""The harness's cases: every action of every tau task, and declines derived from them.

A *task case* is one consequential call a task lists, converted against the task state the
earlier calls left. Its expected decision is ``approve``, unless tau-bench's own tool refuses
the call (``tau_tools.refusal``); then the policy text implies ``decline`` and the case says why.

A *flip* changes one fact of an accepted call (its order status, refund destination, cancel
reason, replacement product, ...) or asks again after a call that locks the order. Each has the
decline rule the policy text implies. A *missing* case drops one fact the decision depends on
and must give ``needs_info``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from .convert import ASK_KINDS, Json, TaskState, TauData, request_json
from .tau_tools import Refusal, apply

__all__ = ["Case", "Step", "flips", "status_rule", "steps", "task_case"]

UNKNOWN_CARD = "credit_card_0000000"  # an id no user in users.json has
NEW_GIFT_CARD = "gift_card_0000000"

_APPROVE_RULES = {
    "cancel": "cancel_order",
    "modify_address": "change_address",
    "modify_payment": "change_payment",
    "modify_items": "change_items",
    "exchange": "exchange_items",
}
_WRONG_STATUS_RULES = {
    "cancel": "cancel_not_pending",
    "modify_address": "modify_not_pending",
    "modify_payment": "modify_not_pending",
    "modify_items": "modify_not_pending",
    "return": "not_yet_delivered",
    "exchange": "not_yet_delivered",
}
_REFUSAL_RULES = {
    "reason": "cancel_reason_not_allowed",
    "refund_destination": "refund_destination_not_allowed",
    "not_on_file": "payment_method_not_on_file",
    "same_method": "same_payment_method",
    "gift_card_short": "gift_card_balance_short",
}
_WRONG_FOR_PENDING = ["processed", "delivered", "cancelled", "return_requested"]
_WRONG_FOR_DELIVERED = ["pending", "processed", "cancelled", "exchange_requested"]
_BAD_REASONS = ["changed_mind", "other", "late_delivery", "duplicate_charge", "defective"]


def _order(payload: Json) -> Json:
    """The request's order (``case.order``)."""
    order: Json = payload["case"]["order"]
    return order


def _change(payload: Json) -> Json:
    """What the request's ask is about (``case.change``), made empty when it names nothing."""
    change: Json = payload["case"].setdefault("change", {})
    return change


def _methods(payload: Json) -> list[Json]:
    """The customer's payment methods on file (``case.payment_methods``)."""
    methods: list[Json] = payload["case"]["payment_methods"]
    return methods


@dataclass(frozen=True)
class Step:
    """One consequential call of one task, converted before it was applied."""

    task_index: int
    action_index: int
    action: Json
    user_id: str
    payload: Json
    after: TaskState  # the task state just after the call
    refused: Refusal | None  # tau's own refusal of the call, if any

    @property
    def ask(self) -> str:
        return str(self.payload["ask"]["kind"])

    @property
    def order(self) -> Json:
        return _order(self.payload)

    @property
    def change(self) -> Json:
        return _change(self.payload)


@dataclass(frozen=True)
class Case:
    group: str
    task_index: int
    action_index: int
    action: str
    payload: Json
    expected: str
    expected_rule: str | None
    why: str


def steps(data: TauData) -> Iterator[Step]:
    """Every consequential call of every task, in order, each against the state before it."""
    for task_index, task in enumerate(data.tasks):
        state = TaskState(data)
        for action_index, action in enumerate(task["actions"]):
            if action["name"] not in ASK_KINDS:
                continue
            ticket = f"tau-{task_index}-{action_index}"
            payload = request_json(state, task["user_id"], action, ticket)
            refused = apply(state, action)
            yield Step(
                task_index,
                action_index,
                action,
                task["user_id"],
                payload,
                state.snapshot(),
                refused,
            )


def status_rule(ask: str, status: str) -> str:
    """The gate the policy text implies for ``ask`` on an order in the wrong ``status``."""
    if status == "cancelled":
        return "order_cancelled"
    if status in ("return_requested", "exchange_requested"):
        return "return_or_exchange_open"
    if status == "pending_item_modified" and ask not in ("return", "exchange"):
        return "items_already_modified"
    return _WRONG_STATUS_RULES[ask]


def _approve_rule(payload: Json) -> str:
    kind = payload["ask"]["kind"]
    if kind != "return":
        return _APPROVE_RULES[kind]
    paid_with = {p["method_id"] for p in _order(payload)["payments"] if p["kind"] == "payment"}
    refund_to = _change(payload)["refund_to"]
    return "return_to_original_method" if refund_to in paid_with else "return_to_gift_card"


def task_case(step: Step) -> Case:
    """The call as the task lists it: approve, or decline where tau's own tool refuses it."""
    name = step.action["name"]
    if step.refused is None:
        why = "the task lists this call and tau's tool accepts it"
        return Case("task", step.task_index, step.action_index, name, step.payload, "approve",
                    _approve_rule(step.payload), why)  # fmt: skip
    why = f"the task lists this call, but tau's own tool refuses it: {step.refused.message}"
    if step.refused.code == "status":
        rule: str | None = status_rule(step.ask, step.order["status"])
    else:
        rule = _REFUSAL_RULES.get(step.refused.code)
    return Case("task", step.task_index, step.action_index, name, step.payload, "decline", rule,
                why)  # fmt: skip


# --- Flips: one fact changed, each with the decline the policy text implies ----------------


def _case(
    step: Step, group: str, payload: Json, expected: tuple[str, str | None], why: str
) -> Case:
    decision, rule = expected
    name = step.action["name"]
    return Case(group, step.task_index, step.action_index, name, payload, decision, rule, why)


def _changed(step: Step, change: Callable[[Json], None]) -> Json:
    payload = copy.deepcopy(step.payload)
    change(payload)
    return payload


def _status_flip(step: Step) -> list[Case]:
    wrong = _WRONG_FOR_DELIVERED if step.ask in ("return", "exchange") else _WRONG_FOR_PENDING
    status = wrong[(step.task_index + step.action_index) % len(wrong)]
    payload = _changed(step, lambda p: _order(p).update(status=status))
    why = f"order status set to {status!r}"
    return [_case(step, "status", payload, ("decline", status_rule(step.ask, status)), why)]


def _other_method(step: Step) -> str:
    """A method on file that neither paid for the order nor is a gift card, else an unknown one."""
    paid_with = {p["method_id"] for p in step.order["payments"]}
    for method in _methods(step.payload):
        if method["kind"] != "gift_card" and method["id"] not in paid_with:
            return str(method["id"])
    return UNKNOWN_CARD


def _destination_flip(step: Step) -> list[Case]:
    if step.ask != "return":
        return []
    target = _other_method(step)
    payload = _changed(step, lambda p: _change(p).update(refund_to=target))
    why = f"refund sent to {target}, neither the original method nor a gift card on file"
    return [
        _case(
            step, "refund_destination", payload, ("decline", "refund_destination_not_allowed"), why
        )
    ]


def _reason_flip(step: Step) -> list[Case]:
    if step.ask != "cancel":
        return []
    reason = _BAD_REASONS[(step.task_index + step.action_index) % len(_BAD_REASONS)]
    payload = _changed(step, lambda p: p["ask"].update(reason=reason))
    why = f"cancel reason set to {reason!r}"
    return [_case(step, "cancel_reason", payload, ("decline", "cancel_reason_not_allowed"), why)]


def _exchanges(step: Step) -> bool:
    return step.ask in ("modify_items", "exchange")


def _other_product(data: TauData, product_id: str) -> tuple[str, Json]:
    """The next product after ``product_id`` (by id), with its first available option."""
    ids = sorted(data.products)
    for offset in range(1, len(ids)):
        other = data.products[ids[(ids.index(product_id) + offset) % len(ids)]]
        for variant_id in sorted(other["variants"]):
            if other["variants"][variant_id]["available"]:
                return str(other["product_id"]), other["variants"][variant_id]
    raise AssertionError("products.json has no other product with an available option")


def _product_flip(step: Step, data: TauData) -> list[Case]:
    if not _exchanges(step):
        return []
    line = step.change["exchanges"][0]
    own = {i["id"]: i["product_id"] for i in step.order["items"]}[line["item_id"]]
    product_id, variant = _other_product(data, own)
    replacement = {
        "new_item_id": variant["item_id"],
        "new_product_id": product_id,
        "new_price": str(variant["price"]),
        "new_available": True,
    }
    payload = _changed(step, lambda p: _change(p)["exchanges"][0].update(replacement))
    why = f"replacement for {line['item_id']} is {variant['item_id']} of product {product_id}"
    return [_case(step, "other_product", payload, ("decline", "different_product"), why)]


def _unavailable_flip(step: Step) -> list[Case]:
    if not _exchanges(step):
        return []
    payload = _changed(step, lambda p: _change(p)["exchanges"][0].update(new_available=False))
    why = "the first replacement option is out of stock"
    return [_case(step, "unavailable", payload, ("decline", "replacement_unavailable"), why)]


def _amount_due(payload: Json) -> Decimal:
    """What the new payment method pays: the whole order, or the exchanges' price difference."""
    items = _order(payload)["items"]
    if payload["ask"]["kind"] == "modify_payment":
        return sum((Decimal(i["price"]) for i in items), Decimal(0))
    prices = {i["id"]: Decimal(i["price"]) for i in items}
    lines = _change(payload)["exchanges"]
    return sum((Decimal(x["new_price"]) - prices[x["item_id"]] for x in lines), Decimal(0))


def _pay_with_new_gift_card(payload: Json, balance: Decimal) -> None:
    card = {"id": NEW_GIFT_CARD, "kind": "gift_card", "balance": str(balance)}
    _methods(payload).append(card)
    _change(payload)["payment_method_id"] = NEW_GIFT_CARD


def _gift_card_flips(step: Step) -> list[Case]:
    """A gift card a cent short of the amount due is declined; one holding exactly it is not."""
    if step.ask not in ("modify_payment", "modify_items", "exchange"):
        return []
    due = _amount_due(step.payload)
    if due <= 0:
        return []
    short = _changed(step, lambda p: _pay_with_new_gift_card(p, due - Decimal("0.01")))
    exact = _changed(step, lambda p: _pay_with_new_gift_card(p, due))
    approve = ("approve", _APPROVE_RULES[step.ask])
    return [
        _case(step, "gift_card_short", short, ("decline", "gift_card_balance_short"),
              f"paid with a gift card holding {due - Decimal('0.01')} of {due} due"),
        _case(step, "gift_card_exact", exact, approve,
              f"paid with a gift card holding exactly the {due} due"),
    ]  # fmt: skip


def _payment_method_flips(step: Step) -> list[Case]:
    if step.ask not in ("modify_payment", "modify_items", "exchange"):
        return []
    unknown = _changed(step, lambda p: _change(p).update(payment_method_id=UNKNOWN_CARD))
    cases = [_case(step, "not_on_file", unknown, ("decline", "payment_method_not_on_file"),
                   f"pays with {UNKNOWN_CARD}, which is not on the account")]  # fmt: skip
    if step.ask == "modify_payment":
        current = step.order["payments"][0]["method_id"]
        same = _changed(step, lambda p: _change(p).update(payment_method_id=current))
        why = f"switches to {current}, the method that already paid"
        cases.append(_case(step, "same_method", same, ("decline", "same_payment_method"), why))
    return cases


# --- Asking again after a call that locks the order ----------------------------------------


def _follow_ups(step: Step) -> list[tuple[str, Json]]:
    """The four changes one could try after modifying items: cancel, address, payment, items."""
    kwargs = step.action["kwargs"]
    order_id = kwargs["order_id"]
    paid_with = step.order["payments"][0]["method_id"]
    others = [m["id"] for m in _methods(step.payload) if m["id"] != paid_with]
    back = {"item_ids": kwargs["new_item_ids"], "new_item_ids": kwargs["item_ids"]}
    return [
        ("cancel_pending_order", {"order_id": order_id, "reason": "no longer needed"}),
        ("modify_pending_order_address", {"order_id": order_id}),
        ("modify_pending_order_payment",
         {"order_id": order_id, "payment_method_id": (others or [UNKNOWN_CARD])[0]}),
        ("modify_pending_order_items",
         {"order_id": order_id, **back, "payment_method_id": kwargs["payment_method_id"]}),
    ]  # fmt: skip


def _second_change_flip(step: Step) -> list[Case]:
    """After items were modified, any further change or a cancel is declined."""
    if step.ask != "modify_items":
        return []
    options = _follow_ups(step)
    name, kwargs = options[(step.task_index + step.action_index) % len(options)]
    payload = request_json(step.after, step.user_id, {"name": name, "kwargs": kwargs}, "flip")
    why = f"{name} after the items of the order were already modified"
    return [_case(step, "second_change", payload, ("decline", "items_already_modified"), why)]


def _repeat_flip(step: Step) -> list[Case]:
    """Cancelling, returning or exchanging the same order a second time is declined."""
    if step.ask not in ("cancel", "return", "exchange"):
        return []
    payload = request_json(step.after, step.user_id, step.action, "flip")
    status = _order(payload)["status"]
    why = f"the same call again, after it moved the order to {status!r}"
    return [_case(step, "repeat", payload, ("decline", status_rule(step.ask, status)), why)]


# --- A fact the decision needs is missing --------------------------------------------------


def _missing_flip(step: Step) -> list[Case]:
    """Dropping the fact the ask turns on must give needs_info, never approve."""
    if step.ask == "cancel":
        payload = _changed(step, lambda p: p["ask"].pop("reason"))
        return [_case(step, "missing", payload, ("needs_info", None), "ask.reason left out")]
    field = {
        "return": "refund_to",
        "modify_payment": "payment_method_id",
        "modify_items": "payment_method_id",
        "exchange": "payment_method_id",
    }.get(step.ask)
    if field is None:
        return []
    payload = _changed(step, lambda p: _change(p).pop(field))
    why = f"case.change.{field} left out"
    return [_case(step, "missing", payload, ("needs_info", None), why)]


def flips(step: Step, data: TauData) -> list[Case]:
    """Every derived case for an accepted call; a call tau refuses is not a base for flips."""
    if step.refused is not None:
        return []
    return [
        *_status_flip(step),
        *_destination_flip(step),
        *_reason_flip(step),
        *_product_flip(step, data),
        *_unavailable_flip(step),
        *_gift_card_flips(step),
        *_payment_method_flips(step),
        *_second_change_flip(step),
        *_repeat_flip(step),
        *_missing_flip(step),
    ]
