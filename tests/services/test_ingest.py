from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from services.identifiers import make_order_no, make_reservation_no
from services.models import (
    Activation,
    Contradiction,
    IngestedEvent,
    Order,
    Reservation,
    Shipment,
    StatusHistory,
)
from services.timeutil import as_utc
from tests.support.launch import FULL_ORDER, FULL_SHIPMENT, customer_journey, ingest, stamp

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)

ORDER_PATHS = [
    ["draft"],
    ["received"],
    ["draft", "received"],
    ["draft", "cancelled"],
    ["draft", "received", "cancelled"],
    ["received", "preparing"],
    ["received", "preparing", "shipped"],
    FULL_ORDER,
    FULL_ORDER[1:],
]
SHIPMENT_PATHS = [
    FULL_SHIPMENT[:2],
    FULL_SHIPMENT[:3],
    FULL_SHIPMENT,
    [*FULL_SHIPMENT[:4], "delivery_failed", "out_for_delivery", "delivered"],
    [*FULL_SHIPMENT[:4], "delivery_failed", "returned"],
    [*FULL_SHIPMENT[:3], "returned"],
]
ACTIVATION_PATHS = [
    [],
    ["requested"],
    ["requested", "in_progress", "completed"],
    ["requested", "in_progress", "failed", "requested", "in_progress", "completed"],
    ["requested", "failed"],
    ["requested", "in_progress", "failed", "requested"],
]


@st.composite
def launches(draw: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for serial in range(1, draw(st.integers(1, 3)) + 1):
        order = draw(st.sampled_from(ORDER_PATHS))
        shipment: list[str] = []
        activation: list[str] = []
        if "shipped" in order:
            shipment = draw(st.sampled_from(SHIPMENT_PATHS))
            if order[-1] == "delivered" and shipment[-1] != "delivered":
                shipment = FULL_SHIPMENT
        if order[-1] == "delivered":
            activation = draw(st.sampled_from(ACTIVATION_PATHS))
        events += customer_journey(
            serial,
            start=T0 + timedelta(minutes=serial),
            order=order,
            shipment=shipment,
            activation=activation,
            step=timedelta(minutes=draw(st.integers(1, 90))),
        )
    return events


def snapshot(db) -> dict[str, Any]:
    with db.read() as s:
        state = {
            "reservations": sorted(
                s.execute(select(Reservation.reservation_no, Reservation.status)).all()
            ),
            "orders": sorted(
                s.execute(select(Order.order_no, Order.status, Order.received_at)).all()
            ),
            "shipments": sorted(
                (o, st_)
                for o, st_ in s.execute(
                    select(Order.order_no, Shipment.status).join(
                        Order, Order.id == Shipment.order_id
                    )
                ).all()
            ),
            "activations": sorted(
                s.execute(
                    select(Order.order_no, Activation.status).join(
                        Order, Order.id == Activation.order_id
                    )
                ).all()
            ),
            "reported": sorted(
                (t, st_, at.isoformat() if at else "")
                for t, st_, at in s.execute(
                    select(
                        StatusHistory.subject_type,
                        StatusHistory.to_status,
                        StatusHistory.occurred_at,
                    ).where(StatusHistory.effect != "not_reported")
                ).all()
            ),
            "open_contradictions": sorted(
                s.execute(select(Contradiction.kind).where(Contradiction.resolved_at.is_(None)))
                .scalars()
                .all()
            ),
        }
    return state


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=launches(), data=st.data())
def test_in_order_shuffled_and_duplicated_delivery_reach_the_same_state(
    fresh_database, events, data
) -> None:
    in_order = fresh_database()
    results = ingest(in_order, events)
    assert {r["result"] for r in results} <= {"applied", "history_only"}, results
    expected = snapshot(in_order)
    in_order.dispose()

    shuffled = data.draw(st.permutations(events))
    extra = data.draw(st.lists(st.sampled_from(events), max_size=len(events)))
    stream = shuffled + extra
    stream = data.draw(st.permutations(stream))
    cut = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    batches = [stream[a:b] for a, b in zip([0, *cut], [*cut, len(stream)], strict=True) if b > a]
    chaotic = fresh_database()
    seen: set[tuple[str, str]] = set()
    for batch in batches:
        for event, result in zip(batch, ingest(chaotic, batch), strict=True):
            key = (event["source"], event["event_id"])
            assert result["result"] != "rejected", result
            if key in seen:
                assert result["result"] == "duplicate"
            seen.add(key)
    assert snapshot(chaotic) == expected
    chaotic.dispose()


def test_late_event_is_kept_in_history_and_never_regresses(db) -> None:
    events = customer_journey(1, order=["received", "preparing", "shipped"])
    late = events.pop(3)  # order.status preparing
    ingest(db, events)
    [result] = ingest(db, [late])
    assert result["result"] == "history_only"
    with db.read() as s:
        order = s.scalar(select(Order))
        assert order.status == "shipped"
        rows = s.scalars(select(StatusHistory).where(StatusHistory.subject_type == "order")).all()
        assert [(r.to_status, r.effect) for r in rows if r.to_status == "preparing"] == [
            ("preparing", "history_only")
        ]


def test_skipped_step_shows_not_reported_until_it_arrives(db) -> None:
    events = customer_journey(
        1, order=["received", "preparing", "shipped", "delivered"], shipment=FULL_SHIPMENT
    )
    skipped = [
        e
        for e in events
        if e["type"] == "shipment.status" and e["status"] in ("picked_up", "in_transit")
    ]
    ingest(db, [e for e in events if e not in skipped])
    with db.read() as s:
        effects = dict(
            s.execute(
                select(StatusHistory.to_status, StatusHistory.effect).where(
                    StatusHistory.subject_type == "shipment"
                )
            ).all()
        )
    assert effects["picked_up"] == effects["in_transit"] == "not_reported"
    ingest(db, skipped)
    with db.read() as s:
        effects = dict(
            s.execute(
                select(StatusHistory.to_status, StatusHistory.effect).where(
                    StatusHistory.subject_type == "shipment"
                )
            ).all()
        )
        assert s.scalar(select(Shipment.status)) == "delivered"
    assert effects["picked_up"] == effects["in_transit"] == "history_only"


def test_shipment_before_its_order_is_held_then_applied(db) -> None:
    events = customer_journey(
        1, order=["received", "preparing", "shipped"], shipment=["label_created"]
    )
    ship = events[-1]
    [held] = ingest(db, [ship])
    assert held["result"] == "held"
    results = ingest(db, events[:-1])
    assert {r["result"] for r in results} == {"applied"}
    with db.read() as s:
        assert s.scalar(select(Shipment.status)) == "label_created"
    # re-sent: a duplicate, no effect
    assert ingest(db, [ship])[0]["result"] == "duplicate"


def test_contradiction_flagged_and_resolved_when_order_catches_up(db) -> None:
    events = customer_journey(
        1, order=["received", "preparing", "shipped", "delivered"], shipment=FULL_SHIPMENT
    )
    order_events = [e for e in events if e["type"] == "order.status"]
    ingest(db, [e for e in events if e not in order_events])
    with db.read() as s:
        kinds = s.scalars(
            select(Contradiction.kind).where(Contradiction.resolved_at.is_(None))
        ).all()
    assert kinds == ["shipment_ahead_of_order"]
    ingest(db, order_events)
    with db.read() as s:
        assert (
            s.scalars(select(Contradiction.kind).where(Contradiction.resolved_at.is_(None))).all()
            == []
        )


def test_bad_events_are_rejected_one_by_one(db) -> None:
    good = customer_journey(1, order=[])
    at = stamp(T0)
    bad = [
        {"source": "order_system", "event_id": "x1", "occurred_at": at, "type": "order.teleported"},
        {"source": "nowhere", "event_id": "x2", "occurred_at": at, "type": "order.status"},
        {
            "source": "reservation_site",
            "event_id": "x3",
            "occurred_at": "2026-11-20T10:00:00",
            "type": "reservation.status",
            "reservation_no": make_reservation_no(1),
            "status": "converted",
        },
        {
            "source": "order_system",
            "event_id": "x4",
            "occurred_at": at,
            "type": "order.created",
            "order_no": make_reservation_no(2),
            "reservation_no": make_reservation_no(1),
            "model": "m",
            "delivery_method": "dawn",
            "status": "received",
        },
        {
            "source": "order_system",
            "event_id": "x5",
            "occurred_at": at,
            "type": "order.created",
            "order_no": make_order_no(2),
            "reservation_no": make_reservation_no(1),
            "model": "m",
            "delivery_method": "drone",
            "status": "received",
        },
        "not an object",
        {"source": "order_system", "event_id": "", "occurred_at": at, "type": "order.status"},
        {"source": "order_system", "event_id": "x\x00", "occurred_at": at, "type": "order.status"},
    ]
    results = ingest(db, [*good, *bad])
    assert [r["result"] for r in results] == ["applied"] + ["rejected"] * len(bad)
    errors = [r["error"] for r in results[1:]]
    assert "unknown event type" in errors[0]
    assert "source must be one of" in errors[1]
    assert "offset" in errors[2]
    assert "order number" in errors[3].lower()
    assert "delivery_method" in errors[4]


def _order_status(event_id: str, status: str) -> dict[str, Any]:
    """The order system moving customer 1's order to `status` now."""
    return {
        "source": "order_system",
        "event_id": event_id,
        "occurred_at": stamp(datetime.now(UTC)),
        "type": "order.status",
        "order_no": make_order_no(1),
        "status": status,
    }


def test_illegal_upstream_move_is_rejected_and_flagged(db) -> None:
    events = customer_journey(1, order=["received", "preparing"])
    ingest(db, events)
    cancel = _order_status("late-cancel", "cancelled")
    [result] = ingest(db, [cancel])
    assert result["result"] == "rejected" and "preparing" in result["error"]
    with db.read() as s:
        assert s.scalar(select(Order.status)) == "preparing"
        assert s.scalar(select(Contradiction.kind)) == "upstream_conflict"


def test_a_rejected_event_sent_again_corrected_is_judged_afresh(db) -> None:
    """A rejection had no effect, so upstream may fix the event and send it with the same
    event_id: it is applied, not answered as a duplicate; a taken one stays taken."""
    ingest(db, customer_journey(1, order=["received", "preparing"]))
    # preparing cannot be cancelled upstream: rejected and kept
    wrong = _order_status("fix-me", "cancelled")
    [first] = ingest(db, [wrong])
    assert first["result"] == "rejected" and "preparing" in first["error"]
    [again] = ingest(db, [wrong])
    assert again["result"] == "rejected"  # judged again, still wrong
    corrected = {**wrong, "status": "shipped"}
    [fixed] = ingest(db, [corrected])
    assert fixed["result"] == "applied"
    [repeat] = ingest(db, [corrected])
    assert repeat["result"] == "duplicate"
    with db.read() as s:
        assert s.scalar(select(Order.status)) == "shipped"
        results = s.scalars(
            select(IngestedEvent.result).where(IngestedEvent.event_id == "fix-me")
        ).all()
        assert results == ["applied"]


def test_every_arrival_order_of_a_retry_loop_ends_where_upstream_ended(fresh_database) -> None:
    import itertools

    events = customer_journey(
        1,
        start=T0,
        order=FULL_ORDER,
        shipment=[*FULL_SHIPMENT[:4], "delivery_failed", "out_for_delivery"],
        activation=["requested", "in_progress", "failed", "requested"],
    )
    loop = [e for e in events if e["type"] == "activation.status"]
    ship_tail = [e for e in events if e["type"] == "shipment.status"][-3:]
    base = [e for e in events if e not in loop and e not in ship_tail]
    db = fresh_database()
    ingest(db, base)
    for perm_a, perm_s in zip(
        itertools.permutations(loop),
        itertools.cycle(itertools.permutations(ship_tail)),
        strict=False,
    ):
        trial = fresh_database()
        ingest(trial, base)
        ingest(trial, [*perm_a, *perm_s])
        state = snapshot(trial)
        assert state["activations"] == [(make_order_no(1), "requested")], [
            e["status"] for e in perm_a
        ]
        assert state["shipments"] == [(make_order_no(1), "out_for_delivery")], [
            e["status"] for e in perm_s
        ]
        trial.dispose()
    db.dispose()


def _event(source: str, etype: str, event_id: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "source": source,
        "event_id": event_id,
        "occurred_at": stamp(at),
        "type": etype,
        **fields,
    }


def test_every_change_to_subjects_stored_earlier_reaches_their_rows(db) -> None:
    """Ingest writes subjects back itself (one UPDATE per table): every column a move or its
    event changes arrives, for several rows of each table at once, and a subject inserted
    earlier in the same batch is moved by the held event its creation releases."""
    start = T0
    first = []
    for serial in (1, 2, 3):
        first += customer_journey(
            serial,
            start=start,
            order=["draft"],
            shipment=["label_created"],
            activation=["requested"],
        )
    first += customer_journey(5, start=start, order=[])
    ingest(db, first)
    with db.read() as s:
        before = {o.order_no: o.updated_at for o in s.scalars(select(Order))}
    later = start + timedelta(days=1)
    second = [
        _event(
            "reservation_site",
            "reservation.status",
            "r-5",
            later,
            reservation_no=make_reservation_no(5),
            status="cancelled",
        )
    ]
    for serial in (1, 2, 3):
        no = make_order_no(serial)
        second += [
            _event(
                "order_system",
                "order.status",
                f"o-{serial}",
                later,
                order_no=no,
                status="received",
                cause="stock_shortage",
            ),
            _event(
                "courier",
                "shipment.status",
                f"s-{serial}",
                later,
                order_no=no,
                tracking_no=f"{serial:012d}",
                courier="CJ대한통운",
                status="picked_up",
            ),
            _event(
                "activation_system",
                "activation.status",
                f"a-{serial}",
                later,
                order_no=no,
                status="failed",
                reason=f"유심 {serial}",
            ),
        ]
    assert {r["result"] for r in ingest(db, second)} == {"applied"}
    with db.read() as s:
        reservation = s.scalar(
            select(Reservation).where(Reservation.reservation_no == make_reservation_no(5))
        )
        assert (reservation.status, as_utc(reservation.status_at)) == ("cancelled", later)
        for order in s.scalars(select(Order)):
            assert (order.status, order.cause) == ("received", "stock_shortage")
            assert as_utc(order.received_at) == as_utc(order.status_at) == later
            assert order.status_key == f"order_system:o-{int(order.order_no[:10])}"
            assert order.updated_at > before[order.order_no]
        rows = s.execute(select(Order.order_no, Shipment).join(Shipment)).all()
        assert {(no, sh.status, sh.tracking_no, sh.courier) for no, sh in rows} == {
            (make_order_no(n), "picked_up", f"{n:012d}", "CJ대한통운") for n in (1, 2, 3)
        }
        rows = s.execute(select(Order.order_no, Activation).join(Activation)).all()
        assert {(no, a.status, a.reason) for no, a in rows} == {
            (make_order_no(n), "failed", f"유심 {n}") for n in (1, 2, 3)
        }

    # an order's move that arrives before the order: held, then applied in the batch that
    # creates the order, to the row that batch has just inserted
    journey = customer_journey(4, start=start, order=["draft"])
    no = make_order_no(4)
    [held] = ingest(
        db, [_event("order_system", "order.status", "o-4", later, order_no=no, status="received")]
    )
    assert held["result"] == "held"
    assert {r["result"] for r in ingest(db, journey)} == {"applied"}
    with db.read() as s:
        order = s.scalar(select(Order).where(Order.order_no == no))
        assert (order.status, as_utc(order.received_at)) == ("received", later)
        effects = s.execute(
            select(StatusHistory.to_status, StatusHistory.effect)
            .where(StatusHistory.subject_type == "order", StatusHistory.subject_id == order.id)
            .order_by(StatusHistory.id)
        ).all()
    assert effects == [("draft", "applied"), ("received", "applied")]
