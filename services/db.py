"""Engines and transactions for SQLite (embedded) and PostgreSQL (shared)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as exc_module
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseUnavailable(RuntimeError):
    pass


@contextmanager
def driver(connection: Connection, statement: str, params: Any) -> Iterator[Any]:
    """The psycopg connection under `connection`, to run `statement` straight on it.
    Errors surface as SQLAlchemy's, as if it had run the statement: a lost database is
    OperationalError (the API answers 503, a deadlock is retried) and a broken connection
    leaves the pool."""
    raw = connection.connection.driver_connection
    try:
        yield raw
    except raw.Error as exc:
        if raw.broken:
            connection.invalidate(exc)
        raise exc_module.DBAPIError.instance(statement, params, exc, type(raw).Error) from exc


def run_driver(
    session: Session, statement: str, params: dict[str, Any]
) -> tuple[list[str], tuple[Any, ...] | None]:
    """One statement straight on the session's psycopg connection, in its transaction:
    (column names, first row or None). For the hottest requests, whose ORM and Core
    overhead is most of their cost; the statement text is constant, so psycopg prepares it
    once per connection. (Sending the BEGIN in one pipeline with the statement cost more
    CPU than the round trip it saved.)"""
    with driver(session.connection(), statement, params) as raw:
        cursor = raw.execute(statement, params)
        row = cursor.fetchone()
    assert cursor.description is not None
    return [column.name for column in cursor.description], None if row is None else tuple(row)


def make_engine(url: str, *, pool_size: int = 20) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # As many connections at most as before (pool_size + as many overflow), but all of
        # them kept: SQLAlchemy closes an overflow connection at check-in whenever pool_size
        # others sit idle, and under load that reopened dozens a second (each a fork and a
        # backend start in PostgreSQL, milliseconds of CPU taken from the requests).
        engine = create_engine(url, pool_size=2 * pool_size, max_overflow=0, pool_timeout=30)
        _ping_when_idle(engine)
        return engine
    raise ValueError(
        f"unsupported database URL scheme {parsed.drivername!r}; "
        "expected sqlite:///PATH or postgresql+psycopg://USER@HOST/DB"
    )


# A pooled connection used this recently is alive (or its failure is noticed by the query,
# which invalidates the whole pool): pinging it would cost a round trip on every request.
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle a while (the database
    may have restarted meanwhile), not on every checkout as pool_pre_ping does."""

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        last = record.info.get("launchdesk_checkin")
        if last is None or time.monotonic() - last < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()
        except Exception as exc:
            # the pool replaces this connection with a fresh one and tries again
            raise exc_module.DisconnectionError(str(exc)) from exc

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["launchdesk_checkin"] = time.monotonic()


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling would BEGIN lazily and deferred; writers need
    # BEGIN IMMEDIATE so two claimers never both read the same row before one writes it.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One per process: hands out read and write transactions."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.dialect = self.engine.dialect.name
        writer = (
            self.engine.execution_options(sqlite_begin="IMMEDIATE")
            if self.dialect == "sqlite"
            else self.engine
        )
        # PostgreSQL: a read runs without BEGIN and ROLLBACK, two round trips fewer per
        # request. Nothing is lost: at READ COMMITTED every statement takes a snapshot of
        # its own anyway, inside a transaction or not.
        reader = (
            self.engine
            if self.dialect == "sqlite"
            else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        )
        self._reader = reader
        self._read = sessionmaker(reader, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        # close() (not rollback()) ends the transaction: objects read stay usable, detached.
        with self._read() as session:
            yield session

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read as a bare Core connection: for the lookups every request makes, where an
        ORM session (its transaction bookkeeping, open and close) costs more than the query."""
        with self._reader.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction; pending change-feed entries are appended last, then commit."""
        from services import changes  # late: changes imports models which import nothing of db

        with self._write() as session:
            try:
                yield session
                changes.flush_pending(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
