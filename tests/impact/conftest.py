"""An empty audit store for the impact tests, on SQLite and on PostgreSQL, with the mini-store
pack (tests/policy/fixtures/shop) as the policies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from drafter.settings import Settings
from drafter.store import AuditStore, opened_store
from tests.api.conftest import database_url  # noqa: F401  # the fixture: SQLite and PostgreSQL
from tests.impact.seeded import FIXTURES


@pytest.fixture
def empty_store(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AuditStore]:
    monkeypatch.setenv("DRAFTER_DATABASE_URL", database_url)
    monkeypatch.setenv("DRAFTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("DRAFTER_POLICIES_DIR", str(FIXTURES))
    with opened_store(Settings()) as opened:
        yield opened
