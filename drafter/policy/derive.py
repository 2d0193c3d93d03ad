"""How each catalogue fact is worked out from a request (the catalogue itself is in ``facts``).

Facts are read through a ``View`` of the request, which works out what several facts share (the
items asked about, the payment methods by id, the methods that paid for the order) once per
request rather than once per fact: extraction runs on every evaluation.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import cast

from drafter.policy.types import MISSING, Value
from drafter.schemas import AskKind, Item, Order, Payment, PaymentMethod, Request, Subscription

ZERO = Decimal(0)


class _Unset:
    """Not worked out yet (None is a value: "unknown")."""


_UNSET = _Unset()
_CONDITION_RANK = {"unopened": 0, "opened": 1, "used": 2}


class View:
    """One request as the facts read it."""

    __slots__ = ("_asked_items", "_methods", "_original_method_ids", "order", "request")

    def __init__(self, request: Request) -> None:
        self.request = request
        self.order: Order | None = request.order
        self._asked_items: list[Item] | None = None
        self._methods: dict[str, PaymentMethod] | None = None
        self._original_method_ids: set[str] | _Unset | None = _UNSET

    # Plain memoised properties: functools.cached_property takes a lock on Python 3.11.
    @property
    def asked_items(self) -> list[Item]:
        """The items the ask names, or every item of the order when it names none."""
        if self._asked_items is None:
            wanted = set(self.request.ask.item_ids)
            items = [] if self.order is None else self.order.items
            self._asked_items = [i for i in items if i.id in wanted] if wanted else items
        return self._asked_items

    @property
    def methods(self) -> dict[str, PaymentMethod]:
        if self._methods is None:
            self._methods = {m.id: m for m in self.request.customer.payment_methods}
        return self._methods

    @property
    def known_payments(self) -> list[Payment] | None:
        """The order's payment rows, or None when what was paid is unknown: no order, no rows,
        or a row that does not say whether it was a charge or a refund."""
        if self.order is None or not self.order.payments:
            return None
        payments = self.order.payments
        return None if any(p.kind is None for p in payments) else payments

    @property
    def original_method_ids(self) -> set[str] | None:
        """The methods that paid for the order (refunds back to them are 'original'), or None
        when the payments are unknown."""
        if isinstance(self._original_method_ids, _Unset):
            payments = self.known_payments
            self._original_method_ids = (
                None if payments is None else {p.method_id for p in payments if p.kind == "payment"}
            )
        return self._original_method_ids


def days(later: dt.date | None, earlier: dt.date | None) -> Value:
    if later is None or earlier is None:
        return MISSING
    return (later - earlier).days


def or_missing(value: Value | None) -> Value:
    return MISSING if value is None else value


def _total(items: list[Item]) -> Decimal:
    total = ZERO
    for item in items:
        total += item.price * item.quantity
    return total


def items_total(view: View) -> Value:
    return MISSING if view.order is None else _total(view.asked_items)


def order_total(view: View) -> Value:
    """Items plus shipping; unknown when the shipping fee is unstated (never taken as free)."""
    if view.order is None or view.order.shipping_fee is None:
        return MISSING
    return _total(view.order.items) + view.order.shipping_fee


def amount_paid(view: View) -> Value:
    payments = view.known_payments
    if payments is None:
        return MISSING
    paid = refunded = ZERO
    for payment in payments:
        if payment.kind == "payment":
            paid += payment.amount
        elif payment.kind == "refund":
            refunded += payment.amount
    return paid - refunded


def any_item(flag: str) -> Callable[[View], Value]:
    """Three-valued "any asked item has the flag": one True decides; otherwise an unstated
    flag leaves it unknown, so an omitted final_sale is never read as "returnable"."""
    get = operator.attrgetter(flag)

    def read(view: View) -> Value:
        if view.order is None:
            return MISSING
        flags = list(map(get, view.asked_items))
        if True in flags:
            return True
        return MISSING if None in flags else False

    return read


def item_condition(view: View) -> Value:
    """The worst condition of the items asked about (used over opened over unopened)."""
    conditions = [item.condition for item in view.asked_items]
    if not conditions or None in conditions:
        return MISSING
    return max(cast(list[str], conditions), key=_CONDITION_RANK.__getitem__)


def refund_to(view: View) -> Value:
    target = view.request.ask.refund_to
    if target is None:
        return MISSING
    if target == "store_credit":
        return "store_credit"
    originals = view.original_method_ids
    if originals is None:
        return MISSING  # whether the target is the original method cannot be told
    if target in originals:
        return "original"
    method = view.methods.get(target)
    if method is not None and method.kind == "gift_card":
        return "gift_card_on_file"
    return "other_method"


def original_payment_kind(view: View) -> Value:
    """The kind of method that paid for the order, or 'mixed'; refund timing depends on it."""
    method_ids, methods = view.original_method_ids, view.methods
    if not method_ids or not method_ids <= methods.keys():
        return MISSING
    kinds = {methods[method_id].kind for method_id in method_ids}
    return kinds.pop() if len(kinds) == 1 else "mixed"


def payment_method(attribute: str) -> Callable[[View], Value]:
    """Whether the ask's payment method is on file or paid for the order, or its kind."""

    def read(view: View) -> Value:
        method_id = view.request.ask.payment_method_id
        if method_id is None:
            return MISSING
        if attribute == "on_file":
            return method_id in view.methods
        if attribute == "original":
            originals = view.original_method_ids
            return MISSING if originals is None else method_id in originals
        method = view.methods.get(method_id)
        return MISSING if method is None else method.kind

    return read


def _amount_due(view: View) -> Value:
    """What the new payment method must cover: the whole order, or a positive difference."""
    if view.request.ask.kind == AskKind.modify_payment:
        return order_total(view)
    difference = exchange_price_difference(view)
    if isinstance(difference, Decimal):
        return max(difference, ZERO)
    return MISSING


def payment_balance_covers(view: View) -> Value:
    method_id = view.request.ask.payment_method_id
    method = None if method_id is None else view.methods.get(method_id)
    if method is None:
        return MISSING
    if method.kind != "gift_card":
        return True
    due = _amount_due(view)
    if method.balance is None or not isinstance(due, Decimal):
        return MISSING
    return method.balance >= due


def _exchange_lines(view: View) -> list[tuple[Item, object, object]] | None:
    if view.order is None or not view.request.ask.exchanges:
        return None
    items = {i.id: i for i in view.order.items}
    return [
        (items[line.item_id], line.new_product_id, line.new_available)
        for line in view.request.ask.exchanges
        if line.item_id in items
    ]


def exchange_same_product(view: View) -> Value:
    lines = _exchange_lines(view)
    if not lines or any(new is None or item.product_id is None for item, new, _ in lines):
        return MISSING
    return all(item.product_id == new for item, new, _ in lines)


def exchange_available(view: View) -> Value:
    lines = _exchange_lines(view)
    if not lines or any(available is None for _, _, available in lines):
        return MISSING
    return all(available is True for _, _, available in lines)


def exchange_price_difference(view: View) -> Value:
    if view.order is None or not view.request.ask.exchanges:
        return MISSING
    items = {i.id: i for i in view.order.items}
    total = ZERO
    for line in view.request.ask.exchanges:
        if line.new_price is None or line.item_id not in items:
            return MISSING
        total += line.new_price - items[line.item_id].price
    return total


def subscription(
    read: Callable[[Subscription, dt.date], Value | None],
) -> Callable[[View], Value]:
    def fact(view: View) -> Value:
        sub = view.request.subscription
        return MISSING if sub is None else or_missing(read(sub, view.request.today))

    return fact


def in_trial(sub: Subscription, as_of: dt.date) -> Value:
    return sub.trial_end is not None and as_of <= sub.trial_end


def order(read: Callable[[Order], Value | None]) -> Callable[[View], Value]:
    def fact(view: View) -> Value:
        return MISSING if view.order is None else or_missing(read(view.order))

    return fact


def order_days(field: str) -> Callable[[View], Value]:
    def read(view: View) -> Value:
        if view.order is None:
            return MISSING
        day: dt.date | None = getattr(view.order, field)
        return days(view.request.today, day)

    return read


def days_late(view: View) -> Value:
    placed = view.order
    if placed is None or placed.expected_delivery_on is None:
        return MISSING
    arrived = placed.delivered_on or view.request.today
    return max((arrived - placed.expected_delivery_on).days, 0)
