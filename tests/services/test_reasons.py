"""Contact reasons (issue 9, part 4): the list leads extend, and counts that match the
contacts logged."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from services import callbacks, notes, reasons
from services.accounts import Principal, add_user
from services.errors import Conflict, Invalid, NotFound
from services.models import Note
from services.timeutil import utcnow
from tests.support.people import make_customers

BUILT_IN = ["delivery", "order_status", "activation", "cancellation", "promotion", "other"]


def principal(db, role: str, name: str) -> Principal:
    with db.write() as s:
        user = add_user(s, username=name, role=role, password="secret-pass-1")
        return Principal(user.id, user.username, user.role, user.display_name)


def log(db, customer_id: int, reason: str | None, *, minutes_ago: float = 0) -> int:
    with db.write() as s:
        note = notes.add_note(
            s, customer_id=customer_id, author="agent-r", body="문의 내용", reason=reason
        )
        if minutes_ago:
            note.created_at = utcnow() - timedelta(minutes=minutes_ago)
        return note.id


def test_the_built_in_list_and_what_a_note_may_carry(db) -> None:
    with db.read() as s:
        assert [r["key"] for r in reasons.all_reasons(s)] == BUILT_IN
    cid = make_customers(db, 1)[0]
    log(db, cid, "delivery")
    log(db, cid, None)  # the API still takes a note without one
    with pytest.raises(NotFound, match="reason must be one of delivery, order_status"):
        log(db, cid, "weather")


def test_a_lead_extends_the_list_and_retires_what_they_added(db) -> None:
    lead = principal(db, "lead", "lead-r")
    cid = make_customers(db, 1)[0]
    with db.write() as s:
        reasons.add_reason(
            s, key="esim_transfer", label="eSIM 이동", label_en="eSIM transfer", principal=lead
        )
    log(db, cid, "esim_transfer")
    with db.read() as s:
        listed = reasons.all_reasons(s)
    assert listed[-1] == {
        "key": "esim_transfer",
        "label": "eSIM 이동",
        "label_en": "eSIM transfer",
        "built_in": False,
        "active": True,
    }
    with db.write() as s, pytest.raises(Conflict):
        reasons.add_reason(s, key="delivery", label="배송", label_en=None, principal=lead)
    with db.write() as s, pytest.raises(Invalid, match="lower-case letters"):
        reasons.add_reason(s, key="eSIM!", label="x", label_en=None, principal=lead)
    with db.write() as s, pytest.raises(Conflict):
        reasons.retire_reason(s, key="other", principal=lead)
    with db.write() as s, pytest.raises(NotFound):
        reasons.retire_reason(s, key="nothing_here", principal=lead)
    with db.write() as s:
        reasons.retire_reason(s, key="esim_transfer", principal=lead)
    with pytest.raises(NotFound):
        log(db, cid, "esim_transfer")
    with db.read() as s:
        assert [r["key"] for r in reasons.all_reasons(s)] == BUILT_IN
        top = reasons.top_reasons(s)
    # retired, but its contacts still count
    retired = next(r for r in top["reasons"] if r["key"] == "esim_transfer")
    assert (retired["last"], retired["active"], retired["label"]) == (1, False, "eSIM 이동")
    with db.write() as s:  # brought back, relabelled
        reasons.add_reason(s, key="esim_transfer", label="eSIM 전환", label_en=None, principal=lead)
    log(db, cid, "esim_transfer")


def test_counts_match_the_contacts_logged(db) -> None:
    rng = random.Random(9)
    customers = make_customers(db, 12)
    last: Counter[str] = Counter()
    previous: Counter[str] = Counter()
    for _ in range(60):
        reason = rng.choice(BUILT_IN)
        cid = rng.choice(customers)
        if rng.random() < 0.5:
            log(db, cid, reason, minutes_ago=rng.uniform(0, 59))
            last[reason] += 1
        else:
            log(db, cid, reason, minutes_ago=rng.uniform(61, 119))
            previous[reason] += 1
    log(db, customers[0], "delivery", minutes_ago=150)  # older than both hours
    log(db, customers[0], None)  # no reason: not counted
    # a note written when completing a callback counts for the callback's topic
    agent = principal(db, "agent", "agent-r2")
    with db.write() as s:
        callbacks.request(s, customer_id=customers[1], topic="activation", actor="t")
    with db.write() as s:
        cb = callbacks.claim_next(s, principal=agent)
        callbacks.complete(
            s, callback_id=cb.id, principal=agent, outcome="resolved", note="개통 완료 안내"
        )
    last["activation"] += 1
    with db.read() as s:
        top = reasons.top_reasons(s)
        assert s.scalar(select(Note.reason).where(Note.body == "개통 완료 안내")) == (
            "callback:activation"
        )
    got_last = {r["key"]: r["last"] for r in top["reasons"] if r["last"]}
    got_previous = {r["key"]: r["previous"] for r in top["reasons"] if r["previous"]}
    assert got_last == dict(last)
    assert got_previous == dict(previous)
    assert top["total_last"] == sum(last.values())
    assert top["total_previous"] == sum(previous.values())
    assert [r["last"] for r in top["reasons"]] == sorted(
        (r["last"] for r in top["reasons"]), reverse=True
    )
    for r in top["reasons"]:
        assert r["change"] == r["last"] - r["previous"]


def test_the_customers_behind_a_reason(db) -> None:
    a, b, c = make_customers(db, 3)
    log(db, a, "delivery", minutes_ago=5)
    log(db, a, "delivery", minutes_ago=30)
    log(db, b, "delivery", minutes_ago=10)
    log(db, c, "delivery", minutes_ago=90)  # the hour before
    log(db, c, "activation", minutes_ago=1)
    with db.read() as s:
        hour = reasons.customers_for(s, key="delivery")
        two = reasons.customers_for(s, key="delivery", window=timedelta(hours=2))
        with pytest.raises(NotFound):
            reasons.customers_for(s, key="never_heard_of")
    assert [(x["customer_id"], x["contacts"]) for x in hour["customers"]] == [(a, 2), (b, 1)]
    assert hour["customers"][0]["mobile"].count("*") == 4  # masked in lists
    assert {x["customer_id"] for x in two["customers"]} == {a, b, c}
