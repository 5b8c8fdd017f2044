from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from services import callbacks
from services.accounts import Principal
from services.config import SETTINGS
from services.models import Callback, User
from services.timeutil import as_utc, utcnow
from tests.support.people import make_customers


def queue(db, customer_ids, topic="delivery"):
    with db.write() as s:
        return [
            callbacks.request(s, customer_id=c, topic=topic, actor="t")[0].id for c in customer_ids
        ]


def test_fifty_concurrent_claimers_claim_each_of_200_callbacks_exactly_once(api, db) -> None:
    ids = queue(db, make_customers(db, 200))
    agents = [api.as_role("agent") for _ in range(50)]
    claimed: list[tuple[str, int]] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(agents))
    errors: list[str] = []

    def claimer(session) -> None:
        barrier.wait()
        while True:
            resp = session.post("/callbacks/next")
            if resp.status_code == 503:  # the database is saturated: retry, as a console does
                time.sleep(0.2)
                continue
            if resp.status_code == 204:
                return
            if resp.status_code != 200:
                errors.append(f"{resp.status_code} {resp.text[:200]}")
                return
            body = resp.json()
            assert body["claimed_by"] == session.username
            with lock:
                claimed.append((session.username, body["id"]))

    with ThreadPoolExecutor(len(agents)) as pool:
        list(pool.map(claimer, agents))
    assert errors == []
    counts = Counter(cb_id for _, cb_id in claimed)
    assert sorted(counts) == sorted(ids)
    assert set(counts.values()) == {1}
    with db.read() as s:
        owners = dict(
            s.execute(
                select(Callback.id, User.username).join(User, User.id == Callback.claimed_by)
            ).all()
        )
    assert owners == {cb_id: user for user, cb_id in claimed}


def test_second_request_for_same_customer_and_topic_merges(api, db) -> None:
    [customer] = make_customers(db, 1)
    agent = api.as_role("agent")
    first = agent.post(
        "/callbacks", json={"customer_id": customer, "topic": "delivery", "note": "새벽배송 문의"}
    )
    second = agent.post(
        "/callbacks", json={"customer_id": customer, "topic": "delivery", "note": "다시 전화"}
    )
    other = agent.post("/callbacks", json={"customer_id": customer, "topic": "activation"})
    assert first.status_code == second.status_code == other.status_code == 201
    assert second.json()["id"] == first.json()["id"] and second.json()["merged"] is True
    assert "새벽배송 문의" in second.json()["note"] and "다시 전화" in second.json()["note"]
    assert other.json()["id"] != first.json()["id"]


def test_concurrent_requests_for_one_customer_and_topic_make_one_callback(api, db) -> None:
    [customer] = make_customers(db, 1)
    agents = [api.as_role("agent") for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda a: a.post("/callbacks", json={"customer_id": customer, "topic": "delivery"}),
                agents,
            )
        )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    with db.read() as s:
        row = s.scalar(select(Callback))
        assert row.requests == 8


def test_claim_complete_and_no_answer_backoff_until_unreached(api, db) -> None:
    [customer] = make_customers(db, 1)
    [cb_id] = queue(db, [customer])
    agent = api.as_role("agent")
    for attempt in range(1, SETTINGS.callback_max_attempts + 1):
        claim = agent.post("/callbacks/next")
        assert claim.status_code == 200, claim.text
        assert claim.json()["id"] == cb_id and claim.json()["attempts"] == attempt - 1
        done = agent.post(f"/callbacks/{cb_id}/complete", json={"outcome": "no_answer"})
        assert done.status_code == 200, done.text
        body = done.json()
        if attempt < SETTINGS.callback_max_attempts:
            assert body["status"] == "queued"
            wait = (
                as_utc(
                    __import__("datetime").datetime.fromisoformat(
                        body["not_before"].replace("Z", "+00:00")
                    )
                )
                - utcnow()
            )
            expected = callbacks.backoff_for(attempt)
            assert expected - timedelta(seconds=30) < wait <= expected
            # not due yet: nobody gets it
            assert agent.post("/callbacks/next").status_code == 204
            with db.write() as s:
                s.execute(update(Callback).where(Callback.id == cb_id).values(not_before=utcnow()))
        else:
            assert body["status"] == "unreached"
    assert agent.post("/callbacks/next").status_code == 204


def test_resolved_callback_is_done_and_note_is_logged(api, db) -> None:
    [customer] = make_customers(db, 1)
    [cb_id] = queue(db, [customer])
    agent = api.as_role("agent")
    assert agent.post("/callbacks/next").json()["id"] == cb_id
    done = agent.post(
        f"/callbacks/{cb_id}/complete", json={"outcome": "resolved", "note": "배송일 안내 완료"}
    )
    assert done.json()["status"] == "done" and done.json()["outcome"] == "resolved"
    screen = agent.get(f"/customers/{customer}").json()
    assert any(n["body"] == "배송일 안내 완료" for n in screen["notes"])


def test_heartbeat_and_completion_refused_after_reassign(api, db) -> None:
    [customer] = make_customers(db, 1)
    [cb_id] = queue(db, [customer])
    a = api.as_role("agent")
    b = api.as_role("agent")
    sup = api.as_role("supervisor")
    assert a.post("/callbacks/next").json()["id"] == cb_id
    assert a.post(f"/callbacks/{cb_id}/heartbeat").status_code == 200
    moved = sup.post("/callbacks/reassign", json={"callback_ids": [cb_id], "to_agent": b.username})
    assert moved.status_code == 200, moved.text
    assert a.post(f"/callbacks/{cb_id}/heartbeat").status_code == 409
    refused = a.post(f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "claim_lost"
    # assigned to b: a cannot take it, b can
    assert a.post("/callbacks/next").status_code == 204
    assert [c["id"] for c in b.get("/callbacks/mine").json()["callbacks"]] == [cb_id]
    assert b.post("/callbacks/next").json()["id"] == cb_id
    assert b.post(f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}).status_code == 200
    with db.read() as s:
        assert s.get(Callback, cb_id).completed_by is not None


def test_lapsed_claim_returns_to_pool_and_stale_holder_is_refused(api, db) -> None:
    [customer] = make_customers(db, 1)
    [cb_id] = queue(db, [customer])
    a = api.as_role("agent")
    b = api.as_role("agent")
    assert a.post("/callbacks/next").json()["id"] == cb_id
    with db.write() as s:
        s.execute(
            update(Callback)
            .where(Callback.id == cb_id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert a.post(f"/callbacks/{cb_id}/heartbeat").status_code == 409
    taken = b.post("/callbacks/next")
    assert (
        taken.status_code == 200 and taken.json()["id"] == cb_id and taken.json()["attempts"] == 1
    )
    assert a.post(f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}).status_code == 409
    assert b.post(f"/callbacks/{cb_id}/complete", json={"outcome": "resolved"}).status_code == 200


def test_reassign_racing_claims_never_two_owners_or_none(api, db) -> None:
    ids = queue(db, make_customers(db, 60))
    agents = [api.as_role("agent") for _ in range(6)]
    target = api.as_role("agent")
    sup = api.as_role("supervisor")
    stop = threading.Event()

    def claimer(session) -> None:
        while not stop.is_set():
            if session.post("/callbacks/next").status_code == 204:
                return

    def reassigner() -> None:
        for chunk in range(0, 60, 10):
            resp = sup.post(
                "/callbacks/reassign",
                json={"callback_ids": ids[chunk : chunk + 10], "to_agent": target.username},
            )
            assert resp.status_code == 200, resp.text

    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(claimer, a) for a in agents] + [pool.submit(reassigner)]
        for f in futures:
            f.result()
    with db.read() as s:
        rows = s.scalars(select(Callback)).all()
        target_id = s.scalar(select(User.id).where(User.username == target.username))
    for row in rows:
        if row.status == "claimed":
            assert row.claimed_by is not None and row.lease_expires_at is not None
        else:
            assert row.status == "queued" and row.claimed_by is None
            # a queued callback belongs to the pool or to exactly the agent it was given to
            assert row.assigned_to in (None, target_id)


def test_request_validates_topic_and_customer(db) -> None:
    with db.write() as s, pytest.raises(Exception, match="no customer"):
        callbacks.request(s, customer_id=999, topic="delivery", actor="t")
    [customer] = make_customers(db, 1)
    with db.write() as s, pytest.raises(Exception, match="topic"):
        callbacks.request(s, customer_id=customer, topic="\x01", actor="t")


def test_complete_with_unknown_outcome_is_refused(db) -> None:
    [customer] = make_customers(db, 1)
    [cb_id] = queue(db, [customer])
    with db.write() as s:
        user = User(
            username="x1", display_name="x", role="agent", password_hash="-", disabled=False
        )
        s.add(user)
        s.flush()
        me = Principal(user.id, "x1", "agent", "x")
        assert callbacks.claim_next(s, principal=me).id == cb_id
        with pytest.raises(Exception, match="outcome must be one of"):
            callbacks.complete(s, callback_id=cb_id, principal=me, outcome="teleported", note=None)
