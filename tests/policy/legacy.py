"""The request shape before packs (order, subscription and evidence at the top, payment methods
under the customer, item ids and exchanges under the ask), moved into the ``case`` of the
retail or SaaS pack. Used to convert fixtures, and to prove that the packs' facts are the ones
the built-in catalogue derived."""

from __future__ import annotations

import copy
from typing import Any

CHANGE = ("item_ids", "refund_to", "payment_method_id", "exchanges")
SAAS_EVIDENCE = ("duplicate_charge_confirmed", "company_error_confirmed")


def to_case(data: dict[str, Any], domain: str) -> dict[str, Any]:
    """``data`` (a request in the old shape) in the shape of ``domain``'s pack."""
    new = copy.deepcopy(data)
    case: dict[str, Any] = dict(new.get("case") or {})
    # A part the domain does not know was ignored before: it is dropped.
    order, subscription = new.pop("order", None), new.pop("subscription", None)
    part = order if domain == "retail" else subscription
    if part is not None:
        case["order" if domain == "retail" else "subscription"] = part
    methods = (new.get("customer") or {}).pop("payment_methods", None)
    ask = new.get("ask") or {}
    change = {key: ask.pop(key) for key in CHANGE if key in ask}
    evidence = new.pop("evidence", None)
    if domain == "retail":
        if methods:
            case["payment_methods"] = methods
        if change:
            case["change"] = change
        if evidence:
            case["evidence"] = evidence
    elif evidence:
        kept = {k: v for k, v in evidence.items() if k in SAAS_EVIDENCE}
        if kept:
            case["evidence"] = kept
    if case:
        new["case"] = case
    return new
