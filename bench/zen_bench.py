"""drafter against zen-engine (GoRules' Rust rules engine) on the same decision table.

The table is a return window of six rules: final sale and custom items are declined; anything
past the tier's window is declined; unopened items are refunded in full, opened ones minus a
restocking fee; the rest is declined. It is written once as a drafter policy and once as a JDM
decision table (hit policy "first"; seven rows, as the window by tier takes two), and both
decide the same requests, which must agree.

Both engines get the same inputs: the table's six values (tier, final sale, custom, days since
delivery, condition, items total), which the drafter policy reads from a flat ``case`` of a
small pack written here. A third figure runs the same policy in the shipped retail pack, whose
facts are worked out from the whole order (items, payments, dates): that is drafter's cost on a
real request, for which zen would need an expression node doing the same work.

Paths timed, in one process, interleaved round by round so all see the same machine:
- evaluate: a parsed request in, a decision out (drafter: ``evaluate`` on a validated
  ``Request``, with its full verdict and trace; zen: ``decision.evaluate`` on a dict);
- JSON to JSON: request bytes in, verdict JSON out (drafter: parse and validate the request,
  evaluate, serialise the verdict; zen: ``json.loads``, evaluate, ``json.dumps``);
- evaluate, retail pack: drafter only, from the order.

The figures are medians of per-round means, printed and never asserted.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/zen_bench.py [--rounds 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import zen

from drafter.intake import parse_request
from drafter.policy import Policy, evaluate, load_policy

# The same policy in the retail pack reads facts worked out from the order.
RETAIL_DOMAIN = Path(__file__).resolve().parents[1] / "policies" / "retail" / "domain.yaml"

# A pack whose case is the table's inputs, as zen gets them.
FLAT_DOMAIN = """\
id: returns
title: The return window's inputs, flat
noun: order
asks: {return: return request}
reasons: {changed_mind: a change of mind}
destinations: {original_payment: to your original payment method}
offer_kinds: {store_credit: store credit}
escalation_targets: {supervisor: a supervisor}
fees: {restocking: the restocking fee}
currency: item.currency
case:
  item:
    type: record
    required: true
    fields:
      currency: {type: str, required: true}
      final_sale: bool
      custom: bool
      days: int
      condition: {type: enum, values: [unopened, opened, used, damaged]}
      items_total: money
facts:
  tier: {value: customer.tier, question: "Which tier is the customer?"}
  any_final_sale: {value: item.final_sale, question: "Was it a final-sale item?"}
  any_custom: {value: item.custom, question: "Was it a custom item?"}
  days_since_delivery: {value: item.days, question: "When was it delivered?"}
  item_condition: {value: item.condition, question: "What condition is it in?"}
  items_total: {value: item.items_total, question: "What did it cost?"}
  amount_paid: {value: item.items_total, question: "What did you pay?"}
"""

POLICY = """\
id: return-window
version: "1"
effective: 2026-01-01
currency: USD
owner: bench@example.com
title: A six-row return window
inputs:
  tier: {values: [standard, gold]}
  days_since_delivery: {}
  item_condition: {}
  any_final_sale: {}
  any_custom: {}
  items_total: {}
  amount_paid: {}
params:
  window: {type: int, by: tier, values: {standard: 30, gold: 60}}
  restocking_rate: {type: decimal, value: 0.15}
gates:
  - id: final_sale
    when: any_final_sale
    decision: decline
    rationale: Final-sale items cannot be returned.
  - id: custom_item
    when: any_custom
    decision: decline
    rationale: Custom items cannot be returned.
  - id: outside_window
    when: days_since_delivery > window[tier]
    decision: decline
    rationale: The return window has passed.
outcomes:
  - id: unopened
    when: item_condition == 'unopened'
    decision: approve
    refund: {amount: items_total, destination: original_payment}
    rationale: Unopened items are refunded in full.
  - id: opened
    when: item_condition in ['opened', 'used']
    decision: partial
    refund:
      amount: items_total
      fees: {restocking: items_total * restocking_rate}
      destination: original_payment
    rationale: Opened items are refunded minus a restocking fee.
  - id: otherwise
    when: 'true'
    decision: decline
    rationale: Nothing in the policy refunds this.
"""

# The JDM table: the window by tier takes two rows (JDM has no parameter tables).
_ROWS = [
    # tier, final sale, custom, days, condition -> decision, rule, refund
    ("", "true", "", "", "", '"decline"', '"final_sale"', "0"),
    ("", "", "true", "", "", '"decline"', '"custom_item"', "0"),
    ('"gold"', "", "", "> 60", "", '"decline"', '"outside_window"', "0"),
    ('"standard"', "", "", "> 30", "", '"decline"', '"outside_window"', "0"),
    ("", "", "", "", '"unopened"', '"approve"', '"unopened"', "itemsTotal"),
    ("", "", "", "", '"opened", "used"', '"partial"', '"opened"', "itemsTotal * 0.85"),
    ("", "", "", "", "", '"decline"', '"otherwise"', "0"),
]
_COLUMNS = ["tier", "finalSale", "custom", "days", "condition"]
_OUTPUTS = ["decision", "rule", "refund"]


def jdm() -> dict[str, Any]:
    """The same table as a JDM graph with one decision table node, hit policy "first"."""
    inputs = [{"id": f"in-{c}", "name": c, "type": "expression", "field": c} for c in _COLUMNS]
    outputs = [{"id": f"out-{c}", "name": c, "type": "expression", "field": c} for c in _OUTPUTS]
    rules = []
    for index, row in enumerate(_ROWS):
        keys = [f"in-{c}" for c in _COLUMNS] + [f"out-{c}" for c in _OUTPUTS]
        cells = dict(zip(keys, row, strict=True))
        rules.append({"_id": f"r{index}", **cells})
    table = {"hitPolicy": "first", "inputs": inputs, "outputs": outputs, "rules": rules}
    place = {"x": 0, "y": 0}
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": place},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "Returns",
                "position": place,
                "content": table,
            },
            {"id": "response", "type": "outputNode", "name": "Response", "position": place},
        ],
        "edges": [
            {"id": "e1", "sourceId": "request", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "response", "type": "edge"},
        ],
    }


def requests() -> list[dict[str, Any]]:
    """Requests that reach every row: tiers, ages, conditions, final sale and custom."""
    found = []
    for index in range(48):
        tier = ("standard", "gold")[index % 2]
        days = (5, 29, 31, 45, 59, 61, 90)[index % 7]
        condition = ("unopened", "opened", "used")[index % 3]
        final_sale, custom = index % 11 == 0, index % 13 == 0
        delivered = f"2026-{(11 if days < 20 else 10 if days < 51 else 9):02d}-01"
        found.append(
            {
                "as_of": "2026-11-20",
                "customer": {"id": f"c{index}", "name": "Bench", "tier": tier},
                "case": {
                    "order": {
                        "id": f"o{index}",
                        "status": "delivered",
                        "currency": "USD",
                        "placed_on": "2026-08-01",
                        "delivered_on": delivered,
                        "items": [
                            {
                                "id": "i1",
                                "name": "Shoes",
                                "price": "80.00",
                                "condition": condition,
                                "final_sale": final_sale,
                                "custom": custom,
                            }
                        ],
                        "shipping_fee": "0.00",
                        "payments": [{"method_id": "m1", "amount": "80.00", "kind": "payment"}],
                    }
                },
                "ask": {"kind": "return", "reason": "changed_mind"},
            }
        )
    return found


def flat(request: dict[str, Any], as_of_days: Callable[[str], int]) -> dict[str, Any]:
    """The request with the table's inputs as its case, as zen gets them."""
    inputs = zen_input(request, as_of_days)
    case = {
        "currency": "USD",
        "final_sale": inputs["finalSale"],
        "custom": inputs["custom"],
        "days": inputs["days"],
        "condition": inputs["condition"],
        "items_total": request["case"]["order"]["items"][0]["price"],
    }
    return {**request, "case": {"item": case}}


def load(folder: Path, domain: str, name: str) -> Policy:
    pack = folder / name  # a pack's folder is named after its domain
    pack.mkdir()
    (pack / "domain.yaml").write_text(domain)
    path = pack / "return-window.yaml"
    path.write_text(POLICY)
    return load_policy(path)


def zen_input(request: dict[str, Any], as_of_days: Callable[[str], int]) -> dict[str, Any]:
    order = request["case"]["order"]
    item = order["items"][0]
    return {
        "tier": request["customer"]["tier"],
        "finalSale": item["final_sale"],
        "custom": item["custom"],
        "days": as_of_days(order["delivered_on"]),
        "condition": item["condition"],
        "itemsTotal": float(item["price"]),
    }


def _mean_ns(call: Callable[[], object], count: int) -> float:
    start = time.perf_counter_ns()
    call()
    return (time.perf_counter_ns() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        policy = load(Path(folder), FLAT_DOMAIN, "returns")
        retail = load(Path(folder), RETAIL_DOMAIN.read_text(), "retail")
    decision = zen.ZenEngine().create_decision(json.dumps(jdm()))

    import datetime as dt

    def days_since(day: str) -> int:
        return (dt.date(2026, 11, 20) - dt.date.fromisoformat(day)).days

    bodies = [json.dumps(flat(r, days_since)).encode() for r in requests()]
    parsed = [parse_request(b) for b in bodies]
    orders = [parse_request(json.dumps(r).encode()) for r in requests()]
    zen_bodies = [json.dumps(zen_input(r, days_since)).encode() for r in requests()]
    zen_inputs = [json.loads(b) for b in zen_bodies]

    mismatches = 0
    for request, order, data in zip(parsed, orders, zen_inputs, strict=True):
        mine, from_order = evaluate(policy, request), evaluate(retail, order)
        theirs = decision.evaluate(data)["result"]
        decided = {(v.decision.value, v.rule) for v in (mine, from_order)}
        if decided != {(theirs["decision"], theirs["rule"])}:
            mismatches += 1

    n = len(bodies)

    def drafter_evaluate() -> None:
        for request in parsed:
            evaluate(policy, request)

    def zen_evaluate() -> None:
        for data in zen_inputs:
            decision.evaluate(data)

    def drafter_json() -> None:
        for body in bodies:
            evaluate(policy, parse_request(body)).model_dump_json()

    def zen_json() -> None:
        for body in zen_bodies:
            json.dumps(decision.evaluate(json.loads(body)))

    def retail_evaluate() -> None:
        for request in orders:
            evaluate(retail, request)

    def nothing() -> None:
        pass

    paths = {
        "evaluate": (drafter_evaluate, zen_evaluate),
        "json": (drafter_json, zen_json),
        "retail": (retail_evaluate, nothing),
    }
    for ours, theirs in paths.values():  # warm-up
        ours()
        theirs()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, (ours, theirs) in paths.items():
            samples[name].append((_mean_ns(ours, n), _mean_ns(theirs, n)))

    results: dict[str, Any] = {"requests": n, "rounds": args.rounds, "mismatches": mismatches}
    for name, pairs in samples.items():
        drafter_us = statistics.median(p[0] for p in pairs) / 1000
        zen_us = statistics.median(p[1] for p in pairs) / 1000
        results[name] = {"drafter_us": round(drafter_us, 2)}
        if name != "retail":
            results[name] |= {
                "zen_us": round(zen_us, 2),
                "zen_over_drafter": round(zen_us / drafter_us, 2),
            }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{n} requests x {args.rounds} rounds, interleaved; disagreements: {mismatches}")
    for name in ("evaluate", "json"):
        row = results[name]
        print(
            f"  {name:9} drafter {row['drafter_us']:8.2f} us   zen-engine {row['zen_us']:8.2f} us"
            f"   drafter is {row['zen_over_drafter']:.1f}x faster"
        )
    print(f"  retail pack, from the order: drafter {results['retail']['drafter_us']:8.2f} us")


if __name__ == "__main__":
    main()
