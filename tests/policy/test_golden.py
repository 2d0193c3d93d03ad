"""Every verdict in the golden sample (tests/policy/golden.py) is byte-identical to the stored
one, and every stored verdict is a valid Verdict that survives strict validation unchanged."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from drafter.errors import UserError
from drafter.intake import parse_request
from drafter.policy import Decided, Policy, decide, evaluate
from drafter.schemas import Verdict
from tests.policy.golden import REGISTRY, load, outcome

ROWS = load()


def test_the_sample_is_broad() -> None:
    kinds = Counter(row["name"].split("/")[0] for row in ROWS)
    # Each pack's examples against each of its policies: retail 16 × 2, saas 8, lodging, telecom.
    assert kinds["example"] == 16 * 2 + 8 + 10 + 10
    assert kinds["table"] >= 150
    assert kinds["eval"] >= 80
    assert kinds["tau"] >= 700
    assert kinds["random"] >= 600
    assert {row["policy"] for row in ROWS} == set(REGISTRY.ids())


@pytest.mark.parametrize("kind", ["example", "table", "eval", "tau", "random"])
def test_verdicts_are_byte_identical(kind: str) -> None:
    rows = [row for row in ROWS if row["name"].startswith(kind + "/")]
    different = [
        row["name"]
        for row in rows
        if outcome(REGISTRY.get(row["policy"]), row["request"]) != _stored(row)
    ]
    assert different == []


def test_stored_verdicts_validate_and_round_trip() -> None:
    for row in ROWS:
        if row["verdict"] is not None:
            verdict = Verdict.model_validate_json(row["verdict"], strict=True)
            # Byte for byte: a stored verdict re-validated keeps its hash.
            assert verdict.model_dump_json() == row["verdict"], row["name"]


def test_fresh_verdicts_are_valid_models() -> None:
    """Strict validation of a fresh verdict changes nothing."""
    checked = 0
    for row in ROWS[::5]:
        if row["verdict"] is None:
            continue
        verdict = evaluate(REGISTRY.get(row["policy"]), parse_request(row["request"]))
        assert Verdict.model_validate(verdict.model_dump(), strict=True) == verdict, row["name"]
        again = Verdict.model_validate_json(verdict.model_dump_json(), strict=True)
        assert again == verdict, row["name"]
        checked += 1
    assert checked >= 300


def _stored(row: dict[str, Any]) -> dict[str, Any]:
    return {"verdict": row["verdict"], "error": row["error"]}


def test_decide_decides_what_evaluate_does() -> None:
    """``decide`` (the replay's path, which builds no texts, nouns or trace) gives, for every
    request of the sample, the decision, rule, money, offers, escalation, questions and fired
    rules of ``evaluate``'s verdict, or the same error."""
    compared = 0
    for row in ROWS:
        decided = _decided(REGISTRY.get(row["policy"]), row["request"])
        if isinstance(decided, str):  # the sample's requests that a policy refuses
            assert (row["verdict"], row["error"]) == (None, decided), row["name"]
            continue
        verdict = Verdict.model_validate_json(row["verdict"])
        expected = (
            verdict.decision,
            verdict.rule,
            verdict.currency,
            verdict.refund,
            verdict.offers,
            verdict.escalation.target if verdict.escalation else None,
            [need.fact for need in verdict.needs],
            {step.rule for step in verdict.trace if step.result == "fired"},
        )
        got = (
            decided.decision,
            decided.rule,
            decided.currency,
            decided.refund,
            decided.offers,
            decided.escalation,
            decided.needs,
            decided.fired,
        )
        assert got == expected, row["name"]
        compared += 1
    assert compared >= 1_500


def _decided(policy: Policy, body: str) -> Decided | str:
    """What ``decide`` gives, or the error it raises as ``golden.outcome`` writes it."""
    try:
        return decide(policy, parse_request(body))
    except UserError as error:
        return f"{type(error).__name__}: {error}"
