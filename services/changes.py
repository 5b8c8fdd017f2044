"""The change feed: every committed change, numbered in commit order.

A reader asking "after N" must never miss a change that commits later with a smaller
number. Sequence numbers are therefore taken at the very end of a write transaction while
holding a lock that lasts until commit: on PostgreSQL a transaction-scoped advisory lock,
on SQLite the database's single writer lock (BEGIN IMMEDIATE). A number is only ever
handed out to the next committer, so numbers become visible in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK_KEY})
    now = utcnow()
    session.execute(
        insert(Change),
        [
            {"kind": kind, "entity_id": entity_id, "customer_id": customer_id, "at": now}
            for (kind, entity_id), customer_id in pending.items()
        ],
    )


def last_seq(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(Change.seq), 0))) or 0)


def read_after(session: Session, after: int, limit: int) -> list[ChangeEntry]:
    rows = session.execute(
        select(Change.seq, Change.kind, Change.entity_id, Change.customer_id)
        .where(Change.seq > after)
        .order_by(Change.seq)
        .limit(limit)
    ).all()
    return [ChangeEntry(r.seq, r.kind, r.entity_id, r.customer_id) for r in rows]
