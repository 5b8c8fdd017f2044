from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from services import callbacks as callback_service
from services import campaigns
from services.accounts import Principal
from services.errors import Conflict
from services.models import Message, Order, User
from services.outbox import Outbox
from tests.support.gateway import Gateway
from tests.support.launch import customer_journey, ingest
from tests.support.people import make_customers

ROOT = Path(__file__).resolve().parents[2]
DAYTIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
NIGHT = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # 22:30 in Seoul
SEGMENT = {"kind": "stuck", "min_age_hours": 24}


def prepare(api, db, count: int = 6):
    """`count` customers whose orders wait in received for three days; a lead and a supervisor."""
    start = datetime.now(UTC) - timedelta(days=3)
    for serial in range(1, count + 1):
        ingest(db, customer_journey(serial, start=start, order=["received"]))
    lead = api.as_role("lead")
    sup = api.as_role("supervisor")
    saved = lead.post(
        "/templates",
        json={
            "key": "delay",
            "title": "지연 안내",
            "body": "{name}님, 주문 {order_no}({model}) 출고가 지연되고 있습니다.",
        },
    )
    assert saved.status_code == 200, saved.text
    return lead, sup


def approve_all(sup, cid: int) -> None:
    # Tests run at any hour: the override (with its reason) lifts quiet hours.
    resp = sup.post(
        f"/campaigns/{cid}/approve", json={"override_reason": "테스트: 시간과 무관하게 발송"}
    )
    assert resp.status_code == 200, resp.text


def test_preview_shows_exact_count_and_samples_and_unapproved_sends_nothing(api, db) -> None:
    lead, _ = prepare(api, db)
    created = lead.post(
        "/campaigns",
        json={
            "name": "48시간 지연",
            "template_key": "delay",
            "segment": {"kind": "stuck", "min_age_hours": 48},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["recipient_count"] == 6
    assert len(body["preview"]["samples"]) == 5
    assert body["preview"]["samples"][0]["text"].startswith("고객1님, 주문 ")
    with Gateway() as gateway:
        Outbox(db, gateway.url).run_once()
    assert gateway.received == []
    with db.read() as s:
        assert s.scalar(select(Message.id)) is None


def test_unknown_placeholder_is_refused_with_the_list(api) -> None:
    lead = api.as_role("lead")
    resp = lead.post("/templates", json={"key": "x", "title": "x", "body": "{name} {nickname}"})
    assert resp.status_code == 422 and "{nickname}" in resp.json()["error"]["message"]


def test_a_second_person_approves_and_the_outbox_delivers_each_once(api, db) -> None:
    lead, sup = prepare(api, db)
    cid = lead.post(
        "/campaigns", json={"name": "c", "template_key": "delay", "segment": SEGMENT}
    ).json()["id"]
    assert (
        lead.post(f"/campaigns/{cid}/approve", json={}).status_code == 403
    )  # a lead may not approve
    own = sup.post(
        "/campaigns", json={"name": "own", "template_key": "delay", "segment": SEGMENT}
    ).json()["id"]
    refused = sup.post(f"/campaigns/{own}/approve", json={"override_reason": "any hour"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "own_campaign"
    approve_all(sup, cid)
    with Gateway() as gateway:
        outbox = Outbox(db, gateway.url)
        while outbox.run_once():
            pass
    keys = Counter(r["key"] for r in gateway.received)
    assert len(keys) == 6 and set(keys.values()) == {1}
    assert lead.get(f"/campaigns/{cid}").json()["messages"] == {"sent": 6}


def test_quiet_hours_and_24h_dedupe_refuse_with_reasons(api, db) -> None:
    lead, sup = prepare(api, db)
    with db.read() as s:
        sup_user = s.scalar(select(User).where(User.username == sup.username))
        lead_user = s.scalar(select(User).where(User.username == lead.username))
    boss = Principal(sup_user.id, sup_user.username, "supervisor", "")
    author = Principal(lead_user.id, lead_user.username, "lead", "")
    with db.write() as s:
        first_id = campaigns.create(
            s, name="a", template_key="delay", segment=SEGMENT, principal=author
        ).id
    with db.write() as s, pytest.raises(Conflict, match="quiet hours"):
        campaigns.approve(s, campaign_id=first_id, principal=boss, now=NIGHT)
    with db.write() as s:
        assert (
            campaigns.approve(s, campaign_id=first_id, principal=boss, now=DAYTIME).skipped_count
            == 0
        )
        second_id = campaigns.create(
            s, name="b", template_key="delay", segment=SEGMENT, principal=author
        ).id
    with db.write() as s:
        again = campaigns.approve(
            s, campaign_id=second_id, principal=boss, now=DAYTIME + timedelta(hours=2)
        )
        assert again.skipped_count == 6  # every one got this template two hours ago
    with db.read() as s:
        assert s.scalars(select(Message).where(Message.campaign_id == second_id)).all() == []
    with db.write() as s:
        third = campaigns.create(
            s, name="c", template_key="delay", segment=SEGMENT, principal=author
        )
        overridden = campaigns.approve(
            s,
            campaign_id=third.id,
            principal=boss,
            now=DAYTIME + timedelta(hours=3),
            override_reason="정정 전 긴급 재안내",
        )
        assert overridden.skipped_count == 0


def test_correction_reaches_exactly_the_recipients_of_the_corrected_campaign(api, db) -> None:
    lead, sup = prepare(api, db, count=8)
    with db.read() as s:
        order_nos = list(s.scalars(select(Order.order_no).order_by(Order.id)))[:3]
    first = lead.post(
        "/campaigns",
        json={
            "name": "잘못된 안내",
            "template_key": "delay",
            "segment": {"kind": "orders", "order_nos": order_nos},
        },
    ).json()
    assert first["recipient_count"] == 3
    approve_all(sup, first["id"])
    lead.post(
        "/templates",
        json={"key": "fix", "title": "정정", "body": "{name}님, 앞서 보낸 안내를 정정합니다."},
    )
    fix = lead.post(
        "/campaigns", json={"name": "정정", "template_key": "fix", "corrects_id": first["id"]}
    )
    assert fix.status_code == 201, fix.text
    assert fix.json()["recipient_count"] == 3
    approve_all(sup, fix.json()["id"])
    with db.read() as s:
        first_to = set(
            s.scalars(select(Message.customer_id).where(Message.campaign_id == first["id"]))
        )
        fix_to = set(
            s.scalars(select(Message.customer_id).where(Message.campaign_id == fix.json()["id"]))
        )
    assert first_to == fix_to and len(fix_to) == 3


def test_sender_killed_after_the_gateway_accepted_sends_each_recipient_once(api, db) -> None:
    lead, sup = prepare(api, db, count=10)
    cid = lead.post(
        "/campaigns", json={"name": "kill", "template_key": "delay", "segment": SEGMENT}
    ).json()["id"]
    approve_all(sup, cid)
    with Gateway() as gateway:
        gateway.hold_after = 4  # the 4th message is taken; the sender dies before it hears back
        env = {**os.environ, "LAUNCHDESK_DATABASE_URL": db.url}
        sender = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "outbox", "--gateway", gateway.url],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert gateway.held.wait(60)
        sender.send_signal(signal.SIGKILL)
        sender.wait(10)
        gateway.hold_after = None
        gateway.release.set()
        with db.read() as s:
            states = Counter(s.scalars(select(Message.status).where(Message.campaign_id == cid)))
        assert states["sent"] == 3 and states["sending"] >= 1, states
        # Long enough 'sending' to be presumed dead: the next sender asks the gateway first.
        with db.write() as s:
            s.execute(
                update(Message)
                .where(Message.status == "sending")
                .values(status_at=datetime.now(UTC) - timedelta(minutes=5))
            )
        restarted = Outbox(db, gateway.url)
        while restarted.run_once():
            pass
    keys = Counter(r["key"] for r in gateway.received)
    assert len(keys) == 10, keys
    assert set(keys.values()) == {1}, keys
    with db.read() as s:
        assert set(s.scalars(select(Message.status).where(Message.campaign_id == cid))) == {"sent"}


def test_agent_gets_403_from_lead_and_supervisor_endpoints(api) -> None:
    agent = api.as_role("agent")
    calls = [
        ("get", "/orders/stuck", None),
        ("get", "/templates", None),
        ("post", "/campaigns", {"name": "x", "template_key": "y"}),
        ("get", "/board", None),
        ("post", "/callbacks/rebalance", None),
        ("get", "/orders/aging", None),
    ]
    for method, path, body in calls:
        resp = agent.get(path) if method == "get" else agent.post(path, json=body)
        assert resp.status_code == 403, (path, resp.status_code)


def test_board_and_rebalance_spread_the_queue_evenly(api, db) -> None:
    customers = make_customers(db, 9)
    with db.write() as s:
        for c in customers:
            callback_service.request(
                s,
                customer_id=c,
                topic="delivery",
                actor="t",
                not_before=datetime.now(UTC) - timedelta(hours=1),
            )
    agents = [api.as_role("agent") for _ in range(3)]
    for agent in agents:  # logging in is audited: each is active now, so available
        assert agent.get("/callbacks/mine").status_code == 200
    sup = api.as_role("supervisor")
    board = sup.get("/board").json()
    assert board["queue"]["depth"] == 9 and board["queue"]["due_now"] == 9
    assert board["queue"]["sla_breaches"] == 9 and board["queue"]["oldest_waiting_minutes"] >= 59
    assert all(
        a["available"] for a in board["agents"] if a["username"] in {x.username for x in agents}
    )
    moved = sup.post("/callbacks/rebalance")
    assert moved.status_code == 200, moved.text
    loads = {a["username"]: a["assigned"] for a in sup.get("/board").json()["agents"]}
    assert sorted(loads[a.username] for a in agents) == [3, 3, 3]
    mine = agents[0].get("/callbacks/mine").json()["callbacks"]
    assert len(mine) == 3
    last = mine[-1]["id"]
    assert (
        sup.post("/callbacks/priority", json={"callback_ids": [last], "priority": 5}).status_code
        == 200
    )
    assert agents[0].post("/callbacks/next").json()["id"] == last


def test_aging_histogram_counts_received_orders_by_age(api, db) -> None:
    lead, _ = prepare(api, db, count=4)
    buckets = {b["label"]: b["count"] for b in lead.get("/orders/aging").json()["buckets"]}
    assert buckets[">96h"] == 0 and buckets["0-24h"] == 0 and sum(buckets.values()) == 4
    assert buckets["48-72h"] == 4  # received a little under three days ago
