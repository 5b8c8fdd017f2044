from __future__ import annotations

from sqlalchemy import select

from services.identifiers import make_order_no, make_reservation_no
from services.models import AccessLog, User
from tests.support.launch import (
    FULL_ORDER,
    FULL_SHIPMENT,
    customer_id_for,
    customer_journey,
    ingest,
)


def test_agent_finds_customer_and_sees_the_screen(api, db) -> None:
    ingest(
        db, customer_journey(1, order=FULL_ORDER, shipment=FULL_SHIPMENT, activation=["requested"])
    )
    agent = api.as_role("agent")
    resp = agent.get("/search", params={"q": make_reservation_no(1)})
    assert resp.status_code == 200, resp.text
    matches = resp.json()["matches"]
    assert [m["kind"] for m in matches] == ["reservation"]
    cid = matches[0]["customer_id"]
    assert cid == customer_id_for(db, 1)
    screen = agent.get(f"/customers/{cid}")
    assert screen.status_code == 200, screen.text
    body = screen.json()
    assert body["customer"]["mobile"] == "010-****-0001"
    assert body["orders"][0]["status"] == "delivered"
    assert [h["status"] for h in body["orders"][0]["history"]] == FULL_ORDER
    assert body["shipments"][0]["status"] == "delivered"
    assert body["activations"][0]["status"] == "requested"
    assert body["as_of"]
    # every opening of a customer screen is logged: who, whom, when; a miss is not
    assert agent.get("/customers/999999").status_code == 404
    agent.get(f"/customers/{cid}")
    with db.read() as s:
        user_id = s.scalar(select(User.id).where(User.username == agent.username))
        opened = s.execute(select(AccessLog.user_id, AccessLog.customer_id, AccessLog.at)).all()
    assert [(u, c) for u, c, _ in opened] == [(user_id, cid), (user_id, cid)]
    assert all(at is not None for _, _, at in opened)


def test_wrong_kind_in_reservation_field_is_refused_with_reason(api) -> None:
    agent = api.as_role("agent")
    resp = agent.get("/search", params={"q": make_order_no(5), "kind": "reservation"})
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert "reservation number" in message.lower() and "order number" in message.lower()
