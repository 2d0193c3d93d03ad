"""Policy test tables can assert absence (no refund, no escalation, no offers) and offer caps,
and each such assertion can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from drafter.policy import load_policy
from drafter.policy.tables import run_table
from tests.conftest import SHOP, shop_pack

POLICY = load_policy(SHOP / "mini-store.yaml")
BASE = yaml.safe_load((SHOP / "mini-store.tests.yaml").read_text())["base"]
LATE = {
    "case.order.delivered_on": "2026-10-20"
}  # declined, with store credit and a capped discount


def problems(tmp_path: Path, expect: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    table = {"base": BASE, "cases": [{"name": "case", "set": changes, "expect": expect}]}
    path = shop_pack(tmp_path) / "mini-store.tests.yaml"
    path.write_text(yaml.safe_dump(table, sort_keys=False))
    (result,) = run_table(POLICY, path).results
    return result.problems


@pytest.mark.parametrize(
    "expect",
    [
        {"refund": None, "escalation": None, "destination": None},
        {"offer_caps": {"goodwill_discount": "10.00"}},
    ],
)
def test_absence_and_caps_hold_on_a_decline(tmp_path: Path, expect: dict[str, Any]) -> None:
    assert problems(tmp_path, {"decision": "decline", **expect}, LATE) == []


@pytest.mark.parametrize(
    ("expect", "changes", "problem"),
    [
        ({"refund": None}, {}, "refund: expected None, got '89.00'"),
        ({"offers": None}, LATE, "offers: expected [], got ['goodwill_discount', 'store_credit']"),
        ({"escalation": None}, {"signals.legal_threat": True}, "escalation: expected None"),
        ({"offer_caps": {"goodwill_discount": "11.00"}}, LATE, "offer_caps: expected"),
    ],
)
def test_each_assertion_can_fail(
    tmp_path: Path, expect: dict[str, Any], changes: dict[str, Any], problem: str
) -> None:
    (found,) = problems(tmp_path, expect, changes)
    assert found.startswith(problem)


def test_a_key_left_out_is_not_checked(tmp_path: Path) -> None:
    assert problems(tmp_path, {"decision": "approve"}, {}) == []
