"""One round of questions: a needs_info verdict names every fact the rules that may decide are
missing, in the order of those rules, and says which only matter depending on another answer;
the customer's reply asks only for the facts needed whatever the other answers are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from drafter.errors import PolicyError
from drafter.intake import parse_request
from drafter.phrase.brief import build_brief
from drafter.policy import PolicyRegistry, evaluate, load_policy
from drafter.schemas import Decision
from tests.conftest import shop_pack

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = PolicyRegistry(ROOT / "policies")


def late_return(**drop: Any) -> dict[str, Any]:
    """A return past the window, as the page of a helpdesk gives it: no reason, final-sale or
    custom flags, or tier."""
    data = json.loads((ROOT / "policies/retail/examples/late-return.json").read_text())
    request: dict[str, Any] = data.get("request", data)
    request["ask"].pop("reason", None)
    for item in request["case"]["order"]["items"]:
        item.pop("final_sale", None)
        item.pop("custom", None)
    request["customer"].pop("tier", None)
    return request


def test_every_missing_fact_is_asked_for_at_once_in_rule_order() -> None:
    policy = REGISTRY.get("retail-standard")
    verdict = evaluate(policy, parse_request(json.dumps(late_return())))
    assert verdict.decision == Decision.needs_info
    needs = [(n.fact, n.rule) for n in verdict.needs]
    # Four rounds before (reason, then final sale, then custom, then tier): now one.
    assert needs[:4] == [
        ("reason", "subscription_reason"),
        ("any_final_sale", "final_sale"),
        ("any_custom", "custom_item"),
        ("tier", "outside_credit_period"),
    ]
    rules = [policy.rules.index(rule) for _, rule in needs]
    assert rules == sorted(rules)
    assert verdict.needs[0].depends_on == []
    assert all("reason" in n.depends_on for n in verdict.needs[1:])
    # Every rule after the first unknown one is traced up to the one that decides.
    unknown = [s.rule for s in verdict.trace if s.result == "unknown"]
    first = ["subscription_reason", "final_sale", "custom_item", "outside_credit_period"]
    assert unknown[:4] == first


def test_answering_the_questions_gives_a_decision_in_the_next_round() -> None:
    policy = REGISTRY.get("retail-standard")
    request = late_return()
    request["ask"]["reason"] = "changed_mind"
    for item in request["case"]["order"]["items"]:
        item["final_sale"] = item["custom"] = False
    request["customer"]["tier"] = "standard"
    verdict = evaluate(policy, parse_request(json.dumps(request)))
    assert verdict.decision != Decision.needs_info, verdict.needs


def test_the_reply_asks_only_what_is_needed_whatever_the_other_answers() -> None:
    policy = REGISTRY.get("retail-standard")
    request = parse_request(json.dumps(late_return()))
    verdict = evaluate(policy, request)
    brief = build_brief(request, verdict)
    assert brief.needs == (verdict.needs[0].question,)


def test_a_missing_field_a_fact_reads_gets_its_question_not_a_refusal() -> None:
    request = late_return()
    del request["case"]["order"]["status"]
    verdict = evaluate(REGISTRY.get("retail-standard"), parse_request(json.dumps(request)))
    assert verdict.decision == Decision.needs_info
    assert "order_status" in [n.fact for n in verdict.needs]


def test_a_pack_may_not_require_a_field_a_fact_reads(tmp_path: Path) -> None:
    folder = shop_pack(tmp_path)
    domain = folder / "domain.yaml"
    domain.write_text(
        domain.read_text().replace(
            "      status: str\n", "      status: {type: str, required: true}\n"
        )
    )
    with pytest.raises(
        PolicyError, match=r"'order.status' is required, but fact 'order_status' reads it"
    ):
        load_policy(folder / "mini-store.yaml")
