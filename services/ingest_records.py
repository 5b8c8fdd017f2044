"""The subjects an ingest batch reads and changes, as plain records instead of ORM instances.

A batch of 1,000 events touches about as many customers, reservations, orders, shipments
and activations. Loading them into the session and letting its unit of work find and write
the changes took a quarter of a batch's CPU; a record is just the row's values and whether
the row is in the database yet. The batch writes new records with COPY (ingest._insert) and
changed ones with one UPDATE per table (write_changed).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from services.models import Activation, Customer, Order, Reservation, Shipment


@dataclass(slots=True, kw_only=True, eq=False)
class CustomerRecord:
    id: int
    ref: str
    name: str
    mobile: str
    created_at: datetime
    stored: bool = False


@dataclass(slots=True, kw_only=True, eq=False)
class _Subject:
    """What every subject with a lifecycle has: its status, and since when and why."""

    id: int
    customer_id: int
    status: str
    status_at: datetime
    status_key: str
    updated_at: datetime
    stored: bool = False


@dataclass(slots=True, kw_only=True, eq=False)
class ReservationRecord(_Subject):
    reservation_no: str
    model: str
    created_at: datetime


@dataclass(slots=True, kw_only=True, eq=False)
class OrderRecord(_Subject):
    order_no: str
    reservation_id: int
    model: str
    delivery_method: str
    created_at: datetime
    received_at: datetime | None = None
    cause: str | None = None
    owner: str | None = None


@dataclass(slots=True, kw_only=True, eq=False)
class ShipmentRecord(_Subject):
    order_id: int
    tracking_no: str
    courier: str


@dataclass(slots=True, kw_only=True, eq=False)
class ActivationRecord(_Subject):
    order_id: int
    reason: str | None = None


@dataclass(frozen=True)
class Kind:
    """How one record type maps onto its table: every column, and those ingest changes."""

    table: Table
    columns: tuple[str, ...]
    changes: tuple[str, ...]


_STATUS = ("status", "status_at", "status_key", "updated_at")
KINDS: dict[type, Kind] = {}


def _kind(record: type, model: type, changes: tuple[str, ...]) -> None:
    table: Table = model.__table__  # type: ignore[attr-defined]
    columns = tuple(c.key for c in table.columns)
    own = tuple(f.name for f in fields(record) if f.name != "stored")
    # A column added to the table but not here would be inserted as NULL by COPY: refuse
    # to start rather than lose it.
    if sorted(own) != sorted(columns):
        raise RuntimeError(f"{record.__name__} has {own}, table {table.name} has {columns}")
    KINDS[record] = Kind(table, columns, changes)


_kind(CustomerRecord, Customer, ())
_kind(ReservationRecord, Reservation, _STATUS)
_kind(OrderRecord, Order, (*_STATUS, "received_at", "cause"))
_kind(ShipmentRecord, Shipment, (*_STATUS, "tracking_no", "courier"))
_kind(ActivationRecord, Activation, (*_STATUS, "reason"))


def from_row(record: type, row: Row[Any]) -> Any:
    return record(stored=True, **row._mapping)


def values(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in KINDS[type(record)].columns}


def write_changed(session: Session, record: type, changed: list[Any]) -> None:
    """The changed columns of stored records: on PostgreSQL one UPDATE joined to arrays of
    the new values (one statement, however many rows), on SQLite an executemany."""
    if not changed:
        return
    kind = KINDS[record]
    if session.get_bind().dialect.name == "postgresql":
        params = {"id": [r.id for r in changed]}
        for name in kind.changes:
            params[name] = [getattr(r, name) for r in changed]
        session.execute(_pg_update(record), params)
        return
    rows = [{"_id": r.id, **{n: getattr(r, n) for n in kind.changes}} for r in changed]
    session.execute(_sqlite_update(record), rows)


_PG_UPDATES: dict[type, Any] = {}
_SQLITE_UPDATES: dict[type, Any] = {}


def _pg_update(record: type) -> Any:
    statement = _PG_UPDATES.get(record)
    if statement is None:
        kind = KINDS[record]
        dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
        names = ("id", *kind.changes)
        arrays = ", ".join(
            f"CAST(:{n} AS {kind.table.c[n].type.compile(dialect=dialect)}[])" for n in names
        )
        sets = ", ".join(f"{n} = v.{n}" for n in kind.changes)
        statement = _PG_UPDATES[record] = text(
            f"UPDATE {kind.table.name} AS t SET {sets} "
            f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE t.id = v.id"
        )
    return statement


def _sqlite_update(record: type) -> Any:
    statement = _SQLITE_UPDATES.get(record)
    if statement is None:
        kind = KINDS[record]
        statement = _SQLITE_UPDATES[record] = (
            update(kind.table)
            .where(kind.table.c.id == bindparam("_id"))
            .values({n: bindparam(n) for n in kind.changes})
        )
    return statement
