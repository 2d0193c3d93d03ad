"""What a policy file may now write: named conditions, tables keyed by several enums,
unlimited values and durations; and what the loader refuses about them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from drafter.errors import PolicyError
from drafter.policy import evaluate, load_policy
from drafter.policy.explain import explain
from drafter.policy.lint import lint
from drafter.policy.types import UNLIMITED
from drafter.schemas import Decision
from tests.conftest import SHOP, shop_pack
from tests.policy.test_engine import request

MINI = (SHOP / "mini-store.yaml").read_text()


def _write(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = MINI
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = shop_pack(tmp_path) / "mini-store.yaml"
    path.write_text(text)
    return path


def _refused(tmp_path: Path, *edits: tuple[str, str]) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(_write(tmp_path, *edits))
    return caught.value


CONDITIONS = (
    "params:",
    "conditions:\n"
    "  late: days_since_delivery > return_window_days[tier]\n"
    "  late_and_not_gold: late and tier != 'gold'\n"
    "\nparams:",
)


def test_a_named_condition_is_used_by_name_and_decides_as_its_expression(
    tmp_path: Path,
) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            CONDITIONS,
            (
                "when: days_since_delivery > return_window_days[tier]",
                "when: late_and_not_gold",
            ),
        )
    )
    original = load_policy(SHOP / "mini-store.yaml")
    for changes in ({}, {"case__order__delivered_on": "2026-11-01"}, {"customer__tier": "gold"}):
        mine, theirs = evaluate(policy, request(**changes)), evaluate(original, request(**changes))
        assert (mine.decision, mine.rule) == (theirs.decision, theirs.rule)
    # The trace shows the facts under the name, as it would for the expression itself.
    step = next(s for s in evaluate(policy, request()).trace if s.rule == "outside_window")
    assert step.facts == {"days_since_delivery": "46", "tier": "standard"}
    assert "late_and_not_gold: late and tier is not 'gold'" in explain(policy)


def test_an_unused_condition_is_a_lint_warning(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, CONDITIONS))
    codes = {(f.code, f.message) for f in lint(policy)}
    assert ("unused-condition", "'late_and_not_gold' is never used") in codes


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ("  late: tier", "expected a bool expression but this is enum"),
        ("  late: eventually and tier == 'gold'\n  eventually: true", "unknown name 'eventually'"),
        ("  tier: true", "'tier' has the same name as a fact, parameter or named one"),
        ("  late: days_since_delivry > 3", "did you mean 'days_since_delivery'"),
    ],
)
def test_conditions_are_checked_at_load_with_their_line(
    tmp_path: Path, conditions: str, message: str
) -> None:
    error = _refused(tmp_path, ("params:", f"conditions:\n{conditions}\n\nparams:"))
    assert message in str(error)
    assert error.line == MINI[: MINI.index("params:")].count("\n") + 2


TWO_KEYS = (
    "  goodwill_cap: {type: money, by: tier, values: {standard: 10, gold: 25}}",
    "  goodwill_cap:\n"
    "    type: money\n"
    "    by: [tier, order_status]\n"
    "    values:\n"
    "      standard: {pending: 5, delivered: 10, cancelled: 0}\n"
    "      gold: {pending: 15, delivered: unlimited, cancelled: 0}",
)


def test_a_table_keyed_by_two_enums_with_an_unlimited_value(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path, TWO_KEYS, ("cap: goodwill_cap[tier]", "cap: goodwill_cap[tier, order_status]")
        )
    )
    standard = evaluate(policy, request())
    assert standard.rule == "outside_window"
    offer = {o.id: o for o in standard.offers}["goodwill_discount"]
    assert offer.cap is not None
    assert str(offer.cap.amount) == "10.00"
    late = {"case__order__placed_on": "2026-06-01", "case__order__delivered_on": "2026-07-01"}
    gold = evaluate(policy, request(customer__tier="gold", **late))
    assert gold.rule == "outside_window"
    offer = {o.id: o for o in gold.offers}["goodwill_discount"]
    assert offer.cap is None  # unlimited is no cap, never an infinite amount
    assert policy.params["goodwill_cap"][("gold", "delivered")] == UNLIMITED  # type: ignore[index]
    assert "gold and delivered: unlimited" in explain(policy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("gold: {pending: 15, delivered: unlimited, cancelled: 0}", "gold: {pending: 15}"),
            "values under gold must cover exactly the order_status values",
        ),
        (("by: [tier, order_status]", "by: [tier, colour]"), "'by: colour' must name an enum"),
        (("delivered: unlimited", "delivered: lots"), "expected a money value or unlimited"),
    ],
)
def test_tables_must_cover_every_combination(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    error = _refused(tmp_path, TWO_KEYS, edit)
    assert message in str(error)
    assert error.line is not None


UNLIMITED_CAP = ("params:", "params:\n  refund_cap: {type: money, value: unlimited}")


def test_money_paid_out_can_never_be_unlimited(tmp_path: Path) -> None:
    error = _refused(
        tmp_path,
        UNLIMITED_CAP,
        ("refund: {amount: items_total,", "refund: {amount: 'max(items_total, refund_cap)',"),
    )
    assert error.rule == "within_window"
    assert "can be unlimited" in str(error)
    # Capping by an unlimited value is fine: min() of it and a finite amount is finite.
    load_policy(
        _write(
            tmp_path,
            UNLIMITED_CAP,
            ("refund: {amount: items_total,", "refund: {amount: 'min(items_total, refund_cap)',"),
        )
    )


def test_a_duration_parameter_is_written_as_in_an_expression(tmp_path: Path) -> None:
    edit = ("params:", "params:\n  grace: {type: duration, value: 36 hours}")
    policy = load_policy(_write(tmp_path, edit))
    assert policy.params["grace"] == dt.timedelta(hours=36)
    assert "grace: 36 hours" in explain(policy)
    error = _refused(tmp_path, ("params:", "params:\n  grace: {type: duration, value: soon}"))
    assert "expected a duration such as '24 hours'" in str(error)


def test_evaluation_is_unchanged_for_the_fixture() -> None:
    verdict = evaluate(load_policy(SHOP / "mini-store.yaml"), request())
    assert verdict.decision == Decision.decline


TRANSFER = (
    "    when: order_status == 'cancelled'\n    decision: decline\n",
    "    when: order_status == 'cancelled'\n    decision: transfer\n    target: supervisor\n"
    "    reason: Cancelled orders are handled by the billing team.\n",
)


def test_a_transfer_hands_the_request_to_a_person(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, TRANSFER))
    verdict = evaluate(policy, request(case__order__status="cancelled"))
    assert (verdict.decision, verdict.rule) == (Decision.escalate, "order_cancelled")
    assert verdict.escalation is not None
    assert verdict.escalation.target == "supervisor"
    assert verdict.escalation.summary.recommended == (
        "transfer under rule order_cancelled: Cancelled orders are handled by the billing team."
    )
    assert [r.rule for r in verdict.rationale] == ["order_cancelled"]  # said once
    assert verdict.refund is None
    assert verdict.offers == []
    # An escalation trigger that holds takes over, with its own target.
    legal = evaluate(
        policy, request(case__order__status="cancelled", signals={"legal_threat": True})
    )
    assert legal.escalation is not None
    assert legal.escalation.target == "legal"
    assert "transfer to supervisor" in explain(policy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("    target: supervisor\n", "a transfer needs a 'target' and a 'reason'"),
        ("    target: supervisor\n", "unknown escalation target 'billing'"),
    ],
)
def test_a_transfer_is_checked_at_load(tmp_path: Path, edit: str, message: str) -> None:
    old, new = TRANSFER
    replaced = new.replace(edit, "" if "needs" in message else "    target: billing\n")
    error = _refused(tmp_path, (old, replaced))
    assert message in str(error)
    assert error.rule == "order_cancelled"


def test_only_a_transfer_has_a_target(tmp_path: Path) -> None:
    old = "    when: order_status == 'cancelled'\n    decision: decline\n"
    error = _refused(tmp_path, (old, old + "    target: supervisor\n"))
    assert "'target' belongs to a transfer only" in str(error)


def test_a_text_never_tells_the_customer_a_fact_is_unknown(tmp_path: Path) -> None:
    """A rationale whose placeholder reads a fact nobody gave asks for it instead."""
    old = "    rationale: Final-sale items are priced to clear and cannot be refunded."
    new = "    rationale: Final-sale items ({item_condition}) are priced to clear."
    policy = load_policy(_write(tmp_path, (old, new)))
    final_sale = {
        "case__order__items__0__final_sale": True,
        "case__order__delivered_on": "2026-11-10",
    }
    asked = evaluate(policy, request(case__order__items__0__condition=None, **final_sale))
    assert asked.decision == Decision.needs_info
    assert [n.fact for n in asked.needs] == ["item_condition"]
    assert all("unknown" not in r.text for r in asked.rationale)
    told = evaluate(policy, request(case__order__items__0__condition="opened", **final_sale))
    assert told.rule == "final_sale"
    assert "Final-sale items (opened)" in told.rationale[0].text


def test_a_named_amount_is_used_by_name_in_rules_and_texts(tmp_path: Path) -> None:
    policy = load_policy(
        _write(
            tmp_path,
            ("params:", "amounts:\n  restocking: items_total * restocking_rate\n\nparams:"),
            (
                "fees: {restocking: items_total * restocking_rate}",
                "fees: {restocking: restocking}",
            ),
            (
                "    rationale: Opened items can be returned for a refund minus a restocking fee.",
                "    rationale: Opened items are refunded minus a restocking fee of {restocking}.",
            ),
        )
    )
    opened = {
        "case__order__items__0__condition": "opened",
        "case__order__delivered_on": "2026-11-10",
    }
    verdict = evaluate(policy, request(**opened))
    assert verdict.rule == "opened_item"
    assert verdict.refund is not None
    assert [str(f.amount.amount) for f in verdict.refund.fees] == ["13.35"]
    assert "restocking fee of $13.35" in verdict.rationale[0].text
    error = _refused(tmp_path, ("params:", "amounts:\n  restocking: tier\n\nparams:"))
    assert "amount 'restocking' is enum" in str(error)
