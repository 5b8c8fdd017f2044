"""Builders of upstream events for tests, in SPEC's ingest format."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.db import Database
from services.identifiers import make_order_no, make_reservation_no
from services.ingest import ingest_batch
from services.timeutil import SEOUL

MODEL = "iPhone 17 Pro 256GB 코스믹 오렌지"


def stamp(at: datetime) -> str:
    return at.astimezone(SEOUL).isoformat()


def customer_journey(
    serial: int,
    *,
    start: datetime | None = None,
    order: list[str] = ("received",),  # type: ignore[assignment]
    shipment: list[str] = (),  # type: ignore[assignment]
    activation: list[str] = (),  # type: ignore[assignment]
    step: timedelta = timedelta(hours=1),
    model: str = MODEL,
    delivery_method: str = "dawn",
    name: str | None = None,
    mobile: str | None = None,
) -> list[dict[str, Any]]:
    """One customer's events in the order they happened; order[0] is the created status."""
    at = start or datetime.now(UTC) - timedelta(days=2)
    res_no = make_reservation_no(serial)
    order_no = make_order_no(serial)
    events: list[dict[str, Any]] = []

    def ev(source: str, etype: str, **fields: Any) -> None:
        nonlocal at
        events.append(
            {
                "source": source,
                "event_id": f"{etype}-{serial}-{len(events)}",
                "occurred_at": stamp(at),
                "type": etype,
                **fields,
            }
        )
        at += step

    ev(
        "reservation_site",
        "reservation.created",
        reservation_no=res_no,
        model=model,
        customer={
            "ref": f"T{serial:08d}",
            "name": name or f"고객{serial}",
            "mobile": mobile or f"010{serial % 10**8:08d}",
        },
    )
    if order:
        ev("reservation_site", "reservation.status", reservation_no=res_no, status="converted")
        ev(
            "order_system",
            "order.created",
            order_no=order_no,
            reservation_no=res_no,
            model=model,
            delivery_method=delivery_method,
            status=order[0],
        )
        for status in order[1:]:
            ev("order_system", "order.status", order_no=order_no, status=status)
    tracking = f"{serial:013d}"
    for status in shipment:
        ev(
            "courier",
            "shipment.status",
            order_no=order_no,
            tracking_no=tracking,
            courier="우체국택배",
            status=status,
        )
    for status in activation:
        ev(
            "activation_system",
            "activation.status",
            order_no=order_no,
            status=status,
            **({"reason": "유심 인식 오류"} if status == "failed" else {}),
        )
    return events


FULL_ORDER = ["draft", "received", "preparing", "shipped", "delivered"]
FULL_SHIPMENT = ["label_created", "picked_up", "in_transit", "out_for_delivery", "delivered"]


def ingest(db: Database, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with db.write() as session:
        return ingest_batch(session, events)


def customer_id_for(db: Database, serial: int) -> int:
    from sqlalchemy import select

    from services.models import Customer

    with db.read() as s:
        return int(s.scalar(select(Customer.id).where(Customer.ref == f"T{serial:08d}")))
