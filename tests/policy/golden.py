"""A broad, fixed sample of requests and the exact verdict JSON each one got, to prove that
changes made for speed leave every verdict byte-identical.

The sample: every bundled example request, every case of every shipped policy's test table
(error cases included), every eval case, the requests of the tau-bench task actions, and
derandomized Hypothesis requests for each shipped policy, varied in language and exception
grant. Requests are stored with their outcome, so the check never depends on how a strategy
draws.

When a verdict is meant to change, recompute the stored requests' outcomes and say why in the
commit (``git diff`` cannot read the file; the command prints what changed):

    .venv/bin/python -m tests.policy.golden --keep-requests

Without ``--keep-requests`` the sample itself is drawn again: eval cases and strategies change
over time, so that replaces requests too, not only verdicts.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafter.errors import UserError
from drafter.evals.cases import load_cases
from drafter.intake import parse_request
from drafter.policy import Policy, PolicyRegistry, evaluate
from drafter.policy.tables import build_request, load_table
from drafter.settings import Settings
from tests.policy.strategies import requests

GOLDEN = Path(__file__).parent / "fixtures" / "golden-verdicts.jsonl.gz"
ROOT = Path(__file__).resolve().parents[2]
REGISTRY = PolicyRegistry(Settings().policies_dir)
LOCALES = ["en", "es-ES", "fr", "de-DE", "en-GB"]
RANDOM_PER_POLICY = 250


def outcome(policy: Policy, body: str) -> dict[str, str | None]:
    """The verdict JSON for ``body``, or the caller error it raises (class and message)."""
    try:
        verdict = evaluate(policy, parse_request(body))
    except UserError as error:
        return {"verdict": None, "error": f"{type(error).__name__}: {error}"}
    return {"verdict": verdict.model_dump_json(), "error": None}


def _examples() -> Iterator[tuple[str, str, str]]:
    # A pack's examples, against each policy of the pack.
    for policy_id in REGISTRY.ids():
        pack = REGISTRY.path(policy_id).parent
        for path in sorted((pack / "examples").glob("*.json")):
            yield f"example/{policy_id}/{path.stem}", policy_id, path.read_text(encoding="utf-8")


def _tables() -> Iterator[tuple[str, str, str]]:
    for policy_id in REGISTRY.ids():
        table, _ = load_table(REGISTRY.tests_path(policy_id))
        for case in table.cases:
            body = json.dumps(build_request(table.base, case), default=str)
            yield f"table/{policy_id}/{case.name}", policy_id, body


def _evals() -> Iterator[tuple[str, str, str]]:
    for case in load_cases(ROOT / "evals" / "cases", REGISTRY):
        yield f"eval/{case.id}", case.policy, case.request.model_dump_json()


def _tau() -> Iterator[tuple[str, str, str]]:
    from tests.policy.tau import convert
    from tests.policy.tau.cases import steps

    for step in steps(convert.load()):
        name = f"tau/{step.task_index}/{step.action_index}"
        yield name, "tau-retail", json.dumps(step.payload, default=str)


def _with_variation(data: dict[str, Any], policy: Policy, index: int) -> dict[str, Any]:
    """Vary the language, and every third request carries an exception grant."""
    data["locale"] = LOCALES[index % len(LOCALES)]
    exceptions = sorted(policy.exceptions.values(), key=lambda e: e.id)
    if exceptions and index % 3 == 0:
        spec = exceptions[index // 3 % len(exceptions)]
        roles = sorted(spec.caps)
        role = roles[index // 7 % len(roles)]
        amount = None if index % 2 else f"{index % 90}.50"
        data["exception"] = {"id": spec.id, "role": role, "granted_by": "agent-7"}
        if amount is not None:
            data["exception"]["amount"] = amount
    return data


def _random(policy_id: str) -> list[tuple[str, str, str]]:
    policy = REGISTRY.get(policy_id)
    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=RANDOM_PER_POLICY,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def draw(data: st.DataObject) -> None:
        drawn.append(data.draw(requests(policy)))

    draw()
    return [
        (f"random/{policy_id}/{i}", policy_id, json.dumps(_with_variation(d, policy, i)))
        for i, d in enumerate(drawn)
    ]


def sample() -> Iterator[tuple[str, str, str]]:
    """(name, policy id, request JSON) for the whole sample."""
    yield from _examples()
    yield from _tables()
    yield from _evals()
    yield from _tau()
    for policy_id in REGISTRY.ids():
        if REGISTRY.get(policy_id).domain.id in ("retail", "saas"):  # what the strategies draw
            yield from _random(policy_id)


def load() -> list[dict[str, Any]]:
    """The stored sample: name, policy, request, and its verdict JSON or error."""
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def main(keep_requests: bool) -> None:
    stored = load() if keep_requests else []
    before = {row["name"]: row for row in stored}
    drawn = [(r["name"], r["policy"], r["request"]) for r in stored] if stored else sample()
    rows = []
    for name, policy_id, body in drawn:
        rows.append(
            {"name": name, "policy": policy_id, "request": body}
            | outcome(REGISTRY.get(policy_id), body)
        )
    for row in rows:
        if before and before[row["name"]] != row:
            print(f"changed: {row['name']}")
    with gzip.GzipFile(GOLDEN, "wb", mtime=0) as raw:
        raw.write("".join(json.dumps(row) + "\n" for row in rows).encode("utf-8"))
    errors = sum(row["error"] is not None for row in rows)
    print(f"{len(rows)} requests ({errors} refused) written to {GOLDEN}")


if __name__ == "__main__":
    main(keep_requests="--keep-requests" in sys.argv[1:])
