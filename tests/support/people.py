"""Customers made quickly for queue and feed tests (reservation events only)."""

from __future__ import annotations

from services.db import Database
from services.identifiers import make_reservation_no
from tests.support.launch import MODEL, ingest, stamp


def make_customers(db: Database, count: int, *, first_serial: int = 1) -> list[int]:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from services.models import Customer

    at = datetime.now(UTC) - timedelta(days=1)
    events = [
        {
            "source": "reservation_site",
            "event_id": f"res-{serial}",
            "occurred_at": stamp(at),
            "type": "reservation.created",
            "reservation_no": make_reservation_no(serial),
            "model": MODEL,
            "customer": {
                "ref": f"P{serial:08d}",
                "name": f"고객{serial}",
                "mobile": f"010{serial:08d}",
            },
        }
        for serial in range(first_serial, first_serial + count)
    ]
    for start in range(0, len(events), 1000):
        results = ingest(db, events[start : start + 1000])
        assert {r["result"] for r in results} == {"applied"}, results[:3]
    refs = [f"P{serial:08d}" for serial in range(first_serial, first_serial + count)]
    with db.read() as s:
        return list(
            s.scalars(select(Customer.id).where(Customer.ref.in_(refs)).order_by(Customer.id))
        )
