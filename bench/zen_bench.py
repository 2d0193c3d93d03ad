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

zen's Python package decides in two ways, and both are timed:
- ``ZenDecision.evaluate`` (a decision object made with ``create_decision``): each call starts
  two threads and ends them again (``strace -c -f``: two ``clone3`` a call), about 70 us of
  user and 180 us of system time a call here. The figures kept before 2026-12-04 were against
  this path only.
- ``ZenEngine.evaluate`` with the table loaded under a key (a static loader): no threads, about
  8 us a call. This is zen's engine itself, and the fair comparison.

Paths timed, in one process, interleaved round by round so all see the same machine:
- evaluate: a parsed request in, a decision out (drafter: ``evaluate`` on a validated
  ``Request``, with its full verdict, texts and trace; zen: either call on a dict, giving the
  table's three outputs);
- JSON to JSON: request bytes in, verdict JSON out (drafter: parse and validate the request,
  evaluate, serialise the verdict; zen: read the JSON (``json.loads``, or zen itself for the
  loaded key), evaluate, ``json.dumps``);
- evaluate, retail pack: drafter only, from the order;
- evaluate again, one pass a round: what a round of 48 requests costs right after the other
  paths have run.

In a round each path decides the 48 requests ``--passes`` times (10), so what switching from one
engine to the other costs is a small part of its time. One pass a round, as this bench ran
before, is printed too. The figures are medians of per-round means, printed and never asserted.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/zen_bench.py [--rounds 30] [--passes 10] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import zen

from drafter.intake import parse_request
from drafter.policy import Policy, evaluate, load_policy

T = TypeVar("T")

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


def _each(items: list[T], call: Callable[[T], object]) -> Callable[[], None]:
    """One pass: ``call`` on every item."""

    def run() -> None:
        for item in items:
            call(item)

    return run


def _mean_ns(call: Callable[[], object], count: int, passes: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(passes):
        call()
    return (time.perf_counter_ns() - start) / (count * passes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--passes", type=int, default=10, help="passes over the requests a round")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        policy = load(Path(folder), FLAT_DOMAIN, "returns")
        retail = load(Path(folder), RETAIL_DOMAIN.read_text(), "retail")
    decision = zen.ZenEngine().create_decision(json.dumps(jdm()))
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"returns": jdm()}}})

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
        decided = {(v.decision.value, v.rule) for v in (mine, from_order)}
        for theirs in (decision.evaluate(data), engine.evaluate("returns", data)):
            if decided != {(theirs["result"]["decision"], theirs["result"]["rule"])}:
                mismatches += 1

    n = len(bodies)

    def drafter_json(body: bytes) -> str:
        return evaluate(policy, parse_request(body)).model_dump_json()

    def zen_decision_json(body: bytes) -> str:
        return json.dumps(decision.evaluate(json.loads(body)))

    def zen_engine_json(body: bytes) -> str:
        return json.dumps(engine.evaluate("returns", body))  # zen reads JSON bytes itself

    # Each path: drafter's, zen's through a decision object, zen's through a loaded key.
    paths: dict[str, tuple[Callable[[], None], ...]] = {
        "evaluate": (
            _each(parsed, partial(evaluate, policy)),
            _each(zen_inputs, decision.evaluate),
            _each(zen_inputs, partial(engine.evaluate, "returns")),
        ),
        "json": (
            _each(bodies, drafter_json),
            _each(zen_bodies, zen_decision_json),
            _each(zen_bodies, zen_engine_json),
        ),
        "retail": (_each(orders, partial(evaluate, retail)),),
    }
    for calls in paths.values():  # warm-up
        for call in calls:
            call()
    samples: dict[str, list[list[float]]] = {name: [] for name in paths}
    one_pass: list[list[float]] = []  # evaluate, right after the other paths have run
    for _ in range(args.rounds):
        for name, calls in paths.items():
            samples[name].append([_mean_ns(call, n, args.passes) for call in calls])
        one_pass.append([_mean_ns(call, n, 1) for call in paths["evaluate"]])
    samples["evaluate_one_pass"] = one_pass

    results: dict[str, Any] = {
        "requests": n,
        "rounds": args.rounds,
        "passes": args.passes,
        "mismatches": mismatches,
    }
    for name, rounds in samples.items():
        us = [statistics.median(r[i] for r in rounds) / 1000 for i in range(len(rounds[0]))]
        results[name] = {"drafter_us": round(us[0], 2)}
        if len(us) == 3:
            results[name] |= {
                "zen_decision_us": round(us[1], 2),
                "zen_engine_us": round(us[2], 2),
                "zen_decision_over_drafter": round(us[1] / us[0], 2),
                "zen_engine_over_drafter": round(us[2] / us[0], 2),
            }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"{n} requests, {args.passes} passes a round x {args.rounds} rounds, interleaved; "
        f"disagreements: {mismatches}"
    )
    print("  path               drafter   zen decision.evaluate   zen engine.evaluate  (us; ratio)")
    for name in ("evaluate", "json", "evaluate_one_pass"):
        row = results[name]
        print(
            f"  {name:17} {row['drafter_us']:8.2f}   {row['zen_decision_us']:8.2f} "
            f"({row['zen_decision_over_drafter']:4.1f}x)   {row['zen_engine_us']:8.2f} "
            f"({row['zen_engine_over_drafter']:4.2f}x)"
        )
    print(f"  retail pack, from the order: drafter {results['retail']['drafter_us']:8.2f} us")
    print("  (ratio: zen's time over drafter's; above 1, drafter is faster)")


if __name__ == "__main__":
    main()
