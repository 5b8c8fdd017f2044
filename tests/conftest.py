"""Shared fixtures: a real database (SQLite file or the local PostgreSQL) and a real
backend on loopback.

LAUNCHDESK_TEST_DATABASE=postgresql runs the whole suite against PostgreSQL
(LAUNCHDESK_TEST_PG_URL, default postgresql+psycopg://postgres@127.0.0.1/test).
"""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Cheap password hashing for the many accounts tests create; set before services import it.
os.environ.setdefault("LAUNCHDESK_ARGON2_TIME_COST", "1")
os.environ.setdefault("LAUNCHDESK_ARGON2_MEMORY_KIB", "1024")
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from services.db import Database
from services.migrate import upgrade
from services.models import Base
from services.server import ThreadedServer
from tests.support.client import Api

BACKEND = os.environ.get("LAUNCHDESK_TEST_DATABASE", "sqlite")
PG_URL = os.environ.get("LAUNCHDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/test")


def pytest_report_header() -> str:
    return f"launchdesk test database: {BACKEND}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--runslow", action="store_true", help="also run the long variants (@pytest.mark.slow)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(
        reason="PostgreSQL-only; run with LAUNCHDESK_TEST_DATABASE=postgresql"
    )
    skip_slow = pytest.mark.skip(reason="a long variant; run with --runslow")
    for item in items:
        if "postgres" in item.keywords and BACKEND != "postgresql":
            item.add_marker(skip_pg)
        if "slow" in item.keywords and not config.getoption("--runslow"):
            item.add_marker(skip_slow)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


@pytest.fixture(scope="session")
def _pg_migrated() -> str:
    db = Database(PG_URL, pool_size=2)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(db.engine)
    db.dispose()
    return PG_URL


def _fresh_pg(url: str) -> Database:
    db = Database(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return db


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for this test."""
    if BACKEND == "postgresql":
        url = request.getfixturevalue("_pg_migrated")
        _fresh_pg(url).dispose()
        return url
    template = request.getfixturevalue("_sqlite_template")
    path = tmp_path / "launchdesk.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def fresh_database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A factory of fresh, migrated databases, for tests that need several (hypothesis)."""
    counter = iter(range(10**9))

    def make() -> Database:
        if BACKEND == "postgresql":
            return _fresh_pg(request.getfixturevalue("_pg_migrated"))
        template = request.getfixturevalue("_sqlite_template")
        path = tmp_path_factory.mktemp("fresh") / f"db{next(counter)}.sqlite3"
        shutil.copyfile(template, path)
        return Database(f"sqlite:///{path}")

    return make


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def server(db: Database) -> Iterator[ThreadedServer]:
    srv = ThreadedServer(db, outbox=False).start()
    yield srv
    srv.stop()


@pytest.fixture
def api(server: ThreadedServer, db: Database) -> Api:
    return Api(server.url, db)
