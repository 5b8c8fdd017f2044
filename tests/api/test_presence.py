"""Presence and targeted notices over HTTP, on a real backend on loopback."""

from __future__ import annotations

import time

from services.models import Order
from tests.support.launch import MODEL, customer_id_for, customer_journey, ingest

FOLD = "Galaxy Z Fold8 512GB 실버 섀도우"


def test_presence_put_get_delete_between_two_agents(api, db) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    kim, lee = api.as_role("agent"), api.as_role("lead")
    first = kim.http.put(
        f"{kim.base}/customers/{cid}/presence",
        headers={"Authorization": f"Bearer {kim.token}"},
        timeout=30,
    )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["others"] == [] and body["renew_after_seconds"] < body["ttl_seconds"] <= 45
    seen = lee.get(f"/customers/{cid}/presence").json()["others"]
    assert [(p["username"], p["role"], p["viewing"]) for p in seen] == [
        (kim.username, "agent", True)
    ]
    screen = lee.get(f"/customers/{cid}").json()
    assert [p["username"] for p in screen["presence"]] == [kim.username]
    assert kim.get(f"/customers/{cid}").json()["presence"] == []  # never yourself
    gone = kim.http.delete(
        f"{kim.base}/customers/{cid}/presence",
        headers={"Authorization": f"Bearer {kim.token}"},
        timeout=30,
    )
    assert gone.status_code == 204
    assert lee.get(f"/customers/{cid}/presence").json()["others"] == []


def test_presence_with_a_short_ttl_lapses_by_itself(api, db) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    kim, lee = api.as_role("agent"), api.as_role("agent")
    resp = kim.http.put(
        f"{kim.base}/customers/{cid}/presence",
        json={"ttl_seconds": 5},
        headers={"Authorization": f"Bearer {kim.token}"},
        timeout=30,
    )
    assert resp.status_code == 200
    assert len(lee.get(f"/customers/{cid}/presence").json()["others"]) == 1
    time.sleep(5.3)
    assert lee.get(f"/customers/{cid}/presence").json()["others"] == []


def test_presence_refuses_unknown_customers_bad_ttl_and_admins(api, db) -> None:
    kim, admin = api.as_role("agent"), api.as_role("admin")
    auth = {"Authorization": f"Bearer {kim.token}"}
    missing = kim.http.put(f"{kim.base}/customers/987654/presence", headers=auth, timeout=30)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "customer_not_found"
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    long_ttl = kim.http.put(
        f"{kim.base}/customers/{cid}/presence", json={"ttl_seconds": 3600}, headers=auth, timeout=30
    )
    assert long_ttl.status_code == 422 and "ttl_seconds" in long_ttl.text
    assert admin.get(f"/customers/{cid}/presence").status_code == 403


def test_logout_removes_presence(api, db) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    kim, lee = api.as_role("agent"), api.as_role("agent")
    kim.http.put(
        f"{kim.base}/customers/{cid}/presence",
        headers={"Authorization": f"Bearer {kim.token}"},
        timeout=30,
    )
    assert len(lee.get(f"/customers/{cid}/presence").json()["others"]) == 1
    assert kim.post("/auth/logout").status_code == 204
    assert lee.get(f"/customers/{cid}/presence").json()["others"] == []


def test_a_targeted_notice_reaches_only_matching_customers_screens(api, db) -> None:
    ingest(db, customer_journey(1, model=FOLD, delivery_method="dawn"))
    ingest(db, customer_journey(2, model=MODEL, delivery_method="dawn"))
    fold, iphone = customer_id_for(db, 1), customer_id_for(db, 2)
    lead, agent = api.as_role("lead"), api.as_role("agent")
    made = lead.post(
        "/notices",
        json={
            "topic": "fold_delay",
            "title": "Fold8 출고 지연",
            "body": "입고 지연으로 2-3일 늦어집니다",
            "target": {"model": FOLD, "order_status": "received"},
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["target"] == {"model": FOLD, "order_status": "received"}
    lead.post("/notices", json={"topic": "hours", "title": "개통 시간", "body": "09-21시"})
    on_fold = agent.get(f"/customers/{fold}").json()["notices"]
    assert [(n["topic"], n["applies"]) for n in on_fold] == [
        ("fold_delay", "customer"),
        ("hours", "everyone"),
    ]
    with db.read() as s:
        order_no = s.query(Order.order_no).filter(Order.customer_id == fold).scalar()
    assert on_fold[0]["matched_orders"] == [order_no]
    on_iphone = agent.get(f"/customers/{iphone}").json()["notices"]
    assert [n["topic"] for n in on_iphone] == ["hours"]
    # the pinned bar still lists every notice, with its target
    pinned = {n["topic"]: n["target"] for n in agent.get("/notices").json()["notices"]}
    assert pinned == {"fold_delay": {"model": FOLD, "order_status": "received"}, "hours": None}


def test_bad_targets_are_refused_naming_the_allowed_values(api, db) -> None:
    ingest(db, customer_journey(1, model=FOLD))
    lead = api.as_role("lead")
    for target, named in (
        ({"model": "Nokia 3310"}, FOLD),
        ({"order_status": "lost"}, "preparing"),
        ({"delivery_method": "drone"}, "dawn"),
        ({"cause": "gremlins"}, "fraud_check"),
        ({"received_from": "2026-02-30"}, "received_from"),
        ({"received_from": "2026-11-24", "received_to": "2026-11-20"}, "after"),
    ):
        resp = lead.post(
            "/notices", json={"topic": "t", "title": "t", "body": "b", "target": target}
        )
        assert resp.status_code == 422, (target, resp.text)
        assert named in resp.json()["error"]["message"], (target, resp.text)
    assert lead.get("/notices").json()["notices"] == []


def test_supervisor_sees_who_read_each_version(api, db) -> None:
    lead, sup = api.as_role("lead"), api.as_role("supervisor")
    kim = api.as_role("agent")
    first = lead.post("/notices", json={"topic": "dates", "title": "v1", "body": "b"}).json()
    assert kim.post(f"/notices/{first['id']}/ack").status_code == 204
    second = lead.post("/notices", json={"topic": "dates", "title": "v2", "body": "b"}).json()
    acks = sup.get(f"/notices/{second['id']}/acks").json()
    assert kim.username in acks["not_acknowledged"]
    by_version = {v["version"]: v for v in acks["versions"]}
    assert [a["username"] for a in by_version[1]["acknowledged"]] == [kim.username]
    assert by_version[2]["acknowledged"] == []
    assert lead.get(f"/notices/{second['id']}/acks").status_code == 403
