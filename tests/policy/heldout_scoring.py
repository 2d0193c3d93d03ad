"""Score a pack's policy against held-out cases written from its description alone
(``tests/policy/heldout_<pack>/cases.yaml``).

    .venv/bin/python -m tests.policy.heldout_scoring lodging
    .venv/bin/python -m tests.policy.heldout_scoring telecom

Each case's expectation names a decision and, where the description fixes them, the refund, the
offers (by kind) and the escalation target. Prints each disagreement and the totals.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from drafter.errors import UserError
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.settings import Settings

HERE = Path(__file__).parent


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


def score(pack: str) -> list[Result]:
    policy_id = f"{pack}-standard"
    path = HERE / f"heldout_{pack}" / "cases.yaml"
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]
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
    pack = sys.argv[1] if len(sys.argv) > 1 else "lodging"
    results = score(pack)
    for result in results:
        for problem in result.problems:
            print(f"{result.id}: {problem}")
    agreed = sum(1 for r in results if not r.problems)
    print(f"{pack}-standard agrees with {agreed}/{len(results)} held-out cases")


if __name__ == "__main__":
    main()
