"""Presence: who has a customer open, who holds a callback for them; expiry and purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services import accounts, callbacks, changes, presence
from services.accounts import Principal
from services.errors import NotFound
from services.models import Callback, Change
from services.presence_models import Presence
from services.timeutil import as_utc, utcnow
from tests.support.people import make_customers


def staff(db, username: str, role: str = "agent", display_name: str | None = None) -> Principal:
    with db.write() as s:
        user = accounts.add_user(
            s, username=username, role=role, password="secret-pass-1", display_name=display_name
        )
        return Principal(user.id, user.username, user.role, user.display_name)


def presence_changes(db, customer_id: int) -> int:
    with db.read() as s:
        return len(
            s.scalars(
                select(Change.seq).where(
                    Change.kind == "presence", Change.customer_id == customer_id
                )
            ).all()
        )


def test_another_viewer_is_seen_with_name_role_and_since_but_never_yourself(db) -> None:
    [cid] = make_customers(db, 1)
    kim = staff(db, "kim", display_name="상담원 김")
    lee = staff(db, "lee", role="lead", display_name="리드 이")
    with db.write() as s:
        presence.touch(s, customer_id=cid, principal=kim)
    with db.read() as s:
        assert presence.others(s, customer_id=cid, principal=kim) == []
        [seen] = presence.others(s, customer_id=cid, principal=lee)
    assert (seen["username"], seen["display_name"], seen["role"]) == ("kim", "상담원 김", "agent")
    assert seen["viewing"] is True and seen["callbacks"] == []
    assert seen["since"] == seen["viewing_since"] and seen["expires_at"] > seen["since"]


def test_renewal_keeps_since_and_tells_the_feed_only_of_arrivals_and_departures(db) -> None:
    [cid] = make_customers(db, 1)
    kim = staff(db, "kim")
    with db.write() as s:
        first = presence.touch(s, customer_id=cid, principal=kim)
        since, expires = first.since, first.expires_at
    assert presence_changes(db, cid) == 1
    with db.write() as s:
        again = presence.touch(s, customer_id=cid, principal=kim)
        assert as_utc(again.since) == as_utc(since)
        assert as_utc(again.expires_at) >= as_utc(expires)
    assert presence_changes(db, cid) == 1  # a renewal is not news
    with db.write() as s:
        assert presence.leave(s, customer_id=cid, principal=kim) is True
    assert presence_changes(db, cid) == 2
    with db.write() as s:
        assert presence.leave(s, customer_id=cid, principal=kim) is False
    assert presence_changes(db, cid) == 2


def test_an_expired_row_counts_for_nothing_and_the_next_renewal_purges_it(db) -> None:
    first, second = make_customers(db, 2)
    kim, lee = staff(db, "kim"), staff(db, "lee")
    with db.write() as s:
        presence.touch(s, customer_id=first, principal=kim)
    # kim's console was killed a minute ago: its row was last renewed 46 s before that
    with db.write() as s:
        s.execute(update(Presence).values(expires_at=utcnow() - timedelta(seconds=1)))
    with db.read() as s:
        assert presence.others(s, customer_id=first, principal=lee) == []
    before = presence_changes(db, first)
    with db.write() as s:  # anyone's renewal, on any customer, sweeps it away
        presence.touch(s, customer_id=second, principal=lee)
    with db.read() as s:
        assert s.get(Presence, (first, kim.user_id)) is None
    assert presence_changes(db, first) == before + 1  # the screens showing kim drop him


def test_ttl_is_bounded_by_the_backend(db) -> None:
    [cid] = make_customers(db, 1)
    kim = staff(db, "kim")
    with db.write() as s:
        row = presence.touch(s, customer_id=cid, principal=kim, ttl_seconds=3600)
        assert row.expires_at - row.seen_at == timedelta(seconds=presence.TTL_SECONDS)
        row = presence.touch(s, customer_id=cid, principal=kim, ttl_seconds=1)
        assert row.expires_at - row.seen_at == timedelta(seconds=presence.MIN_TTL_SECONDS)


def test_callback_holders_are_shown_claimed_or_assigned(db) -> None:
    [cid] = make_customers(db, 1)
    kim, lee, boss = staff(db, "kim"), staff(db, "lee"), staff(db, "boss", role="supervisor")
    with db.write() as s:
        cb, _ = callbacks.request(s, customer_id=cid, topic="delivery", actor="t")
        callbacks.reassign(s, callback_ids=[cb.id], to_agent="lee", principal=boss)
    with db.read() as s:
        [held] = presence.others(s, customer_id=cid, principal=kim)
        assert presence.others(s, customer_id=cid, principal=lee) == []  # not yourself
    assert held["username"] == "lee" and held["viewing"] is False
    assert held["callbacks"] == [
        {
            "id": cb.id,
            "topic": "delivery",
            "status": "queued",
            "how": "assigned",
            "since": held["callbacks"][0]["since"],
        }
    ]
    with db.write() as s:
        claimed = callbacks.claim_next(s, principal=lee)
        assert claimed is not None and claimed.id == cb.id
        presence.touch(s, customer_id=cid, principal=lee)
    with db.read() as s:
        [held] = presence.others(s, customer_id=cid, principal=kim)
    assert held["viewing"] is True and held["callbacks"][0]["how"] == "claimed"
    with db.write() as s:
        callbacks.complete(s, callback_id=cb.id, principal=lee, outcome="resolved", note=None)
    with db.read() as s:
        [held] = presence.others(s, customer_id=cid, principal=kim)
        assert held["callbacks"] == []  # done: only the open screen is left
        assert s.scalar(select(Callback.status).where(Callback.id == cb.id)) == "done"


def test_logout_leaves_every_customer(db) -> None:
    first, second = make_customers(db, 2)
    kim, lee = staff(db, "kim"), staff(db, "lee")
    with db.write() as s:
        presence.touch(s, customer_id=first, principal=kim)
        presence.touch(s, customer_id=second, principal=kim)
    with db.write() as s:
        assert presence.leave_everywhere(s, user_id=kim.user_id) == 2
    with db.read() as s:
        assert presence.others(s, customer_id=first, principal=lee) == []
        assert presence.others(s, customer_id=second, principal=lee) == []
        assert changes.last_seq(s) > 0


def test_unknown_customer_is_not_found(db) -> None:
    kim = staff(db, "kim")
    with pytest.raises(NotFound), db.write() as s:
        presence.touch(s, customer_id=987654, principal=kim)
    with pytest.raises(NotFound), db.write() as s:
        presence.leave(s, customer_id=987654, principal=kim)
