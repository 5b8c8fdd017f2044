"""Ingest under a bad launch day, over HTTP to real `serve` processes.

The day's upstream stream (reservations, orders, shipments, activations of a few hundred
customers, loops and failures included) is first delivered once, in order, to a fresh
database: that is the truth. Then again to a fresh database through a `serve` process,
shuffled, with one event in five sent twice, in batches: the final state is the same, no
status ever steps back while it arrives, and every duplicate answers 2xx "duplicate" and
changes nothing. Last, a `serve` process is SIGKILLed while it works through a batch, and
the batch is posted again to a second one: nothing is lost and nothing counted twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from services.db import Database
from services.lifecycles import ACTIVATION, ORDER, RESERVATION, SHIPMENT
from services.models import Activation, IngestedEvent, Order, Reservation, Shipment
from tests.reliability.serving import Served
from tests.reliability.staff import staff
from tests.services.test_ingest import (
    ACTIVATION_PATHS,
    ORDER_PATHS,
    SHIPMENT_PATHS,
    snapshot,
)
from tests.support.launch import FULL_SHIPMENT, customer_journey, ingest

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


@pytest.mark.parametrize("delay", [0.05, 0.3])
def test_serve_killed_mid_batch_then_batch_reposted_loses_and_doubles_nothing(
    fresh_database: Callable[[], Database], serve: Callable[..., Served], delay: float
) -> None:
    events = launch_day(130, seed=3)[:1000]
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
        time.sleep(delay)
        first.kill()
        sender.join(30)
        assert "error" in outcome or "resp" in outcome
        with db.read() as s:
            stored = s.scalar(select(func.count()).select_from(IngestedEvent))
        # one transaction per batch: all of it or none of it
        assert stored in (0, len(events)), stored

        second = serve(db.url)
        resp = _post(second, token, events)
        assert resp.status_code == 200, resp.text[:500]
        counts = resp.json()["counts"]
        print(f"\nkilled after {delay} s ({stored} stored); re-post: {counts}")
        assert set(counts) <= {"applied", "history_only", "duplicate", "held"}
        assert "rejected" not in counts
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(IngestedEvent)) == len(events)
        assert snapshot(db) == expected
    finally:
        db.dispose()
