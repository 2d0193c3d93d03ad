"""Properties every shipped policy (and the engine's own fixture) must hold for any request."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.errors import RequestError
from drafter.intake import parse_request
from drafter.policy import Policy, PolicyRegistry, evaluate, load_policy
from drafter.schemas import Decision, Verdict
from drafter.settings import Settings
from tests.conftest import SHOP
from tests.policy.strategies import REMOVABLE, requests

POLICIES = [load_policy(SHOP / "mini-store.yaml")] + [
    PolicyRegistry(Settings().policies_dir).get(i)
    for i in PolicyRegistry(Settings().policies_dir).ids()
]
CHECK = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _verdict(policy: Policy, data: dict[str, Any]) -> Verdict | None:
    """The verdict, or None when the request doesn't fit the policy (a clear error)."""
    try:
        return evaluate(policy, parse_request(json.dumps(data)))
    except RequestError:
        return None


def _refund(verdict: Verdict) -> Decimal:
    return verdict.refund.amount.amount if verdict.refund else Decimal(0)


def _ids(policy: Policy) -> str:
    return policy.id


each_policy = pytest.mark.parametrize("policy", POLICIES, ids=_ids)


@each_policy
@CHECK
@given(data=st.data())
def test_deterministic_and_round_trips(policy: Policy, data: st.DataObject) -> None:
    request = data.draw(requests(policy))
    verdict = _verdict(policy, request)
    if verdict is None:
        return
    again = _verdict(policy, copy.deepcopy(request))
    assert again is not None
    assert verdict.model_dump_json() == again.model_dump_json()
    assert Verdict.model_validate_json(verdict.model_dump_json()) == verdict


@each_policy
@CHECK
@given(data=st.data())
def test_refund_is_never_negative_nor_more_than_paid(policy: Policy, data: st.DataObject) -> None:
    request = data.draw(requests(policy))
    verdict = _verdict(policy, request)
    if verdict is None or verdict.refund is None:
        return
    assert verdict.refund.amount.amount >= 0
    order, subscription = request["case"].get("order"), request["case"].get("subscription")
    if order and order["payments"]:
        paid = sum(Decimal(p["amount"]) for p in order["payments"])
        assert verdict.refund.amount.amount <= paid
    if subscription:
        assert verdict.refund.amount.amount <= Decimal(subscription["price"])


@each_policy
@CHECK
@given(data=st.data(), later=st.integers(1, 90))
def test_a_later_decision_date_never_refunds_more(
    policy: Policy, data: st.DataObject, later: int
) -> None:
    request = data.draw(requests(policy))
    before = _verdict(policy, request)
    moved = copy.deepcopy(request)
    moved["as_of"] = (
        dt.date.fromisoformat(request["as_of"]) + dt.timedelta(days=later)
    ).isoformat()
    after = _verdict(policy, moved)
    if before is None or after is None:
        return
    assert _refund(after) <= _refund(before)


@each_policy
@CHECK
@given(data=st.data())
def test_removing_a_fact_never_turns_a_decline_into_an_approval(
    policy: Policy, data: st.DataObject
) -> None:
    request = data.draw(requests(policy))
    verdict = _verdict(policy, request)
    if verdict is None or verdict.decision != Decision.decline:
        return
    for path in REMOVABLE:
        *sections, field = path
        reduced = copy.deepcopy(request)
        part: Any = reduced
        for section in sections:
            part = part.get(section) if isinstance(part, dict) else None
        if not part or field not in part:
            continue
        part[field] = None
        after = _verdict(policy, reduced)
        assert after is None or after.decision not in (Decision.approve, Decision.partial), (
            f"removing {'.'.join(path)} turned {verdict.rule} into {after.rule}"
        )
