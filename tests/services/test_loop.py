"""Callbacks and triage as one loop (issue 9, part 3): the queue's documented weighting, the
stuck orders a callback shows, and the change feed when orders move or are triaged."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services import board, callbacks, changes, loop, orders
from services.accounts import Principal, add_user
from services.identifiers import make_order_no
from services.models import Callback, Message, Order
from tests.support.launch import customer_id_for, customer_journey, ingest
from tests.support.people import make_customers


def documented_bonus(age_hours: float | None) -> int:
    """The rule as README.md states it, written out independently of services.loop."""
    if age_hours is None or age_hours < 24:
        return 0
    return min(6, 1 + math.floor((age_hours - 24) / 12))


def waiting_customer(db, serial: int, age: timedelta, **kw) -> int:
    """A customer whose one order has waited in received for `age`."""
    received = datetime.now(UTC) - age
    # reservation, converted, order created: the order is received at the third event
    ingest(
        db,
        customer_journey(
            serial, start=received - timedelta(seconds=2), step=timedelta(seconds=1), **kw
        ),
    )
    return customer_id_for(db, serial)


def principal(db, role: str = "agent", name: str | None = None) -> Principal:
    with db.write() as s:
        user = add_user(s, username=name or f"{role}-loop", role=role, password="secret-pass-1")
        return Principal(user.id, user.username, user.role, user.display_name)


def queue(db, customer_id: int, *, topic: str = "order_status", priority: int = 0, due=None) -> int:
    with db.write() as s:
        cb, _ = callbacks.request(
            s,
            customer_id=customer_id,
            topic=topic,
            actor="t",
            priority=priority,
            not_before=due or datetime.now(UTC) - timedelta(minutes=30),
        )
        return cb.id


@pytest.mark.parametrize(
    ("hours", "bonus"),
    [
        (None, 0),
        (0.5, 0),
        (23.9, 0),
        (24.0, 1),
        (35.9, 1),
        (36.0, 2),
        (48.0, 3),
        (60.0, 4),
        (83.9, 5),
        (84.0, 6),
        (500.0, 6),
    ],
)
def test_waiting_bonus_is_the_documented_rule(hours: float | None, bonus: int) -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    since = None if hours is None else now - timedelta(hours=hours)
    assert loop.waiting_bonus(since, now) == bonus == documented_bonus(hours)
    assert loop.weight_for(5, since, now) == 5 + bonus


def test_queue_order_follows_the_documented_weighting(db) -> None:
    no_order = make_customers(db, 2, first_serial=900)
    young = waiting_customer(db, 1, timedelta(hours=10))
    a_day = waiting_customer(db, 2, timedelta(hours=30))
    a_day_too = waiting_customer(db, 3, timedelta(hours=31))
    two_days = waiting_customer(db, 4, timedelta(hours=50))
    four_days = waiting_customer(db, 5, timedelta(hours=100))
    now = datetime.now(UTC)
    made = {
        "young": queue(db, young, due=now - timedelta(hours=2)),  # longest due, no bonus
        "a_day": queue(db, a_day, due=now - timedelta(minutes=10)),
        "a_day_too": queue(db, a_day_too, due=now - timedelta(minutes=20)),  # due earlier
        "two_days": queue(db, two_days),
        "four_days": queue(db, four_days),
        "priority_2": queue(db, no_order[0], priority=2),
        "priority_10": queue(db, no_order[1], priority=10),
    }
    with db.read() as s:
        rows = {cb.id: cb for cb in s.scalars(select(Callback))}
    ages = {
        "young": 10,
        "a_day": 30,
        "a_day_too": 31,
        "two_days": 50,
        "four_days": 100,
        "priority_2": None,
        "priority_10": None,
    }
    for name, cb_id in made.items():
        cb = rows[cb_id]
        assert cb.weight == cb.priority + documented_bonus(ages[name]), name
    # the rule's order: weight, then due, then id
    expected = sorted(
        made,
        key=lambda n: (-rows[made[n]].weight, rows[made[n]].not_before, made[n]),
    )
    assert expected == [
        "priority_10",  # 10
        "four_days",  # 0 + 6
        "two_days",  # 0 + 3
        "priority_2",  # 2
        "a_day_too",  # 0 + 1, due earlier
        "a_day",  # 0 + 1
        "young",  # 0
    ]
    agent = principal(db)
    claimed = []
    for _ in made:
        with db.write() as s:
            cb = callbacks.claim_next(s, principal=agent)
            claimed.append(cb.id)
    assert claimed == [made[n] for n in expected]
    with db.write() as s:
        assert callbacks.claim_next(s, principal=agent) is None


def test_ageing_raises_the_weight_and_announces_it(db) -> None:
    soon_stuck = waiting_customer(db, 11, timedelta(hours=20))
    other = make_customers(db, 1, first_serial=911)[0]
    now = datetime.now(UTC)
    aging = queue(db, soon_stuck, due=now - timedelta(minutes=5))
    steady = queue(db, other, due=now - timedelta(minutes=50))
    with db.read() as s:
        assert s.get(Callback, aging).weight == 0
        seq = changes.last_seq(s)
    with db.write() as s:
        assert loop.refresh(s, now=now + timedelta(hours=3)) == 0  # 23 h: not yet
    with db.write() as s:
        assert loop.refresh(s, now=now + timedelta(hours=5)) == 1  # 25 h: +1
    with db.read() as s:
        assert s.get(Callback, aging).weight == 1
        assert s.get(Callback, steady).weight == 0
        fed = [(c.kind, c.id) for c in changes.read_after(s, seq, 100)]
    assert ("callback", str(aging)) in fed


def test_a_claim_reweighs_the_aged_first(db, monkeypatch) -> None:
    aging_customer = waiting_customer(db, 12, timedelta(hours=20))
    other = make_customers(db, 1, first_serial=912)[0]
    now = datetime.now(UTC)
    aging = queue(db, aging_customer, due=now - timedelta(minutes=5))
    queue(db, other, due=now - timedelta(minutes=50))
    # five hours pass: the order is now 25 h in received; nothing else has looked at it
    with db.write() as s:
        for order in s.scalars(select(Order).where(Order.customer_id == aging_customer)):
            order.received_at = order.received_at - timedelta(hours=5)
    monkeypatch.setattr(loop, "_last_refresh", {})  # this process last re-weighed long ago
    with db.write() as s:
        first = callbacks.claim_next(s, principal=principal(db))
    assert first.id == aging and first.weight == 1  # first, though due later


def test_order_leaving_received_reweighs_and_announces(db) -> None:
    cid = waiting_customer(db, 21, timedelta(hours=50))
    cb_id = queue(db, cid)
    with db.read() as s:
        cb = s.get(Callback, cb_id)
        assert cb.weight == 3 and cb.waiting_since is not None
        seq = changes.last_seq(s)
    results = ingest(
        db,
        [
            {
                "source": "order_system",
                "event_id": "leaves-received-21",
                "occurred_at": datetime.now(UTC).isoformat(),
                "type": "order.status",
                "order_no": make_order_no(21),
                "status": "preparing",
            }
        ],
    )
    assert results[0]["result"] == "applied"
    with db.read() as s:
        cb = s.get(Callback, cb_id)
        assert cb.weight == 0 and cb.waiting_since is None
        fed = [(c.kind, c.id) for c in changes.read_after(s, seq, 100)]
        shown = callbacks.many_to_json(s, [cb])[0]
    assert ("callback", str(cb_id)) in fed
    assert shown["stuck"] is None


def test_a_cause_set_by_a_lead_shows_on_the_open_callbacks(db) -> None:
    cid = waiting_customer(db, 31, timedelta(hours=40))
    open_id = queue(db, cid, topic="delivery")
    done_id = queue(db, cid, topic="activation")
    agent = principal(db)
    with db.write() as s:
        claimed = callbacks.claim_next(s, principal=agent)
        callbacks.complete(
            s, callback_id=claimed.id, principal=agent, outcome="resolved", note=None
        )
    assert claimed.id in (open_id, done_id)
    still_open = done_id if claimed.id == open_id else open_id
    with db.read() as s:
        before = callbacks.many_to_json(s, [s.get(Callback, still_open)])[0]["stuck"]
        seq = changes.last_seq(s)
    assert before["cause"] == "unknown" and before["over_threshold"] and before["orders"] == 1
    assert before["order_no"] == make_order_no(31) and 39 < before["age_hours"] < 41
    lead = principal(db, "lead", "lead-loop")
    with db.write() as s:
        orders.set_triage(s, order_nos=[make_order_no(31)], principal=lead, cause="stock_shortage")
    with db.read() as s:
        fed = [(c.kind, c.id) for c in changes.read_after(s, seq, 100)]
        rows = [s.get(Callback, still_open), s.get(Callback, claimed.id)]
        shown = {c["id"]: c for c in callbacks.many_to_json(s, rows)}
    assert ("callback", str(still_open)) in fed
    assert ("callback", str(claimed.id)) not in fed  # closed: nothing to show
    assert shown[still_open]["stuck"]["cause"] == "stock_shortage"
    assert shown[claimed.id]["stuck"] is None


def test_an_overtaken_order_shows_though_it_is_young(db) -> None:
    now = datetime.now(UTC)
    cid = waiting_customer(db, 41, timedelta(hours=5))
    # a later order of the same model is already being prepared
    ingest(
        db,
        customer_journey(
            42,
            start=now - timedelta(hours=3),
            step=timedelta(seconds=1),
            order=["received", "preparing"],
        ),
    )
    cb_id = queue(db, cid)
    with db.read() as s:
        cb = s.get(Callback, cb_id)
        stuck = callbacks.many_to_json(s, [cb])[0]["stuck"]
    assert cb.weight == 0  # the bonus is for age only
    assert stuck["overtaken"] and not stuck["over_threshold"]


def test_priority_change_keeps_the_waiting_bonus(db) -> None:
    cid = waiting_customer(db, 51, timedelta(hours=50))
    cb_id = queue(db, cid)
    sup = principal(db, "supervisor", "sup-loop")
    with db.write() as s:
        board.set_priority(s, callback_ids=[cb_id], priority=4, principal=sup)
    with db.read() as s:
        assert s.get(Callback, cb_id).weight == 4 + 3


def test_campaign_to_customers_waiting_for_a_callback_about_delivery(api, db) -> None:
    now = datetime.now(UTC)
    delivery_waiting = [waiting_customer(db, 60 + i, timedelta(hours=30 + i)) for i in range(3)]
    activation_only = waiting_customer(db, 70, timedelta(hours=30))
    finished = waiting_customer(db, 71, timedelta(hours=30))
    both = make_customers(db, 1, first_serial=972)[0]
    for cid in delivery_waiting:
        queue(db, cid, topic="delivery")
    queue(db, both, topic="delivery")
    queue(db, both, topic="activation")
    queue(db, activation_only, topic="activation")
    done = queue(db, finished, topic="delivery", due=now - timedelta(days=1))  # first in line
    agent = principal(db)
    with db.write() as s:
        claimed = callbacks.claim_next(s, principal=agent)
        assert claimed.id == done
        callbacks.complete(s, callback_id=done, principal=agent, outcome="resolved", note=None)
    with db.write() as s:  # one still claimed: they are waiting for it too
        callbacks.claim_next(s, principal=agent)
    expected = set(delivery_waiting) | {both}

    lead = api.as_role("lead")
    sup = api.as_role("supervisor")
    template = lead.post(
        "/templates",
        json={
            "key": "cb_delivery",
            "title": "배송 콜백 대기 안내",
            "body": "{name}님, 주문 {order_no} 배송 문의에 곧 연락드리겠습니다.",
        },
    )
    assert template.status_code == 200, template.text
    topics = lead.get("/callbacks/topics").json()["topics"]
    assert {"topic": "delivery", "open": 4, "waiting": 3, "stuck": 3} in topics
    made = lead.post(
        "/campaigns",
        json={
            "name": "waiting for a callback about delivery",
            "template_key": "cb_delivery",
            "segment": {"kind": "callback_topic", "topic": "delivery"},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["recipient_count"] == len(expected)
    sample = next(x for x in made.json()["preview"]["samples"] if x["customer_id"] != both)
    assert "주문 " in sample["text"] and make_order_no(60)[:3] in sample["text"]
    approved = sup.post(
        f"/campaigns/{made.json()['id']}/approve", json={"override_reason": "test at any hour"}
    )
    assert approved.status_code == 200, approved.text
    with db.read() as s:
        reached = set(
            s.scalars(select(Message.customer_id).where(Message.campaign_id == made.json()["id"]))
        )
    assert reached == expected
    # narrowed to the ones waiting at least 31 h
    narrow = lead.post(
        "/campaigns",
        json={
            "name": "delivery, 31 h",
            "template_key": "cb_delivery",
            "segment": {"kind": "callback_topic", "topic": "delivery", "min_waiting_hours": 31},
        },
    )
    assert narrow.status_code == 201, narrow.text
    assert narrow.json()["recipient_count"] == 2
    bad = lead.post(
        "/campaigns",
        json={
            "name": "x",
            "template_key": "cb_delivery",
            "segment": {"kind": "callback_topic", "topic": "delivery", "cause": "weather"},
        },
    )
    assert bad.status_code == 422 and "cause must be one of" in bad.json()["error"]["message"]


def test_the_demo_launch_shows_the_loop_and_the_reasons(db) -> None:
    from services import reasons
    from services.seed import seed_demo

    seed_demo(db, customers=600)
    with db.read() as s:
        rows = list(s.scalars(select(Callback).where(Callback.status == "queued")))
        shown = callbacks.many_to_json(s, rows)
        top = reasons.top_reasons(s)
    stuck = [c for c in shown if c["stuck"]]
    assert len(stuck) >= 10
    assert any(c["weight"] > c["priority"] for c in shown)  # the waiting bonus at work
    assert any(c["stuck"]["cause"] != "unknown" for c in stuck)
    by_key = {r["key"]: r for r in top["reasons"]}
    assert top["reasons"][0]["key"] == "delivery"
    assert by_key["delivery"]["last"] > by_key["delivery"]["previous"]
    assert by_key["esim_transfer"]["last"] > 0 == by_key["esim_transfer"]["previous"]
