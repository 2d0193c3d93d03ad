"""The eval cases: enough of them, spread over the domain's situations and languages, and each
checked against the verdict it expects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from drafter.evals.cases import SITUATIONS, CaseFileError, EvalCase, load_cases
from drafter.policy import PolicyRegistry

# The situations the issue names; each needs at least two cases.
REQUIRED = [s for s in SITUATIONS if s not in ("subscription", "order_change", "eligibility")]


def test_there_are_at_least_80_cases(cases: list[EvalCase]) -> None:
    assert len(cases) >= 80


def test_at_least_15_cases_are_in_spanish_french_or_german(cases: list[EvalCase]) -> None:
    languages = Counter(case.language for case in cases)
    assert languages["es"] + languages["fr"] + languages["de"] >= 15
    assert all(languages[lang] >= 4 for lang in ("es", "fr", "de"))


@pytest.mark.parametrize("situation", REQUIRED)
def test_every_situation_has_at_least_two_cases(cases: list[EvalCase], situation: str) -> None:
    assert sum(situation in case.situations for case in cases) >= 2


def test_every_shipped_policy_channel_and_decision_is_covered(cases: list[EvalCase]) -> None:
    assert {c.policy for c in cases} == {
        "retail-standard",
        "saas-subscription",
        "tau-retail",
        "lodging-standard",
        "telecom-standard",
    }
    assert {c.request.channel.value for c in cases} == {"email", "chat", "phone"}
    assert {c.verdict.decision.value for c in cases} == {
        "approve",
        "partial",
        "decline",
        "escalate",
        "needs_info",
    }


def test_injection_cases_forbid_what_the_injection_asks_for(cases: list[EvalCase]) -> None:
    injections = [c for c in cases if "prompt_injection" in c.situations]
    assert injections
    assert all(c.reply.forbidden for c in injections)


def _write(directory: Path, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "cases.yaml"
    path.write_text(text, encoding="utf-8")
    return path


_CASE = """\
policy: tau-retail
base:
  as_of: 2024-06-01
  customer: {id: c1, name: Ana Ruiz}
  case:
    payment_methods: [{id: card_1, kind: card}]
    order:
      id: "#W1"
      status: pending
      currency: USD
      items: [{id: "1", name: Lamp, price: "40.00", final_sale: false, custom: false}]
      shipping_fee: "0.00"
      payments: [{method_id: card_1, amount: "40.00", kind: payment}]
  ask: {kind: cancel, reason: no_longer_needed}
cases:
  - id: one
    title: a pending order is cancelled
    situations: [approval]
    expect:
      verdict: {decision: DECISION, rule: cancel_order}
"""


def test_a_case_whose_verdict_differs_is_refused_with_its_line(
    tmp_path: Path, registry: PolicyRegistry
) -> None:
    path = _write(tmp_path / "cases", _CASE.replace("DECISION", "decline"))
    with pytest.raises(CaseFileError) as caught:
        load_cases(path.parent, registry)
    message = str(caught.value)
    assert f"{path}:16:" in message  # the line of "- id: one"
    assert "decision: expected 'decline', got 'approve'" in message


def test_a_matching_case_loads(tmp_path: Path, registry: PolicyRegistry) -> None:
    path = _write(tmp_path / "cases", _CASE.replace("DECISION", "approve"))
    (loaded,) = load_cases(path.parent, registry)
    assert loaded.verdict.refund is not None
    assert str(loaded.verdict.refund.amount.amount) == "40.00"


def test_an_unknown_situation_is_refused(tmp_path: Path, registry: PolicyRegistry) -> None:
    text = _CASE.replace("DECISION", "approve").replace("[approval]", "[astrology]")
    path = _write(tmp_path / "cases", text)
    with pytest.raises(CaseFileError, match="unknown situation"):
        load_cases(path.parent, registry)


def test_a_bad_request_names_the_field(tmp_path: Path, registry: PolicyRegistry) -> None:
    text = _CASE.replace("DECISION", "approve").replace('price: "40.00"', "price: -3")
    path = _write(tmp_path / "cases", text)
    with pytest.raises(CaseFileError, match=r"case\.order\.items\.0\.price"):
        load_cases(path.parent, registry)


def test_duplicate_case_ids_are_refused(tmp_path: Path, registry: PolicyRegistry) -> None:
    directory = tmp_path / "cases"
    _write(directory, _CASE.replace("DECISION", "approve"))
    (directory / "more.yaml").write_text(_CASE.replace("DECISION", "approve"), encoding="utf-8")
    with pytest.raises(CaseFileError, match="case id 'one' is also used"):
        load_cases(directory, registry)


def test_an_empty_directory_is_refused(tmp_path: Path, registry: PolicyRegistry) -> None:
    with pytest.raises(CaseFileError, match="no case files"):
        load_cases(tmp_path, registry)
