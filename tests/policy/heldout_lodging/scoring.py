"""Score lodging-standard against the held-out cases written from its description alone.

    .venv/bin/python -m tests.policy.heldout_lodging.scoring

Each case's expectation names a decision and, where the description fixes them, the refund, the
offers (by kind) and the escalation target. Prints each disagreement and the totals.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from drafter.errors import UserError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.settings import Settings

CASES = Path(__file__).parent / "cases.yaml"


@dataclass(frozen=True)
class Result:
    id: str
    problems: list[str]


def _actual(policy_id: str, request: dict[str, Any]) -> dict[str, Any]:
    policy = PolicyRegistry(Settings().policies_dir).get(policy_id)
    try:
        verdict = evaluate(policy, parse_request(json.dumps(request, default=str)))
    except UserError as error:
        return {"error": str(error)}
    return {
        "decision": verdict.decision.value,
        "refund": None if verdict.refund is None else str(verdict.refund.amount.amount),
        "offers": sorted(o.kind for o in verdict.offers),
        "escalation": None if verdict.escalation is None else verdict.escalation.target,
        "rule": verdict.rule,
    }


def score(policy_id: str = "lodging-standard") -> list[Result]:
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))["cases"]
    results = []
    for case in cases:
        got = _actual(policy_id, case["request"])
        problems = [f"refused: {got['error']}"] if "error" in got else []
        for key, wanted in case["expect"].items():
            if "error" in got:
                break
            have = got[key]
            if key == "refund" and wanted is not None:
                wanted = str(Decimal(str(wanted)).quantize(Decimal("0.01")))
                # The cases write a decline's "nothing refunded" as 0.00; a verdict has no refund.
                wanted = None if wanted == "0.00" and have is None else wanted
            if key == "offers":
                wanted = sorted(wanted or [])
            if have != wanted:
                problems.append(f"{key}: expected {wanted!r}, got {have!r} (rule {got['rule']})")
        results.append(Result(case["id"], problems))
    return results


def main() -> None:
    results = score()
    for result in results:
        for problem in result.problems:
            print(f"{result.id}: {problem}")
    agreed = sum(1 for r in results if not r.problems)
    print(f"lodging-standard agrees with {agreed}/{len(results)} held-out cases")


if __name__ == "__main__":
    main()
