"""The audit store: migrations, group commit, constraint isolation, redaction."""

from __future__ import annotations

import asyncio
import functools
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from drafter.settings import Settings
from drafter.store import AuditStore, open_store
from drafter.store.audit import new_id, utcnow
from drafter.store.db import current_revision, database_url, head_revision, make_engine
from drafter.store.redact import redact_json, redact_text
from drafter.store.tables import ApiKeyRow, Base, DraftRow
from drafter.store.writer import GroupWriter, NewRow, _insert
from tests.api.conftest import make_settings


@pytest.fixture
def audit(database_url: str, tmp_path: Path) -> AuditStore:
    store = open_store(make_settings(database_url, tmp_path))
    yield store  # type: ignore[misc]
    store.engine.dispose()


KEYS = Base.metadata.tables["api_keys"]
DRAFTS = Base.metadata.tables["drafts"]


def key_row(key_id: str) -> NewRow:
    values = {
        "id": key_id, "name": key_id, "secret_sha256": "0" * 64, "rate_limit_per_minute": 1,
        "created_at": utcnow(), "revoked_at": None,
    }  # fmt: skip
    return NewRow(KEYS, values)


def draft_row(idempotency_key: str | None) -> NewRow:
    values = {
        "id": new_id("dr"), "created_at": utcnow(), "key_id": "k",
        "idempotency_key": idempotency_key, "body_sha256": "0" * 64, "policy_id": "p",
        "policy_version": "1", "policy_sha256": "0" * 64, "channel": "email", "tone": None,
        "decision": "decline", "rule": "r", "fallback": False, "repaired": False, "llm_calls": 1,
        "provider": "template", "model": "m", "template_version": "t", "prompt_sha256": "0" * 64,
        "request_json": "{}", "redacted": False, "reply_json": "{}",
    }  # fmt: skip
    return NewRow(DRAFTS, values)


def test_migrations_reach_head_and_create_every_table(audit: AuditStore) -> None:
    assert current_revision(audit.engine) == head_revision() is not None
    tables = set(inspect(audit.engine).get_table_names())
    assert {"api_keys", "verdicts", "drafts", "feedback", "alembic_version"} <= tables


def test_the_migrations_match_the_models(audit: AuditStore) -> None:
    """A model changed without a migration would show up here as a difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with audit.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    engine = make_engine(Settings(data_dir=tmp_path))
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    engine.dispose()
    assert (mode, sync) == ("wal", 2)  # 2 = FULL
    assert database_url(Settings(data_dir=tmp_path)) == f"sqlite:///{tmp_path / 'drafter.db'}"


def test_the_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(Settings(data_dir=data))
    with store.engine.begin() as connection:  # a write, so the -wal and -shm files exist
        connection.execute(KEYS.insert(), [key_row("k_mode").values])
    try:
        files = sorted(data.iterdir())
        assert [f.name for f in files] == ["drafter.db", "drafter.db-shm", "drafter.db-wal"]
        assert {f.stat().st_mode & 0o777 for f in files} == {0o600}
        assert data.stat().st_mode & 0o777 == 0o700
    finally:
        store.engine.dispose()


def test_postgresql_urls_get_the_psycopg_driver() -> None:
    settings = Settings(database_url="postgresql://u@127.0.0.1/db")
    assert database_url(settings) == "postgresql+psycopg://u@127.0.0.1/db"
    with pytest.raises(ValueError, match="sqlite"):
        Settings(database_url="mysql://u@h/db")


def test_the_writer_commits_concurrent_writes_in_batches(
    audit: AuditStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupWriter(audit.engine)
    calls: list[int] = []

    def counting(connection, rows):  # type: ignore[no-untyped-def]
        calls.append(len(rows))
        _insert(connection, rows)

    monkeypatch.setattr("drafter.store.writer._insert", counting)
    writer.start()

    async def burst() -> None:
        await asyncio.gather(*(writer.write([key_row(f"k{i}")]) for i in range(200)))

    asyncio.run(burst())
    writer.stop()
    with audit.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKeyRow)) == 200
    assert sum(calls) == 200
    assert len(calls) < 200  # at least some writes shared a transaction


def test_a_constraint_violation_fails_only_its_own_write(audit: AuditStore) -> None:
    writer = GroupWriter(audit.engine)
    writer.start()

    async def race() -> list[BaseException | None]:
        jobs = [writer.write([draft_row("same-key")]) for _ in range(5)]
        jobs += [writer.write([draft_row(None)]) for _ in range(5)]
        return await asyncio.gather(*jobs, return_exceptions=True)

    outcomes = asyncio.run(race())
    more = asyncio.run(race())  # the writer's connection survives a refused batch
    writer.stop()
    assert sum(1 for o in more if o is None) == 5
    assert sum(1 for o in outcomes if o is None) == 6  # one keyed draft and five unkeyed
    assert all(isinstance(o, IntegrityError) for o in outcomes if o is not None)
    with audit.session() as session:
        assert session.scalar(select(func.count()).select_from(DraftRow)) == 11


def test_rows_built_by_a_function_are_built_in_the_writer_thread(audit: AuditStore) -> None:
    """A function that builds its rows runs in the writer's thread, off the event loop; one
    that fails fails its own write alone, with its own error, and the batch commits."""
    writer = GroupWriter(audit.engine)
    writer.start()
    threads: list[str] = []

    def build(name: str) -> list[NewRow]:
        threads.append(threading.current_thread().name)
        return [key_row(name)]

    def broken() -> list[NewRow]:
        raise LookupError("no such field")

    async def burst() -> list[BaseException | None]:
        jobs = [writer.write(functools.partial(build, f"k{i}")) for i in range(20)]
        jobs.insert(10, writer.write(broken))
        return await asyncio.gather(*jobs, return_exceptions=True)

    outcomes = asyncio.run(burst())
    writer.stop()
    assert isinstance(outcomes[10], LookupError)
    assert outcomes[:10] + outcomes[11:] == [None] * 20
    assert set(threads) == {"drafter-writer"}
    with audit.session() as session:
        assert session.scalar(select(func.count()).select_from(ApiKeyRow)) == 20


def test_redaction_masks_contact_and_payment_details() -> None:
    text = (
        "Reach me at ana.ruiz@example.com or +1 (415) 555-0132. My card 4111 1111 1111 1111 "
        "was charged; ship to 742 Evergreen Terrace, Apt 3."
    )

    masked = redact_text(text)
    for secret in ("ana.ruiz", "555-0132", "4111", "Evergreen"):
        assert secret not in masked
    assert {"[email]", "[phone]", "[card]", "[address]"} <= set(masked.replace(".", " ").split())


def test_redaction_keeps_dates_amounts_and_non_card_numbers() -> None:
    assert redact_text("Order A-5521 of 2026-10-01 for 89.00 USD") == (
        "Order A-5521 of 2026-10-01 for 89.00 USD"
    )
    assert redact_text("1234 5678 9012 3456") == "[phone]"  # fails Luhn: not a card, still masked
    document = {"as_of": "2026-11-20", "price": "89.00", "message": "mail a@b.co", "n": 3}
    assert redact_json(document) == {
        "as_of": "2026-11-20",
        "price": "89.00",
        "message": "mail [email]",
        "n": 3,
    }


def test_redacted_requests_still_parse(ticket: dict[str, object]) -> None:
    from drafter.schemas import Request
    from drafter.store.records import request_json

    ticket["message"] = "Call me on 0044 20 7946 0958, or write to ana@example.org"
    request = Request.model_validate_json(json.dumps(ticket))
    stored = request_json(request, redact=True)
    again = Request.model_validate_json(stored)
    assert again.message == "Call me on [phone], or write to [email]"
    assert again.case == request.case
