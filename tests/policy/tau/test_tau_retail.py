"""tau-retail.yaml against tau-bench retail: every task action, plus derived flips.

The data is parsed and the whole run made once per session (about two seconds).
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from drafter.policy import load_policy
from drafter.policy.tables import run_table
from drafter.policy.types import EnumType

from . import convert, harness, tau_tools
from .cases import steps

MIN_AGREEMENT = 0.99
TABLE_PATH = harness.POLICY_PATH.with_name("tau-retail.tests.yaml")
# The flips the issue asks for by name, and the groups the harness files them under.
REQUIRED_FLIPS = {"status", "refund_destination", "other_product", "cancel_reason", "second_change"}


@pytest.fixture(scope="session")
def data() -> convert.TauData:
    return convert.load()


@pytest.fixture(scope="session")
def result(data: convert.TauData) -> harness.Run:
    return harness.run(data, load_policy(harness.POLICY_PATH))


def _figure(outcomes: list[harness.Outcome]) -> tuple[float, str]:
    agreeing, total = harness.agreement(outcomes)
    return agreeing / total, f"{agreeing}/{total} ({100 * agreeing / total:.2f}%)"


def test_every_task_action_of_the_500_tasks_is_checked(data: convert.TauData) -> None:
    assert len(data.tasks) == 500
    listed = sum(len(task["actions"]) for task in data.tasks)
    assert len(list(steps(data))) == listed == 768


def test_task_actions_agree(result: harness.Run) -> None:
    share, text = _figure(result.tasks)
    print(f"\ntau-retail task actions: {text}")
    assert share >= MIN_AGREEMENT, f"task actions agree {text}; see {harness.REPORT_PATH}"


def test_flips_agree(result: harness.Run) -> None:
    declines = [o for o in result.flips if o.case.expected == "decline"]
    share, text = _figure(result.flips)
    print(f"\ntau-retail flips: {text}, of which declines {_figure(declines)[1]}")
    assert len(declines) >= 200
    assert share >= MIN_AGREEMENT, f"flips agree {text}; see {harness.REPORT_PATH}"


def test_each_required_flip_is_generated(result: harness.Run) -> None:
    groups = Counter(o.case.group for o in result.flips)
    assert all(groups[group] > 0 for group in REQUIRED_FLIPS), groups


def test_each_kind_of_flip_agrees_on_its_own(result: harness.Run) -> None:
    """A whole kind of flip going wrong must not hide inside the overall figure."""
    groups = sorted({o.case.group for o in result.flips})
    for group in groups:
        share, text = _figure([o for o in result.flips if o.case.group == group])
        assert share >= MIN_AGREEMENT, f"flip {group!r} agrees {text}; see {harness.REPORT_PATH}"


def test_a_missing_fact_never_approves(result: harness.Run) -> None:
    missing = [o for o in result.flips if o.case.group == "missing"]
    assert missing
    assert {o.decision for o in missing} == {"needs_info"}


def test_report_is_current(result: harness.Run) -> None:
    committed = harness.REPORT_PATH.read_text(encoding="utf-8")
    assert committed == harness.render(result), (
        "REPORT.md is out of date: run `python -m tests.policy.tau.harness`"
    )


def test_policy_test_table_passes_and_reaches_every_rule() -> None:
    report = run_table(load_policy(harness.POLICY_PATH), Path(TABLE_PATH))
    assert len(report.results) >= 25
    assert not report.failed, [(r.name, r.problems) for r in report.failed]
    assert not report.uncovered


# --- The converter -----------------------------------------------------------------------


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]


def test_no_amount_passes_through_float(data: convert.TauData) -> None:
    for step in steps(data):
        assert not any(isinstance(leaf, float) for leaf in _leaves(step.payload))
    order = data.orders["#W2611340"]
    assert order["items"][0]["price"] == Decimal("47.84")


def test_repeated_item_ids_become_distinct_lines(data: convert.TauData) -> None:
    order = next(o for o in data.orders.values()
                 if len({i["item_id"] for i in o["items"]}) < len(o["items"]))  # fmt: skip
    ids = [item["id"] for item in convert.order_json(order)["items"]]
    assert len(set(ids)) == len(order["items"])
    assert any(line.endswith("~2") for line in ids)


def test_converter_statuses_are_the_policys_order_statuses() -> None:
    declared = load_policy(harness.POLICY_PATH).scope.facts["order_status"]
    assert isinstance(declared, EnumType)
    assert declared.values == convert.STATUSES


def test_unknown_status_is_an_error_naming_the_field() -> None:
    with pytest.raises(convert.ConversionError, match=r"order\.status"):
        convert.normalise_status("lost in the post")
    assert convert.normalise_status("pending (item modified)") == "pending_item_modified"


def test_modifying_items_locks_the_order_for_later_calls(data: convert.TauData) -> None:
    task = next(t for t in data.tasks if t["actions"][0]["name"] == "modify_pending_order_items")
    state = convert.TaskState(data)
    action = task["actions"][0]
    assert tau_tools.apply(state, action) is None
    kwargs = {"order_id": action["kwargs"]["order_id"], "reason": "no longer needed"}
    cancel = {"name": "cancel_pending_order", "kwargs": kwargs}
    payload = convert.request_json(state, task["user_id"], cancel, "t")
    assert payload["case"]["order"]["status"] == "pending_item_modified"
    assert tau_tools.refusal(state, cancel) is not None


def test_a_refused_call_changes_nothing(data: convert.TauData) -> None:
    task = data.tasks[24]  # moves a 97.35 order onto a gift card holding 18
    state = convert.TaskState(data)
    refused = tau_tools.apply(state, task["actions"][0])
    assert refused is not None
    assert refused.code == "gift_card_short"
    assert state.order(task["actions"][0]["kwargs"]["order_id"]) == data.orders["#W7602708"]
