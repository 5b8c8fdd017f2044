"""A claim leaves the same records on both databases (PostgreSQL claims in one SQL
statement of its own, SQLite through the ORM): the audit row's before and after are the
callback's snapshot, one history row, one change-feed entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services import callbacks
from services.accounts import Principal
from services.models import AuditEntry, Callback, Change, StatusHistory, User
from services.timeutil import utcnow
from tests.support.people import make_customers


@pytest.mark.parametrize("micros", [0, 123456], ids=["whole-second", "fractional"])
def test_claim_audit_history_and_feed_match_the_snapshot(db, micros: int) -> None:
    [customer] = make_customers(db, 1)
    due = (utcnow() - timedelta(minutes=5)).replace(microsecond=micros)
    with db.write() as s:
        agent = User(username="claim.agent", display_name="Agent", role="agent", password_hash="x")
        s.add(agent)
        s.flush()
        principal = Principal(agent.id, agent.username, agent.role, agent.display_name)
        [cb, _] = callbacks.request(s, customer_id=customer, topic="delivery", actor="t")
        s.flush()
        s.execute(update(Callback).where(Callback.id == cb.id).values(not_before=due, priority=3))
        cb_id = cb.id
    with db.write() as s:
        last_change = s.scalar(select(Change.seq).order_by(Change.seq.desc()).limit(1)) or 0
        claimed = callbacks.claim_next(s, principal=principal)
        assert claimed is not None and claimed.id == cb_id
        assert (claimed.status, claimed.claimed_by) == ("claimed", principal.user_id)
    with db.read() as s:
        row = s.get(Callback, cb_id)
        expected_after = callbacks._snapshot(row)
        [entry] = s.scalars(select(AuditEntry).where(AuditEntry.action == "callback.claim")).all()
        assert entry.actor == "claim.agent" and entry.entity_id == str(cb_id)
        assert entry.after == expected_after
        assert entry.before == {**expected_after, "status": "queued", "claimed_by": None}
        not_before = expected_after["not_before"]
        assert not_before.endswith("Z") and ("." in not_before) == bool(micros)
        moves = s.execute(
            select(StatusHistory.from_status, StatusHistory.to_status, StatusHistory.actor).where(
                StatusHistory.subject_type == "callback", StatusHistory.subject_id == cb_id
            )
        ).all()
        assert ("queued", "claimed", "claim.agent") in [tuple(m) for m in moves]
        feed = s.execute(
            select(Change.kind, Change.entity_id).where(Change.seq > last_change)
        ).all()
        assert ("callback", str(cb_id)) in [tuple(f) for f in feed]


def _claim_buffers(db, principal: Principal) -> int:
    """Shared buffers one claim statement touches (run, measured, rolled back)."""
    now = utcnow()
    params = {
        "now": now,
        "me": principal.user_id,
        "lease": now + timedelta(minutes=10),
        "actor": principal.username,
    }
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        [[plan]] = raw.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + callbacks._PG_CLAIM_GUARDED, params
        ).fetchall()
        connection.rollback()
    top = plan[0]["Plan"]
    return top["Shared Hit Blocks"] + top["Shared Read Blocks"]


@pytest.mark.postgres
def test_a_claim_costs_the_same_however_many_callbacks_are_claimed(db) -> None:
    # Every claim first checks for lapsed leases. Asked as "a claimed callback whose lease
    # ran out", the planner walked every claimed row when its statistics were from before a
    # shift's claims (1.5 ms of server CPU a claim at 5,000 claimed); the earliest lease off
    # the lease index is one entry, whatever the statistics say.
    [customer] = make_customers(db, 1)
    now = utcnow()
    with db.write() as s:
        agent = User(username="busy.agent", display_name="Agent", role="agent", password_hash="x")
        s.add(agent)
        s.flush()
        principal = Principal(agent.id, agent.username, agent.role, agent.display_name)
        s.execute(
            Callback.__table__.insert(),
            [
                {
                    "customer_id": customer,
                    "topic": f"t{i}",
                    "status": "queued",
                    "priority": 0,
                    "weight": 0,
                    "not_before": now - timedelta(minutes=1),
                    "attempts": 0,
                    "requests": 1,
                    "created_by": "t",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(3000)
            ],
        )
    with db.engine.connect() as connection:  # statistics from before the shift: none claimed
        connection.exec_driver_sql("ANALYZE callbacks")
        connection.commit()

    def claim(n: int) -> None:
        with db.write() as s:
            ids = select(Callback.id).where(Callback.status == "queued").limit(n)
            s.execute(
                update(Callback)
                .where(Callback.id.in_(ids.scalar_subquery()))
                .values(
                    status="claimed",
                    claimed_by=principal.user_id,
                    lease_expires_at=utcnow() + timedelta(minutes=10),
                )
            )

    claim(10)
    _claim_buffers(db, principal)  # the first scan past the claimed rows' old entries
    few = _claim_buffers(db, principal)  # marks them dead for the next: measure that one
    claim(2500)
    _claim_buffers(db, principal)
    many = _claim_buffers(db, principal)
    assert many < few + 50, f"{few} buffers at 10 claimed, {many} at 2,510 claimed"
