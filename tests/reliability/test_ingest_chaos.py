"""Ingest under a bad launch day, over HTTP to real `serve` processes.

The day's upstream stream (reservations, orders, shipments, activations of a few hundred
customers, loops and failures included) is first delivered once, in order, to a fresh
database: that is the truth. Then again to a fresh database through a `serve` process,
shuffled, with one event in five sent twice, in batches: the final state is the same, no
status ever steps back while it arrives, and every duplicate answers 2xx "duplicate" and
changes nothing. Last, a `serve` process is SIGKILLed while a 1,000-event batch is inside
its transaction (seen from outside: SQLite's writer lock held, or a PostgreSQL backend
with a transaction id), and again right after the batch committed, before or as the
client hears back; the client retries the batch on a second process: nothing is lost and
nothing counted twice.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, text

from services.db import Database
from services.lifecycles import ACTIVATION, ORDER, RESERVATION, SHIPMENT
from services.models import Activation, IngestedEvent, Order, Reservation, Shipment
from tests.reliability.staff import staff
from tests.services.test_ingest import (
    ACTIVATION_PATHS,
    ORDER_PATHS,
    SHIPMENT_PATHS,
    snapshot,
)
from tests.support.launch import FULL_SHIPMENT, customer_journey, ingest
from tests.support.serving import Served

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
TIMEOUT = 120


def launch_day(customers: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    events: list[dict[str, Any]] = []
    for serial in range(1, customers + 1):
        order = rng.choice(ORDER_PATHS)
        shipment: list[str] = []
        activation: list[str] = []
        if "shipped" in order:
            shipment = rng.choice(SHIPMENT_PATHS)
            if order[-1] == "delivered" and shipment[-1] != "delivered":
                shipment = FULL_SHIPMENT
        if order[-1] == "delivered":
            activation = rng.choice(ACTIVATION_PATHS)
        events += customer_journey(
            serial,
            start=T0 + timedelta(seconds=serial),
            order=order,
            shipment=shipment,
            activation=activation,
            step=timedelta(minutes=rng.randint(1, 90)),
        )
    return events


def _ranks(db: Database) -> dict[tuple[str, str], int]:
    with db.read() as s:
        out = {("r", no): RESERVATION.rank[st] for no, st in s.execute(
            select(Reservation.reservation_no, Reservation.status))}
        out |= {("o", no): ORDER.rank[st] for no, st in s.execute(
            select(Order.order_no, Order.status))}
        out |= {("s", no): SHIPMENT.rank[st] for no, st in s.execute(
            select(Order.order_no, Shipment.status).join(Order, Order.id == Shipment.order_id))}
        out |= {("a", no): ACTIVATION.rank[st] for no, st in s.execute(
            select(Order.order_no, Activation.status).join(Order, Order.id == Activation.order_id))}
    return out


def _post(served: Served, token: str, batch: list[dict[str, Any]]) -> requests.Response:
    return requests.post(
        served.base + "/ingest/events",
        json={"events": batch},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )


def _truth(fresh_database: Callable[[], Database], events: list[dict[str, Any]]) -> Any:
    ref = fresh_database()
    try:
        results = ingest(ref, events)
        assert {r["result"] for r in results} <= {"applied", "history_only"}
        return snapshot(ref)
    finally:
        ref.dispose()


def test_shuffled_stream_with_duplicates_reaches_the_in_order_state(
    fresh_database: Callable[[], Database], serve: Callable[..., Served]
) -> None:
    events = launch_day(250, seed=11)
    expected = _truth(fresh_database, events)

    rng = random.Random(5)
    duplicates = rng.sample(events, len(events) // 5)
    stream = events + duplicates
    rng.shuffle(stream)
    db = fresh_database()
    try:
        [token] = staff(db, "integration", 1).values()
        served = serve(db.url)
        seen: set[tuple[str, str]] = set()
        counts: dict[str, int] = {}
        last = _ranks(db)
        for start in range(0, len(stream), 150):
            batch = stream[start : start + 150]
            resp = _post(served, token, batch)
            assert resp.status_code == 200, resp.text[:500]
            for event, result in zip(batch, resp.json()["results"], strict=True):
                key = (event["source"], event["event_id"])
                counts[result["result"]] = counts.get(result["result"], 0) + 1
                assert result["result"] != "rejected", result
                if key in seen:
                    assert result["result"] == "duplicate", (key, result)
                seen.add(key)
            now = _ranks(db)
            regressed = {k: (last[k], now[k]) for k in last if now[k] < last[k]}
            assert not regressed, f"statuses stepped back: {list(regressed.items())[:5]}"
            last = now
        print(f"\n{len(events)} events + {len(duplicates)} duplicates, shuffled: {counts}")
        assert counts["duplicate"] >= len(duplicates)
        assert snapshot(db) == expected

        # Yesterday's file again, whole: every event a duplicate, nothing changes.
        for start in range(0, len(events), 1000):
            resp = _post(served, token, events[start : start + 1000])
            assert resp.status_code == 200
            assert resp.json()["counts"] == {"duplicate": len(events[start : start + 1000])}
        assert snapshot(db) == expected
    finally:
        db.dispose()


def _writing(db: Database) -> bool:
    """Whether another connection is inside a write transaction that has written rows."""
    if db.is_sqlite:
        # the writer lock is held: a second BEGIN IMMEDIATE is refused at once
        raw = sqlite3.connect(db.engine.url.database, timeout=0)
        try:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            raw.close()
    with db.engine.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                )
            ).scalar()
        )


def _stored(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(IngestedEvent)) or 0)


@pytest.mark.parametrize("when", ["inside its transaction", "right after its commit"])
def test_serve_killed_mid_batch_then_batch_reposted_loses_and_doubles_nothing(
    fresh_database: Callable[[], Database], serve: Callable[..., Served], when: str
) -> None:
    events = launch_day(170, seed=3)[:1000]
    assert len(events) == 1000
    expected = _truth(fresh_database, events)
    db = fresh_database()
    try:
        [token] = staff(db, "integration", 1).values()
        first = serve(db.url)
        outcome: dict[str, Any] = {}

        def post() -> None:
            try:
                outcome["resp"] = _post(first, token, events)
            except requests.RequestException as exc:
                outcome["error"] = type(exc).__name__

        sender = threading.Thread(target=post)
        sender.start()
        deadline = time.monotonic() + 30
        if when == "inside its transaction":
            # twice in a row: the outbox's own short write transactions do not count
            while not (_writing(db) and (time.sleep(0.02) or _writing(db))):
                assert time.monotonic() < deadline, "the batch never started writing"
        else:
            while _stored(db) < len(events):
                assert time.monotonic() < deadline, "the batch never committed"
                time.sleep(0.005)
        first.kill()
        sender.join(30)
        assert "error" in outcome or "resp" in outcome
        stored = _stored(db)
        # one transaction per batch: all of it or none of it
        assert stored == (0 if when == "inside its transaction" else len(events)), stored

        second = serve(db.url)
        resp = _post(second, token, events)
        assert resp.status_code == 200, resp.text[:500]
        counts = resp.json()["counts"]
        print(
            f"\nserve killed {when} ({stored} stored, client saw "
            f"{outcome.get('error') or outcome['resp'].status_code}); re-post: {counts}"
        )
        assert "rejected" not in counts
        if when == "inside its transaction":
            assert "duplicate" not in counts  # nothing of the killed batch survived
        else:
            assert counts == {"duplicate": len(events)}  # all of it did, once
        assert _stored(db) == len(events)
        assert snapshot(db) == expected
    finally:
        db.dispose()
