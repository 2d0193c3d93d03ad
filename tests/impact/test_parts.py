"""A replay in N worker processes reads the stored requests in N parts, dealt out by a
character of the id: the parts must not overlap and together must hold every row, ids written
some other way included, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import replace

import pytest

from drafter.policy import load_policy
from drafter.store import AuditStore, RequestScope, reader
from tests.impact.seeded import POLICY, request, stored_row

T0 = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
SCOPE = RequestScope("mini-store")
# Ids not made by new_id: digits and capitals base32 lacks, a dash, one character long.
ODD_IDS = ["vd_LEGACY-0019", "vd_1", "dr_8", "x", "dr_uuid-9F3A-00"]


@pytest.fixture
def store(empty_store: AuditStore) -> AuditStore:
    policy = load_policy(POLICY)
    rows = [
        stored_row("draft" if n % 2 else "verdict", request(), policy, created_at=T0)
        for n in range(200)
    ]
    for row, odd in zip(rows, ODD_IDS, strict=False):
        row.id = odd
    empty_store.insert(rows)
    return empty_store


@pytest.mark.parametrize("jobs", [1, 2, 3, 7, 32, 40])
def test_the_parts_are_disjoint_and_hold_every_row(store: AuditStore, jobs: int) -> None:
    everything = Counter(row.id for row in store.stored_requests(SCOPE))
    assert len(everything) == 200
    assert set(ODD_IDS) <= set(everything)
    parts = [
        Counter(row.id for row in store.stored_requests(replace(SCOPE, part=(k, jobs))))
        for k in range(jobs)
    ]
    assert sum(parts, Counter()) == everything  # each row in exactly one part
    if jobs <= 3:  # five random bits: the parts are of like size
        assert min(sum(p.values()) for p in parts) > 200 / jobs / 2


def test_a_part_that_does_not_exist_is_refused(store: AuditStore) -> None:
    with pytest.raises(ValueError, match="part 2 of 2"):
        list(store.stored_requests(replace(SCOPE, part=(2, 2))))


def test_a_reader_on_the_stores_url_sees_the_same_rows(store: AuditStore) -> None:
    """What a replay's worker opens: the URL carries PostgreSQL's password."""
    other = reader(store.engine.url)
    try:
        assert {r.id for r in other.stored_requests(SCOPE)} == {
            r.id for r in store.stored_requests(SCOPE)
        }
    finally:
        other.close()
