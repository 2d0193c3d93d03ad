"""Fixtures for the API tests: an app on SQLite or on the real PostgreSQL server that
``.ci/with-postgres`` starts (tests on PostgreSQL are skipped only when
DRAFTER_TEST_DATABASE_URL is absent), a key, and a sample request."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from drafter.api import create_app
from drafter.keys import Role, create_key
from drafter.settings import Settings
from drafter.store import AuditStore
from drafter.testing.llm_server import LLMServer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "policy" / "fixtures"
POSTGRES_URL = os.environ.get("DRAFTER_TEST_DATABASE_URL")


def postgres_schema_url(base: str) -> Iterator[str]:
    """A fresh schema on the test server, dropped afterwards; the URL selects it."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                POSTGRES_URL is None, reason="DRAFTER_TEST_DATABASE_URL is not set"
            ),
        ),
    ]
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store-backed test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
    else:
        assert POSTGRES_URL is not None
        yield from postgres_schema_url(POSTGRES_URL)


def make_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "policies_dir": FIXTURES,
        "database_url": database_url,
        "key_cache_seconds": 0,
        "rate_limit_per_minute": 1000,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def store(client: TestClient) -> AuditStore:
    store: AuditStore = client.app.state.services.store  # type: ignore[attr-defined]
    return store


@pytest.fixture
def token(store: AuditStore) -> str:
    token, _ = create_key(store, "tests", rate_limit_per_minute=1000)
    return token


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    """An agent's key: the role every helpdesk integration gets by default."""
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_auth(store: AuditStore) -> dict[str, str]:
    token, _ = create_key(store, "ops", rate_limit_per_minute=1000, role=Role.admin)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def ticket() -> dict[str, Any]:
    """A return request that mini-store declines (outside the window)."""
    data: dict[str, Any] = json.loads((FIXTURES / "request.json").read_text())
    return data


def llm_settings(server: LLMServer, database_url: str, tmp_path: Path, **more: Any) -> Settings:
    """Settings whose drafts are written by the scripted OpenAI-compatible server."""
    values: dict[str, Any] = {
        "llm_base_url": server.base_url,
        "llm_model": "test-model",
        "llm_api_key": "sk-test",
        "llm_timeout_s": 5.0,
        "llm_deadline_s": 10.0,
    }
    return make_settings(database_url, tmp_path, **(values | more))


@pytest.fixture
def drafting(
    llm_server: LLMServer, database_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """A client of an app that drafts with the scripted LLM, and a key's headers."""
    app = create_app(llm_settings(llm_server, database_url, tmp_path))
    with TestClient(app, raise_server_exceptions=False) as client:
        token, _ = create_key(app.state.services.store, "drafts", rate_limit_per_minute=1000)
        yield client, {"Authorization": f"Bearer {token}"}
