"""The SMS sender killed at every step; a local gateway counts what it was given.

The steps of one send: the row is marked `sending` (committed), the gateway is asked
whether it already has the message (only for a row found stale), the message is posted,
the gateway takes it, the gateway answers, the row is marked `sent`. A real
`main.py outbox` process is SIGKILLed:

- before the gateway took a message (it holds the request, then refuses it): that one and
  the rest of the sender's batch are left `sending`, the gateway has none of them;
- after the gateway took a message and before the sender heard back: the gateway has it,
  the row still says `sending`;

and again and again, alternating, with each new sender itself killed while it reconciles,
until everything is out. The gateway must see each message key exactly once and every
message must end `sent`: the next sender asks the gateway, never blindly resends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from services import messages
from services.db import Database
from services.models import Customer, Message
from services.outbox import Outbox
from tests.support.gateway import Gateway
from tests.support.people import make_customers
from tests.support.serving import ROOT

DAYTIME = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # noon in Seoul: not quiet hours
FIELDS = {"order_no": "00000000018", "courier": "우체국택배", "tracking_no": "1234567890123"}


def _queue_messages(db: Database, count: int) -> list[int]:
    ids = []
    with db.write() as s:
        for cid in make_customers(db, count):
            customer = s.get(Customer, cid)
            ids.append(
                messages.enqueue(
                    s, customer=customer, template="tracking", fields=FIELDS, actor="t", now=DAYTIME
                ).id
            )
    return ids


def _sender(db: Database, gateway: Gateway) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LAUNCHDESK_DATABASE_URL": db.url}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "outbox", "--gateway", gateway.url],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _presume_dead(db: Database) -> None:
    """Time passes: `sending` rows become old enough to be reconciled."""
    with db.write() as s:
        s.execute(
            update(Message)
            .where(Message.status == "sending")
            .values(status_at=datetime.now(UTC) - timedelta(minutes=5))
        )


def _states(db: Database, ids: list[int]) -> Counter[str]:
    with db.read() as s:
        return Counter(s.scalars(select(Message.status).where(Message.id.in_(ids))))


def test_sender_killed_at_every_step_sends_each_message_exactly_once(db: Database) -> None:
    ids = _queue_messages(db, 24)
    kills: list[str] = []
    with Gateway() as gateway:
        # Alternate the two kill points, a few messages further each round.
        plan = [("before taken", 2), ("after taken", 3), ("before taken", 1), ("after taken", 2)]
        for point, nth in plan * 2:
            if _states(db, ids)["sent"] == len(ids):
                break
            gateway.held.clear()
            gateway.release.clear()
            gateway.hold_after = None
            gateway.hold_before = None
            if point == "after taken":
                gateway.hold_after = len(gateway.received) + nth
            else:
                gateway.hold_before = gateway.posts + nth
            sender = _sender(db, gateway)
            if not gateway.held.wait(60):
                sender.kill()
                raise AssertionError(f"the sender never reached the gateway ({point})")
            sender.send_signal(signal.SIGKILL)
            sender.wait(10)
            kills.append(f"{point} #{nth}: {dict(_states(db, ids))}")
            gateway.hold_after = gateway.hold_before = None
            gateway.release.set()
            assert _states(db, ids)["sending"] >= 1  # the dead sender left its batch mid-way
            _presume_dead(db)
        # A sender that is left alone finishes the job.
        survivor = Outbox(db, gateway.url)
        while survivor.run_once():
            _presume_dead(db)
    print("\nkills:\n  " + "\n  ".join(kills))
    assert len(kills) >= 6
    keys = Counter(r["key"] for r in gateway.received)
    with db.read() as s:
        expected = set(s.scalars(select(Message.message_key).where(Message.id.in_(ids))))
    assert set(keys) == expected, "a message never reached the gateway"
    assert set(keys.values()) == {1}, {k: n for k, n in keys.items() if n > 1}
    assert _states(db, ids) == Counter({"sent": len(ids)})


def test_gateway_down_then_back_loses_nothing(db: Database) -> None:
    ids = _queue_messages(db, 6)
    with Gateway() as gateway:
        gateway.fail_next = 4
        outbox = Outbox(db, gateway.url)
        outbox.run_once()  # four refused: back to the queue with the reason
        with db.read() as s:
            errors = list(s.scalars(select(Message.error).where(Message.status == "queued")))
        assert len(errors) == 4 and all("503" in e for e in errors)
        while outbox.run_once():
            pass
    assert Counter(r["key"] for r in gateway.received).most_common(1)[0][1] == 1
    assert len(gateway.received) == 6
    assert _states(db, ids) == Counter({"sent": 6})
