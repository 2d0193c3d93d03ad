"""A policy that is wrong in any way fails to load, naming the file, the line and the rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafter.errors import PolicyError, UnknownPolicyError
from drafter.policy import PolicyRegistry, load_policy
from tests.conftest import FIXTURES, SHOP, shop_pack

MINI = (SHOP / "mini-store.yaml").read_text()


def _load_variant(tmp_path: Path, old: str, new: str) -> PolicyError:
    assert old in MINI, old
    path = shop_pack(tmp_path) / "mini-store.yaml"
    path.write_text(MINI.replace(old, new, 1))
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "rule", "message"),
    [
        (
            "when: any_final_sale",
            "when: any_finel_sale",
            "final_sale",
            "unknown name 'any_finel_sale' (did you mean 'any_final_sale'?)",
        ),
        (  # a fact of the pack that the policy does not list: say how to use it
            "when: any_final_sale",
            "when: whole_order",
            "final_sale",
            "'whole_order' is a fact of domain 'shop' this policy does not read: list it under "
            "inputs to use it",
        ),
        (
            "when: order_status == 'cancelled'",
            "when: order_status == 'canceled'",
            "order_cancelled",
            "'canceled' can never match",
        ),
        (
            "when: legal_threat",
            "when: legal_threat > 3",
            "legal_threat",
            "cannot compare bool with int",
        ),
        (
            "when: any_final_sale",
            "when: any_final_sale and not any_final_sale",
            "final_sale",
            "can never fire",
        ),
        ("when: any_final_sale", "when: false", "final_sale", "can never fire"),
        (
            "    when: item_condition != 'unopened'",
            "    when: true",
            "opened_item",
            "'within_window' after it can never fire",
        ),
        (
            "    rationale: Final-sale items are priced to clear and cannot be refunded.\n",
            "",
            "final_sale",
            "rationale: Field required",
        ),
        (
            "    offers: [store_credit]\n    rationale: Final",
            "    offers: [store_cred]\n    rationale: Final",
            "final_sale",
            "unknown offer 'store_cred'",
        ),
        (
            "    must_say: [refund_timing]\n    rationale: Opened",
            "    must_say: [refund_time]\n    rationale: Opened",
            "opened_item",
            "unknown disclosure 'refund_time'",
        ),
        ("  - id: within_window", "  - id: final_sale", "final_sale", "already used"),
        ("    decision: partial", "    decision: maybe", "opened_item", "decision"),
        (
            "    decision: partial",
            "    decision: partial\n    colour: red",
            "opened_item",
            "Extra inputs are not permitted",
        ),
        (
            "    waives: [outside_window]",
            "    waives: [outside_windows]",
            "loyalty_goodwill",
            "unknown gate 'outside_windows'",
        ),
    ],
)
def test_rule_errors_name_file_line_and_rule(
    tmp_path: Path, old: str, new: str, rule: str, message: str
) -> None:
    error = _load_variant(tmp_path, old, new)
    assert error.rule == rule
    assert message in str(error)
    assert str(error).startswith(f"{shop_pack(tmp_path) / 'mini-store.yaml'}:{error.line}:")
    start = MINI[: MINI.index(old)].count("\n") + 1
    assert error.line is not None
    assert start - 12 <= error.line <= start + 3  # the rule's own lines, not the file's top


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "  days_since_delivery: {}",
            "  days_since_delivry: {}",
            "unknown fact 'days_since_delivry' of domain 'shop' "
            "(did you mean 'days_since_delivery'?)",
        ),
        ("  tier: {values: [standard, gold]}", "  tier: {}", "'by: tier' must name an enum input"),
        ("  any_final_sale: {}", "  any_final_sale: {values: [a]}", "not an enum"),
        ("values: {standard: 30, gold: 60}", "values: {standard: 30}", "must cover exactly"),
        (
            "restocking_rate: {type: decimal, value: 0.15}",
            "restocking_rate: {type: decimal, value: lots}",
            "expected a decimal value",
        ),
        ("owner: ops@example.com", "owner: ops@example.com\ncolour: blue", "colour"),
        ("id: mini-store", "id: other-store", "must match the file name"),
        ("currency: USD", "currency: dollars", "currency"),
    ],
)
def test_document_errors_name_file_and_line(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    error = _load_variant(tmp_path, old, new)
    assert message in str(error)
    assert error.line is not None


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    error = _load_variant(tmp_path, "  - id: final_sale", "  - id: [final_sale")
    assert "invalid YAML" in str(error)
    assert error.line is not None


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    error = _load_variant(tmp_path, "currency: USD", "currency: USD\ncurrency: EUR")
    assert "duplicate key 'currency'" in str(error)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


def test_unknown_policy_id_lists_the_known_ones() -> None:
    registry = PolicyRegistry(FIXTURES)
    with pytest.raises(UnknownPolicyError, match="unknown policy 'nope'; known: mini-store"):
        registry.get("nope")


def test_loaded_policy_carries_its_content_hash() -> None:
    import hashlib

    policy = load_policy(SHOP / "mini-store.yaml")
    assert policy.sha256 == hashlib.sha256((SHOP / "mini-store.yaml").read_bytes()).hexdigest()


def test_a_pack_s_policy_is_written_in_english_only(tmp_path: Path) -> None:
    error = _load_variant(
        tmp_path,
        "    rationale: Items can be returned within",
        "    rationale:\n      fr: Les articles\n      en: Items can be returned within",
    )
    assert "written in English only" in str(error)
    assert error.rule == "outside_window"


def test_a_forbidden_claim_no_detector_can_check_stops_the_load(tmp_path: Path) -> None:
    # The shipped policies once forbade `promised_outcome` while the guard knew it as
    # `outcome_promise`: the check never ran, and nothing noticed.
    error = _load_variant(
        tmp_path,
        "  admission_of_fault: Any admission",
        "  outcome_promise: Any promise of an outcome.\n  admission_of_fault: Any admission",
    )
    assert "forbidden claim 'outcome_promise' has no detector" in str(error)
    assert error.file is not None
    assert error.file.endswith("mini-store.yaml")
    assert error.line == 29


def test_a_must_say_with_no_disclosure_to_render_stops_the_load(tmp_path: Path) -> None:
    error = _load_variant(tmp_path, "must_say: [refund_timing]", "must_say: [refund_timng]")
    assert "unknown disclosure 'refund_timng'" in str(error)
    assert error.line is not None


_NO_CONSTANTS = """\
id: two-totals
version: "1.0.0"
effective: 2026-01-01
currency: USD
owner: ops@example.com
title: Compares two money facts and mentions no number

inputs:
  items_total: {}
  order_total: {}
  amount_paid: {}

gates:
  - id: some_items_only
    when: {condition}
    decision: decline
    rationale: Only part of the order was named.

outcomes:
  - id: whole_order
    when: true
    decision: approve
    rationale: The whole order is covered.
"""


@pytest.mark.parametrize(
    "condition",
    [
        "items_total < order_total",
        "items_total < amount_paid and amount_paid < order_total",  # three distinct values
    ],
)
def test_a_comparison_of_two_facts_loads_without_any_numeric_constant(
    tmp_path: Path, condition: str
) -> None:
    # With no number in the policy, the dead-rule check once tried 0 alone for every money
    # fact, so `items_total < order_total` was never true and the load said "can never fire".
    path = shop_pack(tmp_path) / "two-totals.yaml"
    path.write_text(_NO_CONSTANTS.replace("{condition}", condition))
    policy = load_policy(path)
    assert [gate.id for gate in policy.gates] == ["some_items_only"]


def test_a_comparison_that_is_never_true_still_stops_the_load(tmp_path: Path) -> None:
    path = shop_pack(tmp_path) / "two-totals.yaml"
    path.write_text(_NO_CONSTANTS.replace("{condition}", "items_total < items_total"))
    with pytest.raises(PolicyError, match="can never fire") as caught:
        load_policy(path)
    assert caught.value.rule == "some_items_only"
