from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from services.api.schemas import NoteBody
from services.models import Note
from tests.support.people import make_customers


def test_fifty_concurrent_retries_with_one_key_take_effect_once(api, db) -> None:
    [customer] = make_customers(db, 1)
    agent = api.as_role("agent")
    body = {"body": "재시도 메모"}

    def post(_: int):
        return agent.post(
            f"/customers/{customer}/notes", json=body, headers={"Idempotency-Key": "note-42"}
        )

    with ThreadPoolExecutor(50) as pool:
        responses = list(pool.map(post, range(50)))
    assert {r.status_code for r in responses} == {201}, {r.status_code: r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 1


def test_same_key_with_a_different_body_is_refused(api, db) -> None:
    [customer] = make_customers(db, 1)
    agent = api.as_role("agent")
    first = agent.post(
        f"/customers/{customer}/notes", json={"body": "A"}, headers={"Idempotency-Key": "k1"}
    )
    assert first.status_code == 201
    again = agent.post(
        f"/customers/{customer}/notes", json={"body": "B"}, headers={"Idempotency-Key": "k1"}
    )
    assert again.status_code == 422
    assert again.json()["error"]["code"] == "idempotency_key_reused"


def test_a_refusal_is_remembered_too(api, db) -> None:
    agent = api.as_role("agent")
    headers = {"Idempotency-Key": "claim-1"}
    assert agent.post("/callbacks/next", headers=headers).status_code == 204
    [customer] = make_customers(db, 1)
    agent.post("/callbacks", json={"customer_id": customer, "topic": "delivery"})
    # the repeat answers as the first did; a new key claims the new callback
    assert agent.post("/callbacks/next", headers=headers).status_code == 204
    assert agent.post("/callbacks/next", headers={"Idempotency-Key": "claim-2"}).status_code == 200


def test_keys_are_per_user(api, db) -> None:
    [customer] = make_customers(db, 1)
    a, b = api.as_role("agent"), api.as_role("agent")
    ra = a.post(
        f"/customers/{customer}/notes", json={"body": "A"}, headers={"Idempotency-Key": "same"}
    )
    rb = b.post(
        f"/customers/{customer}/notes", json={"body": "A"}, headers={"Idempotency-Key": "same"}
    )
    assert ra.status_code == rb.status_code == 201
    assert ra.json()["id"] != rb.json()["id"]


def _orphan(db, username: str, key: str, method: str, path: str, body, age_s: float) -> None:
    """A key reserved by a request whose effect never committed (the database went away
    between the two, so the reservation could not be freed either)."""
    import hashlib
    import json
    from datetime import timedelta

    from services.models import IdempotencyRecord, User
    from services.timeutil import utcnow

    fingerprint = hashlib.sha256(
        json.dumps([method, path, body], sort_keys=True, default=str).encode()
    ).hexdigest()
    with db.write() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        s.add(
            IdempotencyRecord(
                user_id=user_id,
                key=key,
                request_hash=fingerprint,
                created_at=utcnow() - timedelta(seconds=age_s),
            )
        )


def test_a_retry_takes_over_a_reservation_orphaned_by_a_database_outage(api, db) -> None:
    [customer] = make_customers(db, 1)
    agent = api.as_role("agent")
    body = NoteBody(body="장애 중 쓴 메모").model_dump()  # as the route sees it
    path = f"/api/v1/customers/{customer}/notes"
    _orphan(db, agent.username, "orphan-1", "POST", path, body, age_s=5)
    retry = agent.post(
        f"/customers/{customer}/notes", json={"body": body["body"]},
        headers={"Idempotency-Key": "orphan-1"},
    )
    assert retry.status_code == 201, retry.text
    again = agent.post(
        f"/customers/{customer}/notes", json={"body": body["body"]},
        headers={"Idempotency-Key": "orphan-1"},
    )
    assert again.status_code == 201 and again.json()["id"] == retry.json()["id"]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 1


def test_a_reservation_still_in_its_first_moments_is_waited_for(api, db, monkeypatch) -> None:
    from services.api import writes

    monkeypatch.setattr(writes, "WAIT_FOR_FIRST", 0.5)
    [customer] = make_customers(db, 1)
    agent = api.as_role("agent")
    path = f"/api/v1/customers/{customer}/notes"
    _orphan(db, agent.username, "young-1", "POST", path, NoteBody(body="x").model_dump(), age_s=0)
    resp = agent.post(
        f"/customers/{customer}/notes", json={"body": "x"}, headers={"Idempotency-Key": "young-1"}
    )
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "idempotency_in_progress"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Note)) == 0
