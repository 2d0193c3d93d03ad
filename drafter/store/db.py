"""Engines and migrations for the audit store.

SQLite (the default, at ``<data_dir>/drafter.db``) runs in WAL mode with ``synchronous=FULL``
unless configured otherwise, so a committed row survives a crash of the process and of the
machine. PostgreSQL is used when ``DRAFTER_DATABASE_URL`` names it (driver: psycopg 3).
Migrations are Alembic scripts shipped inside the package, so an installed wheel can upgrade
its own database.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from drafter.errors import ConfigError
from drafter.settings import Settings

__all__ = [
    "current_revision",
    "database_url",
    "head_revision",
    "make_engine",
    "migrate",
    "redacted_url",
]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL to use: the configured one (``postgresql://`` gets psycopg 3), or a
    SQLite file under the data directory."""
    url = settings.database_url
    if url is None:
        return f"sqlite:///{settings.data_dir / 'drafter.db'}"
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def redacted_url(url: str) -> str:
    """The URL with any password hidden, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(settings: Settings) -> Engine:
    """An engine for the audit store, with SQLite tuned for durability and concurrency."""
    url = database_url(settings)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, settings)
    # Enough connections for the threads that write and read concurrently.
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_engine(url: str, settings: Settings) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        _private_file(Path(path))
    engine = create_engine(url, pool_size=10, max_overflow=20, connect_args={"timeout": 30})
    synchronous = settings.sqlite_synchronous

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _private_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite does (with the
    umask's 0644): it holds customers' messages. SQLite gives its -wal and -shm files the
    database file's mode. A file that already exists keeps the mode its owner gave it."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise ConfigError(f"cannot create the database file {path}: {error}") from None


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to the newest schema, or to ``revision`` (a no-op when it is
    there already)."""
    command.upgrade(_alembic_config(engine), revision)


@functools.cache
def head_revision() -> str | None:
    """The newest migration shipped with this version of drafter."""
    return ScriptDirectory.from_config(
        _alembic_config(create_engine("sqlite://"))
    ).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None before the first migration)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
