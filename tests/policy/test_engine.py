"""The evaluator: the mini-store table, exceptions, fit checks, determinism, handoffs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drafter.errors import ExceptionGrantError, RequestError
from drafter.intake import parse_request
from drafter.policy import evaluate, load_policy
from drafter.policy.tables import run_table
from drafter.schemas import Decision, Refund, Request
from tests.conftest import FIXTURES, SHOP, shop_pack

POLICY = load_policy(SHOP / "mini-store.yaml")
BASE: dict[str, Any] = json.loads((FIXTURES / "request.json").read_text())


def request(**changes: Any) -> Request:
    data = json.loads(json.dumps(BASE))
    for path, value in changes.items():
        node = data
        *parents, last = path.split("__")
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[last] = value
    return parse_request(json.dumps(data))


def test_the_fixture_table_passes_and_reaches_every_rule() -> None:
    report = run_table(POLICY, SHOP / "mini-store.tests.yaml")
    assert [r.problems for r in report.failed] == []
    assert report.uncovered == []


def test_same_input_gives_byte_identical_json() -> None:
    first = evaluate(POLICY, request()).model_dump_json()
    again = evaluate(load_policy(SHOP / "mini-store.yaml"), request()).model_dump_json()
    assert first == again
    assert json.loads(first)["policy"]["sha256"] == POLICY.sha256


def test_trace_shows_each_rule_with_the_facts_it_saw() -> None:
    verdict = evaluate(POLICY, request())
    steps = {step.rule: step for step in verdict.trace}
    assert steps["outside_window"].result == "fired"
    assert steps["outside_window"].facts == {"days_since_delivery": "46", "tier": "standard"}
    assert steps["order_cancelled"].result == "passed"


def test_missing_fact_fails_closed_with_a_question() -> None:
    verdict = evaluate(POLICY, request(case__order__delivered_on=None))
    assert verdict.decision == Decision.needs_info
    assert [n.fact for n in verdict.needs] == ["days_since_delivery"]
    assert verdict.needs[0].question == "When was the order delivered?"
    assert verdict.refund is None
    assert verdict.offers == []


def test_escalation_hands_off_a_summary_a_supervisor_can_act_on() -> None:
    verdict = evaluate(
        POLICY,
        request(
            case__order__delivered_on="2026-11-10",
            case__order__items__0__price="400.00",
            case__order__payments__0__amount="400.00",
        ),
    )
    assert verdict.decision == Decision.escalate
    assert verdict.escalation is not None
    summary = verdict.escalation.summary
    assert summary.recommended.startswith("approve under rule within_window: refund 400.00 USD")
    assert "above_agent_limit" in summary.rules_fired
    assert summary.facts["days_since_delivery"] == "10"
    assert verdict.refund is not None  # the option a supervisor would approve


def test_legal_threat_escalates_even_when_facts_are_missing() -> None:
    verdict = evaluate(
        POLICY, request(case__order__delivered_on=None, signals={"legal_threat": True})
    )
    assert verdict.decision == Decision.escalate
    assert verdict.escalation is not None
    assert verdict.escalation.target == "legal"
    assert [d.id for d in verdict.must_not_say] == ["admission_of_fault"]


def test_refund_is_capped_at_what_was_paid() -> None:
    verdict = evaluate(
        POLICY,
        request(case__order__delivered_on="2026-11-10", case__order__payments__0__amount="50.00"),
    )
    assert verdict.refund is not None
    assert str(verdict.refund.amount.amount) == "50.00"
    assert any(step.stage == "cap" for step in verdict.trace)


def _opened_item_refund(tmp_path: Path, restocking_rate: str) -> Refund:
    """The refund for an opened item inside the window, under mini-store with this rate."""
    text = (SHOP / "mini-store.yaml").read_text()
    path = shop_pack(tmp_path) / "mini-store.yaml"
    rate = f"{{type: decimal, value: {restocking_rate}}}"
    path.write_text(text.replace("{type: decimal, value: 0.15}", rate))
    opened = request(
        case__order__delivered_on="2026-11-10", case__order__items__0__condition="opened"
    )
    refund = evaluate(load_policy(path), opened).refund
    assert refund is not None
    return refund


def test_a_refund_that_fees_take_to_nothing_is_written_in_cents(tmp_path: Path) -> None:
    # Fees above the amount leave nothing to refund: the amount is still an amount (0.00, as
    # every other is written), never a bare 0 that a test table or a reply would show as "0".
    refund = _opened_item_refund(tmp_path, "1.5")
    assert str(refund.amount.amount) == "0.00"
    assert str(refund.fees[0].amount.amount) == "133.50"
    assert json.loads(refund.model_dump_json())["amount"]["amount"] == "0.00"


def test_a_fee_of_nothing_is_not_charged_or_named(tmp_path: Path) -> None:
    # A rate of 0 makes the restocking fee 0.00: the verdict lists no fee, so no reply says
    # "less a restocking fee ($0.00)".
    refund = _opened_item_refund(tmp_path, "0")
    assert refund.fees == []
    assert refund.amount == refund.gross


def _exception(**fields: Any) -> dict[str, Any]:
    return {"id": "loyalty_goodwill", "role": "agent", "granted_by": "Sam Lee", **fields}


def test_exception_is_honoured_within_cap_and_traced() -> None:
    verdict = evaluate(POLICY, request(exception=_exception(amount="40.00")))
    assert verdict.decision == Decision.approve
    assert verdict.refund is not None
    assert str(verdict.refund.amount.amount) == "40.00"
    granted = [s for s in verdict.trace if s.stage == "exception"]
    assert granted[0].facts == {"role": "agent", "granted_by": "Sam Lee", "cap": "40.00"}
    assert verdict.rationale[0].rule == "loyalty_goodwill"


@pytest.mark.parametrize(
    ("exception", "field"),
    [
        (_exception(id="birthday"), "exception.id"),
        (_exception(amount="60.00"), "exception.amount"),
    ],
)
def test_exceptions_outside_the_policy_are_refused(exception: dict[str, Any], field: str) -> None:
    with pytest.raises(ExceptionGrantError) as caught:
        evaluate(POLICY, request(exception=exception))
    assert caught.value.field == field


def test_exception_role_must_be_allowed(tmp_path: Path) -> None:
    text = (SHOP / "mini-store.yaml").read_text()
    path = shop_pack(tmp_path) / "mini-store.yaml"
    path.write_text(text.replace("{agent: 50, supervisor: 500}", "{supervisor: 500}"))
    with pytest.raises(ExceptionGrantError, match="may be granted only by: supervisor") as caught:
        evaluate(load_policy(path), request(exception=_exception()))
    assert caught.value.field == "exception.role"


def test_currency_must_match_the_policy() -> None:
    with pytest.raises(RequestError, match="does not match policy") as caught:
        evaluate(POLICY, request(case__order__currency="EUR"))
    assert caught.value.field == "case.order.currency"


def test_enum_value_outside_the_policy_names_the_field() -> None:
    with pytest.raises(RequestError, match="'diamond' is not one of gold, standard") as caught:
        evaluate(POLICY, request(customer__tier="diamond"))
    assert caught.value.field == "customer.tier"


def test_customer_facing_texts_follow_the_locale_when_translated() -> None:
    spanish = evaluate(POLICY, request(locale="es"))
    assert spanish.rationale[0].text == (
        "Los artículos se pueden devolver en los 30 días siguientes a la entrega."
    )
    english = evaluate(POLICY, request(locale="en"))
    assert english.rationale[0].text == "Items can be returned within 30 days of delivery."
    german = evaluate(POLICY, request(locale="de"))  # no translation: English, never nothing
    assert german.rationale[0].text == english.rationale[0].text


def test_questions_for_missing_facts_follow_the_locale() -> None:
    verdict = evaluate(POLICY, request(case__order__delivered_on=None, locale="fr"))
    assert verdict.needs[0].question == "Quand la commande a-t-elle été livrée ?"
