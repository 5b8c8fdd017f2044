from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services import messages
from services.errors import Conflict, Invalid
from services.models import Customer, Message
from services.outbox import Outbox
from tests.support.gateway import Gateway
from tests.support.people import make_customers

DAYTIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 12:00 in Seoul
NIGHT = datetime(2026, 11, 24, 13, 30, tzinfo=UTC)  # 22:30 in Seoul
FIELDS = {"order_no": "00000000018", "courier": "우체국택배", "tracking_no": "1234567890123"}


def send(db, customer_id, *, now, override=None):
    with db.write() as s:
        customer = s.get(Customer, customer_id)
        return messages.enqueue(
            s,
            customer=customer,
            template="tracking",
            fields=FIELDS,
            actor="agent1",
            override_reason=override,
            now=now,
        ).id


def test_quiet_hours_are_seoul_evenings_and_mornings() -> None:
    assert messages.in_quiet_hours(NIGHT)
    assert messages.in_quiet_hours(datetime(2026, 11, 23, 22, 59, tzinfo=UTC))  # 07:59 KST
    assert not messages.in_quiet_hours(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # 08:00 KST
    assert not messages.in_quiet_hours(DAYTIME)


def test_quiet_hours_refuse_unless_overridden_with_a_reason(db) -> None:
    [customer] = make_customers(db, 1)
    with pytest.raises(Conflict, match="quiet hours"):
        send(db, customer, now=NIGHT)
    with pytest.raises(Invalid, match="needs a reason"):
        send(db, customer, now=NIGHT, override="  ")
    assert send(db, customer, now=NIGHT, override="고객 요청으로 야간 발송")


def test_same_template_within_24_hours_is_refused(db) -> None:
    [customer] = make_customers(db, 1)
    send(db, customer, now=DAYTIME)
    with pytest.raises(Conflict, match="last 24 hours"):
        send(db, customer, now=DAYTIME + timedelta(hours=23))
    assert send(db, customer, now=DAYTIME + timedelta(hours=25))
    with db.read() as s:
        bodies = s.scalars(select(Message.body)).all()
    assert all("1234567890123" in b and "고객1" in b for b in bodies)


def test_outbox_delivers_each_message_once_with_its_key(db) -> None:
    customers = make_customers(db, 3)
    ids = [send(db, c, now=DAYTIME) for c in customers]
    with Gateway() as gateway:
        gateway.fail_next = 1
        outbox = Outbox(db, gateway.url)
        outbox.run_once()  # one answer 503: that message goes back to the queue
        outbox.run_once()
        assert outbox.run_once() == 0
    with db.read() as s:
        rows = s.scalars(select(Message).where(Message.id.in_(ids))).all()
        assert {m.status for m in rows} == {"sent"}
        keys = {m.message_key for m in rows}
    assert sorted(r["key"] for r in gateway.received) == sorted(keys)
    assert all(r["body"]["to"].startswith("010") for r in gateway.received)


def test_without_a_gateway_messages_are_recorded_as_sent(db) -> None:
    [customer] = make_customers(db, 1)
    message_id = send(db, customer, now=DAYTIME)
    Outbox(db, None).run_once()
    with db.read() as s:
        assert s.get(Message, message_id).status == "sent"
