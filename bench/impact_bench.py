"""Impact replay throughput: stored requests read from the audit store, evaluated by a
candidate policy and tallied, per second (``drafter policy impact``'s whole path, minus the
printing).

The store is seeded with N requests of ``retail-standard``: its test table's requests cycled,
each with its own ticket and customer id (so no two stored requests are the same text), half
stored as drafts (the verdict inside a reply with a 1.5 kB draft text, as the API stores it),
half as verdicts, each with the verdict the policy gives it. The candidate extends the standard
window from 30 to 45 days. Each N runs on a fresh database; the timing starts once the rows
are committed. Wall time and CPU time (this process and the workers) are both printed: the
CPU figure is what the replay costs whatever else the machine runs. Never asserted.

    .venv/bin/python bench/impact_bench.py [--n 10000,100000] [--jobs 1,2] [--breakdown]
    DRAFTER_DATABASE_URL=postgresql://... .venv/bin/python bench/impact_bench.py   # PostgreSQL
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete

from drafter.impact import open_candidate, run_impact
from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, decide, evaluate
from drafter.policy.tables import build_request, load_table
from drafter.settings import Settings
from drafter.store import RequestScope, brief_json, open_store
from drafter.store.audit import new_id, utcnow
from drafter.store.tables import DraftRow, VerdictRow

POLICY = "retail-standard"
DRAFT_TEXT = "Dear customer, thank you for writing to us about your order. " * 24  # ~1.5 kB


def templates(registry: PolicyRegistry) -> list[tuple[dict[str, Any], str, str]]:
    """Every test-table request the policy accepts, with the verdict JSON it gets and the
    verdict's brief, as the store writes them."""
    table, _ = load_table(registry.tests_path(POLICY))
    policy = registry.get(POLICY)
    found = []
    for case in table.cases:
        request = json.loads(json.dumps(build_request(table.base, case), default=str))
        try:
            verdict = evaluate(policy, parse_request(json.dumps(request).encode()))
        except Exception:  # the table's error cases
            continue
        found.append((request, verdict.model_dump_json(), brief_json(verdict)))
    return found


def _row(
    number: int, request: dict[str, Any], verdict_json: str, brief: str
) -> tuple[type, dict[str, Any]]:
    request = request | {"ticket_id": f"T-{number}"}
    request["customer"] = request["customer"] | {"id": f"c-{number}"}
    verdict = json.loads(verdict_json)
    values: dict[str, Any] = {
        "created_at": utcnow(),
        "tenant": "default",
        "key_id": "bench",
        "policy_id": POLICY,
        "policy_version": verdict["policy"]["version"],
        "policy_sha256": verdict["policy"]["sha256"],
        "decision": verdict["decision"],
        "rule": verdict["rule"],
        "request_json": json.dumps(request),
        "redacted": False,
        "brief_json": brief,
    }
    if number % 2:
        return VerdictRow, values | {"id": new_id("vd"), "verdict_json": verdict_json}
    reply = {"verdict": verdict, "draft": {"body": DRAFT_TEXT}, "fallback": False}
    return DraftRow, values | {
        "id": new_id("dr"),
        "idempotency_key": None,
        "body_sha256": "0" * 64,
        "channel": request.get("channel", "email"),
        "tone": None,
        "fallback": False,
        "repaired": False,
        "llm_calls": 1,
        "provider": "openai",
        "model": "bench",
        "template_version": "bench",
        "prompt_sha256": "0" * 64,
        "reply_json": json.dumps(reply),
    }


def seed(settings: Settings, n: int, pool: list[tuple[dict[str, Any], str, str]]) -> float:
    """Store ``n`` requests in batches; returns the seconds it took."""
    store = open_store(settings)
    start = time.perf_counter()
    with store.engine.begin() as connection:
        for table in (DraftRow, VerdictRow):
            connection.execute(delete(table))
    rows = (_row(i, *template) for i, template in enumerate(islice(cycle(pool), n)))
    while batch := list(islice(rows, 5_000)):
        with store.engine.begin() as connection:
            for table in (DraftRow, VerdictRow):
                values = [v for t, v in batch if t is table]
                if values:
                    connection.execute(table.__table__.insert(), values)  # type: ignore[attr-defined]
    store.close()
    return time.perf_counter() - start


def candidate_file(registry: PolicyRegistry, folder: Path) -> Path:
    text = registry.path(POLICY).read_text()
    changed = text.replace("{standard: 30, silver: 45", "{standard: 45, silver: 45")
    assert changed != text
    path = folder / f"{POLICY}-45.yaml"
    path.write_text(changed)
    return path


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the worker processes, which
    have all ended when ``run_impact`` returns): on a shared machine, wall time says more
    about the neighbours than about the replay."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def replay(settings: Settings, registry: PolicyRegistry, path: Path, jobs: int) -> dict[str, Any]:
    store = open_store(settings)
    try:
        with open_candidate(str(path), POLICY, registry) as candidate:
            start, cpu = time.perf_counter(), _cpu()
            impact = run_impact(store, RequestScope(policy=POLICY), candidate, jobs=jobs)
            seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    finally:
        store.close()
    tally = impact.tally
    read = tally.replayed + len(tally.unevaluable)
    return {
        "jobs": jobs,
        "read": read,
        "seconds": round(seconds, 2),
        "per_second": round(read / seconds),
        "cpu_s": round(cpu, 2),
        "per_cpu_second": round(read / cpu),
        "changed": tally.changed,
        "cannot_evaluate": len(tally.unevaluable),
    }


def breakdown(settings: Settings, registry: PolicyRegistry, path: Path) -> dict[str, float]:
    """Microseconds per row for each stage, in one process: reading from the store, parsing
    the stored request, parsing the stored verdict, the candidate's decide, and the tally."""
    from drafter.impact.replay import Tally, _request, _verdict_json, answer_of, stored_answer

    store = open_store(settings)
    with open_candidate(str(path), POLICY, registry) as candidate:
        start = time.perf_counter()
        rows = list(store.stored_requests(RequestScope(policy=POLICY)))
        stages = {"read": time.perf_counter() - start}
        start = time.perf_counter()
        requests = [_request(row) for row in rows]
        stages["parse request"] = time.perf_counter() - start
        start = time.perf_counter()
        befores = [stored_answer(_verdict_json(row)) for row in rows]
        stages["parse stored verdict"] = time.perf_counter() - start
        start = time.perf_counter()
        verdicts = [decide(candidate.policy, request) for request in requests]
        stages["decide"] = time.perf_counter() - start
        start = time.perf_counter()
        tally = Tally()
        for row, before, verdict in zip(rows, befores, verdicts, strict=True):
            tally.add(row, before, answer_of(verdict))
        stages["tally"] = time.perf_counter() - start
    store.close()
    return {stage: round(seconds / len(rows) * 1e6, 1) for stage, seconds in stages.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="10000,100000", help="stored requests, comma-separated")
    parser.add_argument("--jobs", default="1,2", help="worker processes, comma-separated")
    parser.add_argument(
        "--breakdown", action="store_true", help="also the time of each stage, per row"
    )
    args = parser.parse_args()
    settings = Settings()
    registry = PolicyRegistry(settings.policies_dir)
    pool = templates(registry)
    with tempfile.TemporaryDirectory(prefix="drafter-impact-bench-") as folder:
        if settings.database_url is None:
            settings = Settings(data_dir=Path(folder), sqlite_synchronous="NORMAL")
        database = "postgresql" if settings.database_url else "sqlite"
        path = candidate_file(registry, Path(folder))
        for n in (int(x) for x in args.n.split(",")):
            seeded = seed(settings, n, pool)
            for jobs in (int(x) for x in args.jobs.split(",")):
                result = replay(settings, registry, path, jobs)
                figures = {"database": database, "n": n, "seed_s": round(seeded, 1)} | result
                print(json.dumps(figures), flush=True)
            if args.breakdown:
                print(json.dumps({"n": n, "us_per_row": breakdown(settings, registry, path)}))
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
