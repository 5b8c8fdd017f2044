from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

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
