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
