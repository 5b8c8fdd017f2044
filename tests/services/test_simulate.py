"""The launch simulator: its events are what ingest takes, and lifecycles move."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import text

from services import simulate
from services.db import Database
from services.identifiers import (
    normalize_mobile,
    parse_order_no,
    parse_reservation_no,
    parse_tracking_no,
)
from services.ingest import DELIVERY_METHODS, SOURCES, ingest_batch
from services.lifecycles import ACTIVATION, ORDER, RESERVATION, SHIPMENT, STUCK_CAUSES
from services.migrate import upgrade
from services.simulate import LaunchSimulator, serial_of
from services.timeutil import parse_iso_with_offset

START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
FIELDS = {
    "reservation.created": {"reservation_no", "model", "customer"},
    "reservation.status": {"reservation_no", "status"},
    "order.created": {"order_no", "reservation_no", "model", "delivery_method", "status"},
    "order.status": {"order_no", "status"},
    "shipment.status": {"order_no", "tracking_no", "courier", "status"},
    "activation.status": {"order_no", "status"},
}
OPTIONAL = {"order.status": {"cause"}, "activation.status": {"reason"}}
COMMON = {"source", "event_id", "occurred_at", "type"}
to_json = json.dumps


def simulator(**kwargs: Any) -> LaunchSimulator:
    # A launch hour in about a second: whole journeys within a few thousand events.
    options: dict[str, Any] = {
        "seed": 7,
        "start_serial": 5_000_000,
        "now": lambda: START,
        "rate": 20.0,
        "speedup": 3000.0,
    }
    return LaunchSimulator(**{**options, **kwargs})


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path}/x.sqlite3")
    upgrade(db.engine)
    yield db
    db.dispose()


def ingest(db: Database, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results = []
    for start in range(0, len(events), 500):
        with db.write() as s:
            results += ingest_batch(s, json.loads(json.dumps(events[start : start + 500])))
    return results


def test_events_apply_without_rejection_and_lifecycles_advance(sqlite_db: Database) -> None:
    events = simulator().next_events(1500)
    results = ingest(sqlite_db, events)
    outcome = Counter(r["result"] for r in results)
    assert outcome["rejected"] == 0, [r for r in results if r["result"] == "rejected"][:3]
    sent_before: set[tuple[str, str]] = set()
    repeats = 0
    for event in events:
        key = (event["source"], event["event_id"])
        repeats += key in sent_before
        sent_before.add(key)
    assert outcome["duplicate"] == repeats > 0
    assert outcome["applied"] > 1200
    with sqlite_db.read() as s:
        held = s.scalar(text("SELECT COUNT(*) FROM ingested_events WHERE result = 'held'"))
        states = {
            table: dict(s.execute(text(f"SELECT status, COUNT(*) FROM {table} GROUP BY 1")).all())
            for table in ("reservations", "orders", "shipments", "activations")
        }
        late = s.scalar(text("SELECT COUNT(*) FROM status_history WHERE effect = 'history_only'"))
    assert held == 0  # whatever arrived before its subject was applied when the subject came
    assert late > 0  # the out-of-order pairs: a later step first, the earlier one kept
    assert states["reservations"]["converted"] > 0
    assert states["orders"]["delivered"] > 0 and states["orders"]["received"] > 0
    assert states["shipments"]["delivered"] > 0
    assert states["activations"]["completed"] > 0


def test_same_seed_same_stream_and_another_seed_another() -> None:
    first = simulator().next_events(1500)
    again = simulator()
    assert again.next_events(700) + again.next_events(800) == first
    assert simulator(seed=8).next_events(1500) != first


def test_events_follow_the_contract() -> None:
    events = simulator().next_events(3000)
    first_copy: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        etype = event["type"]
        assert event["source"] in SOURCES
        assert set(event) - COMMON <= FIELDS[etype] | OPTIONAL.get(etype, set())
        assert FIELDS[etype] <= set(event)
        assert 1 <= len(event["event_id"]) <= 100
        key = (event["source"], event["event_id"])
        if key in first_copy:  # a duplicate is the same event again
            assert first_copy[key] == event
        first_copy[key] = event
        at = event["occurred_at"]
        assert at.endswith(("+09:00", "Z"))
        assert START <= parse_iso_with_offset(at) <= START + timedelta(seconds=3000 / 20)
        if "reservation_no" in event:
            assert parse_reservation_no(event["reservation_no"]) == event["reservation_no"]
        if "order_no" in event:
            assert parse_order_no(event["order_no"]) == event["order_no"]
        if etype == "reservation.created":
            customer = event["customer"]
            assert set(customer) == {"ref", "name", "mobile"}
            assert normalize_mobile(customer["mobile"]).startswith("010")
            assert customer["ref"] == f"C{serial_of(event):08d}"
        elif etype == "reservation.status":
            assert event["status"] in RESERVATION.states
        elif etype == "order.created":
            assert event["delivery_method"] in DELIVERY_METHODS
            assert event["status"] in ("draft", "received")
        elif etype == "order.status":
            assert event["status"] in ORDER.states
            assert event.get("cause", "unknown") in STUCK_CAUSES
        elif etype == "shipment.status":
            assert event["status"] in SHIPMENT.states
            _, kind = parse_tracking_no(event["tracking_no"])
            assert kind == ("postal" if event["courier"] == "우체국택배" else "private")
        elif etype == "activation.status":
            assert event["status"] in ACTIVATION.states
            assert ("reason" in event) == (event["status"] == "failed")
    kinds = Counter(e["type"] for e in events)
    assert set(kinds) == set(FIELDS)
    assert {e["source"] for e in events} == set(SOURCES) - {"sms_gateway"}


def test_times_track_the_clock_and_never_run_ahead() -> None:
    sim = simulator(speedup=None, rate=50.0)  # the default pace: a launch hour a minute
    assert sim.speedup == 60
    for batch in range(5):
        events = sim.next_events(1000)
        clock = START + timedelta(seconds=(batch + 1) * 1000 / 50)
        times = [parse_iso_with_offset(e["occurred_at"]) for e in events]
        assert max(times) <= clock
        assert min(times) >= START
    assert 0 < sim.customers_under_way <= sim.target_customers


def test_serials_stay_in_the_simulator_range_and_apart_from_seeded_ones() -> None:
    sim = simulator(start_serial=9_999_990, speedup=None)
    serials = [serial_of(e) for e in sim.next_events(300) if e["type"] == "reservation.created"]
    assert serials[:12] == [*range(9_999_990, 10_000_000), 5_000_000, 5_000_001]
    assert simulate.SIMULATOR_FIRST_SERIAL <= simulate.default_start_serial() < 10_000_000
    with pytest.raises(ValueError, match="start_serial"):
        LaunchSimulator(start_serial=4_999_999)


def test_a_second_run_on_taken_numbers_is_seen_and_moves_on(sqlite_db: Database) -> None:
    ingest(sqlite_db, simulator().next_events(400))
    # Same numbers, an hour later: the reservations exist, so ingest keeps them as late.
    other = simulator(now=lambda: START + timedelta(hours=1))
    events = other.next_events(50)
    results = ingest(sqlite_db, events)
    taken = {
        serial_of(e)
        for e, r in zip(events, results, strict=True)
        if e["type"] == "reservation.created" and r["result"] == "history_only"
    }
    assert taken
    other.abandon(taken)
    assert other.next_serial > max(taken) + 100_000
    after = other.next_events(400)
    assert not {serial_of(e) for e in after} & taken
    assert not [e for e in after if any(str(s) in e["event_id"] for s in taken)]


class FakeBackend:
    """Stands in for requests.Session: the login and ingest answers of a backend."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.batches: list[list[dict[str, Any]]] = []
        self.lock = threading.Lock()

    def post(self, url: str, *, json: Any, timeout: Any, headers: Any = None) -> Any:
        assert timeout is not None
        response = requests.Response()
        response.status_code = 200
        if url.endswith("/api/v1/auth/login"):
            body: dict[str, Any] = {"token": "t", "user": {"username": json["username"]}}
        else:
            assert url.endswith("/api/v1/ingest/events")
            assert headers == {"Authorization": "Bearer t"}
            if self.failures:
                self.failures -= 1
                raise requests.ConnectionError("backend restarting")
            assert 1 <= len(json["events"]) <= 1000
            with self.lock:
                self.batches.append(json["events"])
            body = {"results": [{"result": "applied"} for _ in json["events"]]}
        response._content = to_json(body).encode()
        return response

    def close(self) -> None:
        pass


def test_run_posts_at_the_rate_and_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = FakeBackend(failures=1)
    monkeypatch.setattr(simulate.requests, "Session", lambda: backend)
    monkeypatch.setattr(simulate._Client, "_backoff", lambda self, delay, why: delay)
    lines: list[str] = []
    posted = simulate.run(
        "http://backend.invalid/",
        rate=400,
        username="integration1",
        password="integration1-demo",
        duration=1.0,
        batch=100,
        log=lines.append,
    )
    assert posted == sum(len(b) for b in backend.batches)
    assert 300 <= posted <= 500  # about the rate, for about the duration
    assert all(len(b) == 100 for b in backend.batches)
    assert lines[0].startswith("simulate: posting about 400 events/s")
    assert any("applied 100" in line for line in lines)
    stop = threading.Event()
    stop.set()
    assert simulate.run("http://x", rate=5, username="u", password="p", stop=stop) == 0
