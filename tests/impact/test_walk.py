"""What a walk through the stored requests sees when requests are committed during it.

``created_at`` is set when a request is decided, a moment before the group commit, so a
request can be committed after a walk has passed its ``created_at`` (here: a row inserted in
the middle of a walk, with a ``created_at`` the walk has already gone past). What is promised,
on SQLite and PostgreSQL (``drafter/store/replay.py`` and ``listing.py`` say why no more):

- a replay reads each table as it was when its read began: every request committed before is
  replayed once; one committed during the read is not, whatever its ``created_at``, and is in
  the next replay. The newest-N read (the console's cap) keeps its order under the same rule;
- the drafts list's cursor never repeats a draft and never skips one stored before the walk.
"""

from __future__ import annotations

import datetime as dt

import pytest

import drafter.store.replay
from drafter.policy import load_policy
from drafter.store import AuditStore, DraftFilter, RequestScope
from tests.impact.seeded import POLICY, request, stored_row

T0 = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


@pytest.fixture
def store(empty_store: AuditStore, monkeypatch: pytest.MonkeyPatch) -> AuditStore:
    # One row per fetch, so the walk is still reading the table when the late row commits.
    monkeypatch.setattr(drafter.store.replay, "BATCH", 1)
    return empty_store


def add(store: AuditStore, source: str, minutes: int) -> str:
    row = stored_row(source, request(), load_policy(POLICY), created_at=at(minutes))
    store.insert([row])
    return row.id


SCOPE = RequestScope("mini-store")


def test_a_replay_sees_the_tables_as_they_were_when_it_began(store: AuditStore) -> None:
    before = {add(store, "draft", m) for m in (0, 20, 40)} | {add(store, "verdict", 30)}
    walk = store.stored_requests(SCOPE)
    seen = [next(walk).id]
    late = add(store, "draft", 10)  # committed mid-walk, stamped before rows already read
    seen += [row.id for row in walk]
    assert sorted(seen) == sorted(before)  # each once; the late one not at all
    assert {row.id for row in store.stored_requests(SCOPE)} == before | {late}  # next replay


def test_the_newest_few_come_newest_first_and_keep_to_the_same_rule(store: AuditStore) -> None:
    drafts = [add(store, "draft", m) for m in (0, 20, 40)]
    verdicts = [add(store, "verdict", m) for m in (10, 30)]
    newest = RequestScope("mini-store", newest=3)
    walk = store.stored_requests(newest)
    first = next(walk)
    add(store, "draft", 35)  # late, and newer than two of the three being read
    add(store, "verdict", 50)
    assert [first.id, *(row.id for row in walk)] == [drafts[2], verdicts[1], drafts[1]]
    everything = RequestScope("mini-store", newest=100)
    assert [r.created_at for r in store.stored_requests(everything)] == [
        at(m) for m in (50, 40, 35, 30, 20, 10, 0)
    ]


def test_the_drafts_list_never_repeats_or_skips_a_draft_stored_before_the_walk(
    store: AuditStore,
) -> None:
    stored = [add(store, "draft", m) for m in (0, 20, 40)]
    seen: list[str] = []
    after = None
    late: list[str] = []
    while page := store.drafts_page("default", DraftFilter(), after=after, limit=1):
        seen += [d.id for d in page]
        after = page[-1].position
        if len(seen) == 2:  # at 20 minutes: one draft commits behind the cursor, one ahead
            late = [add(store, "draft", 30), add(store, "draft", 10)]
    assert seen == [stored[2], stored[1], late[1], stored[0]]  # the one at 30 min is missed
    whole = store.drafts_page("default", DraftFilter(), after=None, limit=10)
    assert [d.id for d in whole] == [stored[2], late[0], stored[1], late[1], stored[0]]
