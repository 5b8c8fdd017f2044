"""The change feed: every committed change, numbered in commit order.

A reader asking "after N" must never miss a change that commits later with a smaller
number. Sequence numbers are therefore taken at the very end of a write transaction while
holding a lock that lasts until commit: on PostgreSQL a transaction-scoped advisory lock,
on SQLite the database's single writer lock (BEGIN IMMEDIATE). A number is only ever
handed out to the next committer, so numbers become visible in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.db import driver
from services.models import Change
from services.timeutil import utcnow

FEED_LOCK_KEY = 0x4C44_4348  # "LDCH"
_PENDING = "launchdesk_pending_changes"


@dataclass(frozen=True)
class ChangeEntry:
    seq: int
    kind: str
    id: str
    customer_id: int | None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"seq": self.seq, "kind": self.kind, "id": self.id}
        if self.customer_id is not None:
            out["customer_id"] = self.customer_id
        return out


def record(session: Session, kind: str, entity_id: object, customer_id: int | None = None) -> None:
    """Note a change; it is written when the transaction commits (Database.write)."""
    pending: dict[tuple[str, str], int | None] = session.info.setdefault(_PENDING, {})
    pending[(kind, str(entity_id))] = customer_id


def flush_pending(session: Session) -> None:
    pending: dict[tuple[str, str], int | None] = session.info.pop(_PENDING, {})
    if not pending:
        return
    # The transaction's own writes go out first: the feed lock is held from the moment the
    # numbers are taken until commit, and every writer waits for it, so it must cover as
    # little as possible.
    session.flush()
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        # Lock and numbers in one statement (the lock, a volatile CTE evaluated once, is
        # taken before the first row reaches the insert and its sequence default), and the
        # COMMIT sent right behind it in one pipeline: the lock is then held for the
        # server's own work only, never while this process waits for its turn on the GIL
        # (which, with many requests in flight, held every writer up for milliseconds).
        # The session's later commit finds the transaction already committed: a no-op.
        params = {
            "k": FEED_LOCK_KEY,
            "kinds": [kind for kind, _ in pending],
            "ids": [entity_id for _, entity_id in pending],
            "customers": list(pending.values()),
            "at": now,
        }
        with driver(session.connection(), _PG_APPEND, params) as raw, raw.pipeline():
            raw.execute(_PG_APPEND, params)
            raw.commit()
        return
    session.execute(
        insert(Change),
        [
            {"kind": kind, "entity_id": entity_id, "customer_id": customer_id, "at": now}
            for (kind, entity_id), customer_id in pending.items()
        ],
    )


_PG_APPEND = (
    "WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(%(k)s)) "
    "INSERT INTO changes (kind, entity_id, customer_id, at) "
    "SELECT v.kind, v.entity_id, v.customer_id, %(at)s FROM feed_lock CROSS JOIN "
    "unnest(CAST(%(kinds)s AS varchar[]), CAST(%(ids)s AS varchar[]), "
    "CAST(%(customers)s AS bigint[])) "
    "WITH ORDINALITY AS v(kind, entity_id, customer_id, n) ORDER BY v.n"
)


def last_seq(session: Session | Connection) -> int:
    return int(session.scalar(_LAST_SEQ) or 0)


_LAST_SEQ = select(func.coalesce(func.max(Change.seq), 0))


def read_after(session: Session | Connection, after: int, limit: int) -> list[ChangeEntry]:
    return [ChangeEntry(*row) for row in rows_after(session, after, limit)]


def rows_after(session: Session | Connection, after: int, limit: int) -> Sequence[Any]:
    """The entries after `after` as plain rows (seq, kind, id, customer_id), in order."""
    params = {"after": after, "limit": limit}
    if isinstance(session, Connection) and session.dialect.name == "postgresql":
        # Straight on the driver: each serve process's feed tail reads every entry
        # (thousands a second under a flood of ingest), and SQLAlchemy's result handling
        # doubled the cost.
        with driver(session, _AFTER_PG, params) as raw:
            return raw.execute(_AFTER_PG, params).fetchall()
    return session.execute(_AFTER, params).all()


_AFTER = (
    select(Change.seq, Change.kind, Change.entity_id, Change.customer_id)
    .where(Change.seq > bindparam("after"))
    .order_by(Change.seq)
    .limit(bindparam("limit"))
)
_AFTER_PG = str(_AFTER.compile(dialect=postgresql.dialect()))
