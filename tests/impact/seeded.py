"""A seeded audit log whose stored verdicts an older version of mini-store gave, so they differ
from what the current mini-store (tests/policy/fixtures/shop) decides today.

mini-store 0.9.0 let standard customers return within 40 days; 1.0.0 (current) within 30; the
candidate, 1.1.0, within 45. Gold customers have 60 days in all three. Every request is decided
on 2026-11-20 (its ``as_of``). Unopened items are refunded in full within the window; opened
ones get the price minus a 15% restocking fee (``opened_item``, partial); past the window a
standard customer is declined with store credit of the price and a 10% discount capped at
10.00 (``outside_window``).

| row | stored as | tier     | delivered  | days | item            | stored by 0.9.0 (40 days)   |
|-----|-----------|----------|------------|------|-----------------|-----------------------------|
| A   | draft     | standard | 2026-10-16 | 35   | 100.00 unopened | approve, refund 100.00      |
| B   | verdict   | standard | 2026-10-09 | 42   | 89.00 unopened  | decline, credit 89.00 + cap |
| C   | draft     | standard | 2026-10-01 | 50   | 40.00 unopened  | decline, credit 40.00 + cap |
| D   | verdict   | gold     | 2026-10-09 | 42   | 60.00 unopened  | approve, refund 60.00       |
| E   | draft     | standard | 2026-10-13 | 38   | 100.00 opened   | partial, 85.00, fee 15.00   |
| U   | draft     | A's request with a "priority" field that Request no longer has   |
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from drafter.policy import Policy, evaluate, load_policy
from drafter.schemas import Request
from drafter.store import DraftRow, brief_json
from drafter.store.audit import new_id
from drafter.store.tables import VerdictRow

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "policy" / "fixtures"
POLICY = FIXTURES / "shop" / "mini-store.yaml"
TICKET = json.loads((FIXTURES / "request.json").read_text())
WINDOW = "values: {standard: 30, gold: 60}"


def mini_store(folder: Path, *, standard_days: int, version: str) -> Path:
    """mini-store with another window for standard customers, in a copy of its pack."""
    pack = folder / "shop"
    shutil.copytree(POLICY.parent, pack)
    text = POLICY.read_text()
    changed = text.replace(WINDOW, f"values: {{standard: {standard_days}, gold: 60}}")
    assert changed != text or standard_days == 30
    path = pack / POLICY.name
    path.write_text(changed.replace('version: "1.0.0"', f'version: "{version}"'))
    return path


def request(
    tier: str = "standard",
    delivered: str = "2026-10-09",
    price: str = "89.00",
    condition: str = "unopened",
) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(TICKET)
    data["customer"]["tier"] = tier
    order = data["case"]["order"]
    order["delivered_on"] = delivered
    order["items"][0] |= {"price": price, "condition": condition}
    order["payments"][0]["amount"] = price
    return data


def stored_row(
    source: str,
    facts: dict[str, Any],
    policy: Policy,
    *,
    created_at: dt.datetime,
    tenant: str = "default",
    brief: bool = True,
) -> DraftRow | VerdictRow:
    """A row as the API stores it: the request, and ``policy``'s verdict on it, with the
    verdict's brief unless it is a row stored before briefs."""
    known = {k: v for k, v in facts.items() if k != "priority"}
    verdict = evaluate(policy, Request.model_validate_json(json.dumps(known)))
    values: dict[str, Any] = {
        "id": new_id("dr" if source == "draft" else "vd"),
        "created_at": created_at,
        "tenant": tenant,
        "key_id": "k1",
        "policy_id": "mini-store",
        "policy_version": verdict.policy.version,
        "policy_sha256": verdict.policy.sha256,
        "decision": verdict.decision.value,
        "rule": verdict.rule,
        "request_json": json.dumps(facts),
        "redacted": False,
        "brief_json": brief_json(verdict) if brief else None,
    }
    if source == "verdict":
        return VerdictRow(**values, verdict_json=verdict.model_dump_json())
    reply = {"verdict": json.loads(verdict.model_dump_json()), "draft": {"body": "..."}}
    return DraftRow(
        **values,
        idempotency_key=None,
        body_sha256="0" * 64,
        channel="email",
        tone=None,
        fallback=False,
        repaired=False,
        llm_calls=0,
        provider="template",
        model="template",
        template_version="t",
        prompt_sha256="0" * 64,
        reply_json=json.dumps(reply),
    )


def older_log(
    folder: Path, created_at: dt.datetime, *, briefs: str = "ABCDEU"
) -> dict[str, DraftRow | VerdictRow]:
    """The rows of the table above, as mini-store 0.9.0 answered them; those not named in
    ``briefs`` as stored before briefs."""
    old = load_policy(mini_store(folder, standard_days=40, version="0.9.0"))
    a = request(delivered="2026-10-16", price="100.00")
    rows = {
        "A": ("draft", a),
        "B": ("verdict", request()),
        "C": ("draft", request(delivered="2026-10-01", price="40.00")),
        "D": ("verdict", request(tier="gold", price="60.00")),
        "E": ("draft", request(delivered="2026-10-13", price="100.00", condition="opened")),
        "U": ("draft", a | {"priority": "high"}),
    }
    return {
        name: stored_row(source, facts, old, created_at=created_at, brief=name in briefs)
        for name, (source, facts) in rows.items()
    }
