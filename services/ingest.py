"""Ingest of upstream event batches (SPEC: "Upstream events").

Each event is judged on its own and gets its own result; a bad event never spoils its
batch. Idempotency rests on the unique (source, event_id) of ingested_events. Events whose
subject is not known yet are stored as held and replayed when the subject arrives.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ARRAY, any_, bindparam, delete, insert, select, text
from sqlalchemy.orm import Session

from services import changes, loop
from services.identifiers import (
    IdentifierError,
    is_luhn_valid,
    normalize_mobile,
    parse_order_no,
    parse_reservation_no,
    parse_tracking_no,
)
from services.ingest_records import (
    KINDS,
    ActivationRecord,
    CustomerRecord,
    OrderRecord,
    ReservationRecord,
    ShipmentRecord,
    from_row,
    values,
    write_changed,
)
from services.lifecycles import (
    ACTIVATION,
    ORDER,
    RESERVATION,
    SHIPMENT,
    STUCK_CAUSES,
    Lifecycle,
    judge_upstream,
)
from services.models import Contradiction, IngestedEvent, Message, StatusHistory
from services.textcheck import contains_nul
from services.timeutil import as_utc, parse_iso_with_offset, utcnow

SOURCES = ("reservation_site", "order_system", "courier", "activation_system", "sms_gateway")
TYPES = (
    "reservation.created",
    "reservation.status",
    "order.created",
    "order.status",
    "shipment.status",
    "activation.status",
    "message.status",
)
DELIVERY_METHODS = ("dawn", "standard", "store_pickup")
_BEGINNING = datetime(1970, 1, 1, tzinfo=UTC)


class Rejected(ValueError):
    pass


class Held(Exception):
    def __init__(self, subject_key: str) -> None:
        super().__init__(subject_key)
        self.subject_key = subject_key


@dataclass
class Event:
    source: str
    event_id: str
    type: str
    occurred_at: datetime
    body: dict[str, Any]
    text: str | None = None  # body as JSON text, when parse_event made it (stored as such)

    @property
    def key(self) -> str:
        return f"{self.source}:{self.event_id}"


# --- validation ----------------------------------------------------------------------------


def _has_control(value: str) -> bool:
    """Whether any character is below U+0020 (its smallest one is, then): one C-level pass."""
    return bool(value) and min(value) < " "


def _text(body: dict[str, Any], name: str, *, max_len: int = 100) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"field {name!r} is required and must be a non-empty string")
    if len(value) > max_len or _has_control(value):
        raise Rejected(f"field {name!r} must be at most {max_len} printable characters")
    return value.strip()


def _canonical(parse: Any, raw: str) -> str | None:
    """raw itself when it already is what `parse` would return (the common case upstream):
    the identifier parsers clean and explain any input, which costs more than the check."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    length = len(raw)
    if parse is parse_order_no:
        return raw if length == 11 and is_luhn_valid(raw) else None
    if parse is parse_reservation_no:
        return raw if length == 8 and is_luhn_valid(raw) else None
    if parse is parse_tracking_no:
        return raw if length in (12, 13) else None
    if parse is normalize_mobile:
        return raw if length == 11 and raw.startswith("010") else None
    return None


def _ident(parse: Any, body: dict[str, Any], name: str) -> str:
    raw = body.get(name)
    if not isinstance(raw, str):
        raise Rejected(f"field {name!r} is required and must be a string")
    fast = _canonical(parse, raw)
    if fast is not None:
        return fast
    try:
        value = parse(raw)
    except IdentifierError as exc:
        raise Rejected(f"{name}: {exc.message}") from None
    return value if isinstance(value, str) else value[0]


def _status(body: dict[str, Any], lifecycle: Lifecycle) -> str:
    status = body.get("status")
    if not isinstance(status, str) or status not in lifecycle.rank:
        raise Rejected(
            f"field 'status' must be a {lifecycle.name} status "
            f"({', '.join(lifecycle.states)}); received {str(status)[:40]!r}"
        )
    return status


def _valid_event_id(event_id: Any) -> bool:
    return isinstance(event_id, str) and 1 <= len(event_id) <= 100 and not _has_control(event_id)


def _json_text(raw: dict[str, Any]) -> str | None:
    try:
        return json.dumps(raw)
    except (TypeError, ValueError):
        return None


def _has_nul(raw: dict[str, Any], text: str | None) -> bool:
    """contains_nul, with a C-speed pass first: JSON text escapes a NUL as \\u0000, so an
    event whose text lacks that sequence has none (one that has it is looked at closely: a
    literal backslash-u0000 reads the same)."""
    if text is not None and "\\u0000" not in text:
        return False
    return contains_nul(raw)


def parse_event(raw: Any) -> Event:
    if not isinstance(raw, dict):
        raise Rejected("an event must be a JSON object")
    # the text is made once: it finds NULs fast and is what PostgreSQL stores
    text = _json_text(raw)
    if _has_nul(raw, text):
        raise Rejected("an event must not contain NUL bytes")
    source = raw.get("source")
    if source not in SOURCES:
        raise Rejected(f"source must be one of {', '.join(SOURCES)}; received {str(source)[:40]!r}")
    event_id = raw.get("event_id")
    if not isinstance(event_id, str) or not (1 <= len(event_id) <= 100) or _has_control(event_id):
        raise Rejected("event_id must be a string of 1-100 printable characters")
    etype = raw.get("type")
    if etype not in TYPES:
        raise Rejected(
            f"unknown event type {str(etype)[:40]!r}; expected one of {', '.join(TYPES)}"
        )
    try:
        occurred_at = parse_iso_with_offset(raw.get("occurred_at"))  # type: ignore[arg-type]
    except ValueError as exc:
        raise Rejected(f"occurred_at: {exc}") from None
    return Event(source, event_id, etype, occurred_at, raw, text)


# --- the engine ----------------------------------------------------------------------------


class _Keys:
    """Primary keys for the rows a batch creates, handed out before the rows are written, so
    the batch never writes a row to learn its id: every new row goes out in one COPY.

    PostgreSQL: values drawn from each table's own sequence, as many as the batch can
    create drawn for all tables in one round trip (reserve), then blocks that grow if that
    falls short; unused ones are gaps, as a rolled-back insert leaves. SQLite: the batch
    holds the writer lock (BEGIN IMMEDIATE) for its whole transaction, so the next free
    rowid is its own.
    """

    def __init__(self, session: Session) -> None:
        self.s = session
        self.pg = session.get_bind().dialect.name == "postgresql"
        self.free: dict[str, list[int]] = {}
        self.block: dict[str, int] = {}

    def reserve(self, wanted: dict[str, int]) -> None:
        """Draw at most this many keys per table now (PostgreSQL; SQLite needs none)."""
        wanted = {t: n for t, n in wanted.items() if n > 0}
        if not self.pg or not wanted:
            return
        with self.s.no_autoflush:
            rows = self.s.execute(
                _RESERVE, {"tables": list(wanted), "counts": list(wanted.values())}
            )
            for table, value in rows:
                self.free.setdefault(table, []).append(value)
        for free in self.free.values():
            free.sort(reverse=True)  # take() pops the smallest first

    def take(self, table: str) -> int:
        free = self.free.setdefault(table, [])
        if not free:
            with self.s.no_autoflush:
                if self.pg:
                    size = self.block.get(table, 16)
                    self.block[table] = min(size * 4, 1024)
                    free.extend(
                        self.s.execute(
                            text(
                                "SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                                "FROM generate_series(1, :n)"
                            ),
                            {"t": table, "n": size},
                        ).scalars()
                    )
                    free.reverse()
                else:
                    last = self.s.execute(text(f"SELECT MAX(id) FROM {table}")).scalar()
                    free.append(int(last or 0) + 1)
        value = free.pop()
        if not self.pg:
            free.append(value + 1)
        return value


_RESERVE = text(
    "SELECT x.t, nextval(pg_get_serial_sequence(x.t, 'id')) "
    "FROM unnest(CAST(:tables AS text[]), CAST(:counts AS integer[])) AS x(t, n), "
    "generate_series(1, x.n)"
)


class Ingestor:
    """Applies one batch inside the caller's transaction.

    A batch is read in a few round trips, not a few per event: the subjects its events
    name (reservations, orders, their shipments and activations, customers by reference)
    are loaded up front as plain records (services.ingest_records), locked on PostgreSQL
    in id order; new and changed subjects, status history and the ingested events are
    written in bulk; the derived contradictions of every order the batch touched are
    reconciled once, at its end, from its final state.
    """

    def __init__(self, session: Session) -> None:
        self.s = session
        self.lock = session.get_bind().dialect.name == "postgresql"
        self.now = utcnow()
        self._orders: dict[str, OrderRecord | None] = {}
        self._reservations: dict[str, ReservationRecord | None] = {}
        self._customers: dict[str, CustomerRecord] = {}
        # looked up at the start of the batch and not there (a creation need not ask again)
        self._absent: set[tuple[str, str]] = set()
        # (ShipmentRecord or ActivationRecord, order id) -> its row, or None when it has none
        self._rows: dict[tuple[type, int], Any] = {}
        # statuses reported so far per (subject type, subject id), loaded when first asked
        self._reports: dict[tuple[str, int], set[str]] = {}
        # not-yet-reported placeholders written in this batch, by (type, id, status)
        self._placeholders: dict[tuple[str, int, str], dict[str, Any]] = {}
        self._history: list[dict[str, Any]] = []
        self._events: list[dict[str, Any]] = []
        self._retried: set[tuple[str, str]] = set()  # earlier rejected, sent again
        self._to_reconcile: dict[int, OrderRecord] = {}
        self.keys = _Keys(session)
        # records this batch creates, written in foreign-key order by _write_new
        self._new: dict[type, list[Any]] = {m: [] for m in _NEW_ORDER}
        # stored records this batch changed, by type then id; written by _write_changed
        self._changed: dict[type, dict[int, Any]] = {m: {} for m in _NEW_ORDER}
        self._flags: list[Contradiction] = []
        self.released: deque[str] = deque()

    # lookups, locked on PostgreSQL so two batches never judge one subject from stale state
    def _lockable(self, query: Any) -> Any:
        return query.with_for_update() if self.lock else query

    def _among(self, column: Any, values: list[Any]) -> Any:
        """column IN values. On PostgreSQL as = ANY(one array parameter): the statement's
        text is then the same for every batch, where hundreds of bound values made psycopg
        and the server parse a new statement each time (milliseconds a lookup)."""
        if self.lock:
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column.in_(values)

    def _load(
        self, record: type, column: str, values: list[Any], *, lock: bool = True
    ) -> Iterator[Any]:
        """The records whose column is among values, in id order (the order locks are taken
        in, so two batches never wait on each other crosswise)."""
        c = KINDS[record].table.c
        query = select(*c).where(self._among(c[column], values)).order_by(c.id)
        for row in self.s.execute(self._lockable(query) if lock else query):
            yield from_row(record, row)

    def _first(self, record: type, column: str, value: Any, *, lock: bool = True) -> Any:
        return next(iter(self._load(record, column, [value], lock=lock)), None)

    def reservation(self, no: str, *, fresh: bool = True) -> ReservationRecord | None:
        """The reservation with this number; fresh=False trusts a miss at the batch's start."""
        found = self._reservations.get(no)
        if found is None and (fresh or ("reservation", no) not in self._absent):
            found = self._reservations[no] = self._first(ReservationRecord, "reservation_no", no)
        return found

    def order(self, no: str, *, fresh: bool = True) -> OrderRecord | None:
        found = self._orders.get(no)
        if found is None and (fresh or ("order", no) not in self._absent):
            found = self._orders[no] = self._first(OrderRecord, "order_no", no)
        return found

    def customer(self, ref: str) -> CustomerRecord | None:
        found = self._customers.get(ref)
        if found is None and ("customer", ref) not in self._absent:
            found = self._first(CustomerRecord, "ref", ref, lock=False)
            if found is not None:
                self._customers[ref] = found
        return found

    def lifecycle_row(self, record: type, order: OrderRecord) -> Any:
        key = (record, order.id)
        if key not in self._rows:
            self._rows[key] = self._first(record, "order_id", order.id)
        return self._rows[key]

    def run(self, raw_events: list[Any]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        keys = {
            (raw["source"], raw["event_id"])
            for raw in raw_events
            if isinstance(raw, dict)
            and raw.get("source") in SOURCES
            and _valid_event_id(raw.get("event_id"))
        }
        seen = self._seen(keys)
        self._preload(raw_events)
        self.keys.reserve(self._can_create(raw_events, seen))
        for raw in raw_events:
            result = self._one_event(raw, seen)
            results.append(result)
        self._write_rows()
        self._release_held()
        self._reconcile_touched()
        self._write_rows()
        return results

    def _seen(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The batch's events already taken. A rejected one was not: it had no effect, so
        the same event_id sent again (corrected upstream) is judged afresh, and its
        rejection record gives way to the new one (self._retried)."""
        seen: set[tuple[str, str]] = set()
        by_source: dict[str, list[str]] = {}
        for source, event_id in keys:
            by_source.setdefault(source, []).append(event_id)
        for source, ids in by_source.items():
            if self.lock:  # one array parameter instead of hundreds of bound values
                found = self.s.execute(
                    text(
                        "SELECT event_id, result FROM ingested_events "
                        "WHERE source = :source AND event_id = ANY(:ids)"
                    ),
                    {"source": source, "ids": ids},
                ).all()
                self._sort_seen(source, found, seen)
                continue
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                found = self.s.execute(
                    select(IngestedEvent.event_id, IngestedEvent.result).where(
                        IngestedEvent.source == source, IngestedEvent.event_id.in_(chunk)
                    )
                ).all()
                self._sort_seen(source, found, seen)
        return seen

    def _sort_seen(self, source: str, found: Any, seen: set[tuple[str, str]]) -> None:
        for event_id, result in found:
            if result == "rejected":
                self._retried.add((source, event_id))
            else:
                seen.add((source, event_id))

    def _preload(self, raw_events: list[Any]) -> None:
        """Load (and on PostgreSQL lock, in id order) every subject the batch names."""
        res_nos: set[str] = set()
        order_nos: set[str] = set()
        refs: set[str] = set()
        for raw in raw_events:
            if not isinstance(raw, dict):
                continue
            value = raw.get("reservation_no")
            if isinstance(value, str) and len(value) == 8 and value.isascii() and value.isdigit():
                res_nos.add(value)
            value = raw.get("order_no")
            if isinstance(value, str) and len(value) == 11 and value.isascii() and value.isdigit():
                order_nos.add(value)
            customer = raw.get("customer")
            if raw.get("type") == "reservation.created" and isinstance(customer, dict):
                ref = customer.get("ref")
                if isinstance(ref, str) and ref.strip() and len(ref) <= 100:
                    refs.add(ref.strip())
        for chunk in _chunks(sorted(res_nos)):
            for res in self._load(ReservationRecord, "reservation_no", chunk):
                self._reservations[res.reservation_no] = res
        self._absent.update(("reservation", n) for n in res_nos if n not in self._reservations)
        for chunk in _chunks(sorted(order_nos)):
            for order in self._load(OrderRecord, "order_no", chunk):
                self._orders[order.order_no] = order
        self._absent.update(("order", n) for n in order_nos if n not in self._orders)
        for chunk in _chunks(sorted(refs)):
            for customer in self._load(CustomerRecord, "ref", chunk, lock=False):
                self._customers[customer.ref] = customer
        self._absent.update(("customer", r) for r in refs if r not in self._customers)
        order_ids = sorted(o.id for o in self._orders.values() if o is not None)
        for record in (ShipmentRecord, ActivationRecord):
            for chunk in _chunks(order_ids):
                for row in self._load(record, "order_id", chunk):
                    self._rows[(record, row.order_id)] = row
            for order_id in order_ids:
                self._rows.setdefault((record, order_id), None)

    def _can_create(self, raw_events: list[Any], seen: set[tuple[str, str]]) -> dict[str, int]:
        """Per table, at most how many rows the batch's new events can create (each event
        at most one per table; subjects found at preload need none)."""
        refs: set[str] = set()
        numbers: dict[str, set[str]] = {t: set() for t in ("reservations", "orders")}
        lifecycle: dict[str, set[str]] = {"shipments": set(), "activations": set()}
        kind = {"shipment.status": ShipmentRecord, "activation.status": ActivationRecord}
        for raw in raw_events:
            if not isinstance(raw, dict) or (raw.get("source"), raw.get("event_id")) in seen:
                continue
            etype = raw.get("type")
            if etype == "reservation.created":
                no = raw.get("reservation_no")
                if self._reservations.get(no) is None:  # type: ignore[arg-type]
                    numbers["reservations"].add(str(no))
                    customer = raw.get("customer")
                    ref = str(customer.get("ref") if isinstance(customer, dict) else None)
                    if ref.strip() not in self._customers:
                        refs.add(ref.strip())
            elif etype == "order.created":
                if self._orders.get(raw.get("order_no")) is None:  # type: ignore[arg-type]
                    numbers["orders"].add(str(raw.get("order_no")))
            elif etype in kind:
                order = self._orders.get(raw.get("order_no"))  # type: ignore[arg-type]
                if order is None or self._rows.get((kind[etype], order.id)) is None:
                    table = KINDS[kind[etype]].table.name
                    lifecycle[table].add(str(raw.get("order_no")))
        return {
            "customers": len(refs),
            **{t: len(v) for t, v in numbers.items()},
            **{t: len(v) for t, v in lifecycle.items()},
        }

    def _one_event(self, raw: Any, seen: set[tuple[str, str]]) -> dict[str, Any]:
        echo = {
            "source": raw.get("source") if isinstance(raw, dict) else None,
            "event_id": raw.get("event_id") if isinstance(raw, dict) else None,
        }
        try:
            event = parse_event(raw)
        except Rejected as exc:
            return {**echo, "result": "rejected", "error": str(exc)}
        if (event.source, event.event_id) in seen:
            return {**echo, "result": "duplicate"}
        seen.add((event.source, event.event_id))
        result, error, subject_key = self._apply(event)
        self._events.append(
            {
                "source": event.source,
                "event_id": event.event_id,
                "type": event.type,
                "occurred_at": event.occurred_at,
                # COPY takes JSON as text (SQLite's executemany takes the object)
                "payload": event.text if self.lock and event.text is not None else event.body,
                "result": result,
                "error": error,
                "subject_key": subject_key,
                "received_at": self.now,
            }
        )
        out = {**echo, "result": result}
        if error:
            out["error"] = error
        return out

    def _apply(self, event: Event) -> tuple[str, str | None, str | None]:
        handler = _HANDLERS[event.type]
        try:
            result = handler(self, event)
        except Rejected as exc:
            return "rejected", str(exc), None
        except Held as held:
            return "held", None, held.subject_key
        return result, None, None

    def create(self, record: Any) -> None:
        """A new customer, reservation, order, shipment or activation (its id already set)."""
        self._new[type(record)].append(record)

    def changed(self, record: Any) -> None:
        """The record's status (or what goes with it) changed: a stored one is written back
        by _write_changed; a new one is not written yet and goes in as it is then."""
        if record.stored:
            self._changed[type(record)][record.id] = record

    def _write_new(self) -> None:
        """Insert the records created so far, parents first, and add the contradictions
        flagged (they name orders, which now exist)."""
        for record in _NEW_ORDER:
            rows = self._new[record]
            if not rows:
                continue
            self._new[record] = []
            self._insert(KINDS[record].table, [values(row) for row in rows])
            for row in rows:
                row.stored = True
        if self._flags:
            self.s.add_all(self._flags)
            self._flags = []

    def _write_changed(self) -> None:
        for record in _NEW_ORDER:
            rows = self._changed[record]
            if rows:
                self._changed[record] = {}
                write_changed(self.s, record, sorted(rows.values(), key=lambda r: r.id))

    def _write_rows(self) -> None:
        """The batch's new and changed subjects, ingested events and status history, a few
        statements in all."""
        self._write_changed()
        self._write_new()
        if self._events:
            rows, self._events = self._events, []
            again = [
                (r["source"], r["event_id"])
                for r in rows
                if (r["source"], r["event_id"]) in self._retried
            ]
            if again:
                # the earlier rejection of an event now judged again gives way to the new result
                self._retried.difference_update(again)
                for source, event_id in again:
                    self.s.execute(
                        delete(IngestedEvent).where(
                            IngestedEvent.source == source,
                            IngestedEvent.event_id == event_id,
                            IngestedEvent.result == "rejected",
                        )
                    )
            for row in rows:
                if self.lock and not isinstance(row["payload"], str):
                    row["payload"] = json.dumps(row["payload"])
            self._insert(IngestedEvent.__table__, rows)
        if self._history:
            rows, self._history = self._history, []
            self._placeholders.clear()
            self._insert(StatusHistory.__table__, rows)

    def _insert(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Many rows (dicts with the same keys) into one table: COPY on PostgreSQL, one
        executemany on SQLite. JSON values arrive serialized for COPY."""
        names = list(rows[0])
        if self.lock:
            raw = self.s.connection().connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([row[n] for n in names])
            return
        for start in range(0, len(rows), _INSERT_CHUNK):
            self.s.execute(insert(table), rows[start : start + _INSERT_CHUNK])

    def _release_held(self) -> None:
        while self.released:
            keys = list(dict.fromkeys(self.released))
            self.released.clear()
            by_key: dict[str, list[IngestedEvent]] = {}
            for chunk in _chunks(keys):
                for row in self.s.scalars(
                    select(IngestedEvent)
                    .where(
                        self._among(IngestedEvent.subject_key, chunk),
                        IngestedEvent.result == "held",
                    )
                    .order_by(IngestedEvent.occurred_at, IngestedEvent.id)
                ):
                    by_key.setdefault(row.subject_key or "", []).append(row)
            for key in keys:
                for row in by_key.get(key, ()):
                    event = Event(
                        row.source, row.event_id, row.type, as_utc(row.occurred_at), row.payload
                    )
                    result, error, subject_key = self._apply(event)
                    row.result, row.error, row.subject_key = result, error, subject_key

    # --- shared steps --------------------------------------------------------------------

    def _add_history(self, row: dict[str, Any]) -> None:
        self._history.append(row)
        reported = self._reports.get((row["subject_type"], row["subject_id"]))
        if reported is not None:
            reported.add(row["to_status"])

    def history(
        self,
        subject_type: str,
        subject: Any,
        from_status: str | None,
        to_status: str,
        effect: str,
        event: Event,
        detail: str | None = None,
    ) -> None:
        self._add_history(
            {
                "subject_type": subject_type,
                "subject_id": subject.id,
                "customer_id": subject.customer_id,
                "from_status": from_status,
                "to_status": to_status,
                "effect": effect,
                "actor": event.source,
                "source_event": event.key[:140],
                "occurred_at": event.occurred_at,
                "recorded_at": self.now,
                "detail": detail,
            }
        )

    def move(self, lifecycle: Lifecycle, subject: Any, status: str, event: Event) -> str:
        """Judge and apply an upstream status report to a subject; returns the result."""
        judgement = judge_upstream(
            lifecycle,
            subject.status,
            as_utc(subject.status_at),
            subject.status_key,
            status,
            event.occurred_at,
            event.key,
        )
        if judgement.verdict == "reject":
            self.flag(subject, "upstream_conflict", f"{event.key}: {judgement.reason}")
            raise Rejected(judgement.reason or "illegal move")
        if judgement.verdict == "history_only":
            self._fill_or_add_late(lifecycle.name, subject, status, event)
            return "history_only"
        before = subject.status
        subject.status = status
        subject.status_at = event.occurred_at
        subject.status_key = event.key
        subject.updated_at = self.now
        self.changed(subject)
        self.history(lifecycle.name, subject, before, status, "applied", event)
        for skipped in judgement.skipped:
            if not self._has_report(lifecycle.name, subject, skipped):
                row = {
                    "subject_type": lifecycle.name,
                    "subject_id": subject.id,
                    "customer_id": subject.customer_id,
                    "from_status": None,
                    "to_status": skipped,
                    "effect": "not_reported",
                    "actor": event.source,
                    "source_event": None,
                    "occurred_at": None,
                    "recorded_at": self.now,
                    "detail": f"skipped by upstream; not yet reported (seen in {event.key[:100]})",
                }
                self._add_history(row)
                self._placeholders.setdefault((lifecycle.name, subject.id, skipped), row)
        changes.record(self.s, lifecycle.name, subject.id, subject.customer_id)
        return "applied"

    def _has_report(self, subject_type: str, subject: Any, status: str) -> bool:
        key = (subject_type, subject.id)
        reported = self._reports.get(key)
        if reported is None:
            with self.s.no_autoflush:  # this batch's history is not in the session
                reported = set(
                    self.s.scalars(
                        select(StatusHistory.to_status).where(
                            StatusHistory.subject_type == subject_type,
                            StatusHistory.subject_id == subject.id,
                        )
                    )
                )
            reported.update(
                r["to_status"]
                for r in self._history
                if r["subject_type"] == subject_type and r["subject_id"] == subject.id
            )
            self._reports[key] = reported
        return status in reported

    def _fill_or_add_late(self, subject_type: str, subject: Any, status: str, event: Event) -> None:
        # Without flushing the batch: a placeholder this batch already filled is the same
        # object in the session, filled in memory.
        with self.s.no_autoflush:
            found = self.s.scalars(
                select(StatusHistory)
                .where(
                    StatusHistory.subject_type == subject_type,
                    StatusHistory.subject_id == subject.id,
                    StatusHistory.to_status == status,
                    StatusHistory.effect == "not_reported",
                )
                .order_by(StatusHistory.id)
            ).all()
        placeholder = next((row for row in found if row.effect == "not_reported"), None)
        pending = None
        if placeholder is None:
            pending = self._placeholders.pop((subject_type, subject.id, status), None)
        if placeholder is not None:
            placeholder.effect = "history_only"
            placeholder.occurred_at = event.occurred_at
            placeholder.source_event = event.key[:140]
            placeholder.recorded_at = self.now
            placeholder.detail = "reported late"
        elif pending is not None:
            pending["effect"] = "history_only"
            pending["occurred_at"] = event.occurred_at
            pending["source_event"] = event.key[:140]
            pending["recorded_at"] = self.now
            pending["detail"] = "reported late"
        else:
            self.history(
                subject_type,
                subject,
                None,
                status,
                "history_only",
                event,
                "late event: kept in the history, current status unchanged",
            )
        changes.record(self.s, subject_type, subject.id, subject.customer_id)

    def flag(self, subject: Any, kind: str, detail: str) -> None:
        order_id = (
            subject.id if isinstance(subject, OrderRecord) else getattr(subject, "order_id", None)
        )
        if order_id is None:
            return
        # added to the session after the batch's new orders are written (_write_new)
        self._flags.append(
            Contradiction(
                order_id=order_id,
                customer_id=subject.customer_id,
                kind=kind,
                detail=detail[:500],
                detected_at=self.now,
            )
        )
        changes.record(self.s, "contradiction", order_id, subject.customer_id)

    def reconcile_later(self, order: OrderRecord) -> None:
        """The order's derived contradictions are brought up to date at the batch's end."""
        self._to_reconcile.setdefault(order.id, order)

    def _reconcile_touched(self) -> None:
        orders = list(self._to_reconcile.values())
        self._to_reconcile.clear()
        if not orders:
            return
        ids = [o.id for o in orders]
        for record in (ShipmentRecord, ActivationRecord):
            missing = [i for i in ids if (record, i) not in self._rows]
            for chunk in _chunks(missing):
                for row in self._load(record, "order_id", chunk, lock=False):
                    self._rows[(record, row.order_id)] = row
            for i in missing:
                self._rows.setdefault((record, i), None)
        open_rows: dict[int, list[Contradiction]] = {}
        for chunk in _chunks(ids):
            for row in self.s.scalars(
                select(Contradiction)
                .where(
                    self._among(Contradiction.order_id, chunk),
                    Contradiction.resolved_at.is_(None),
                    Contradiction.kind != "upstream_conflict",
                )
                .order_by(Contradiction.id)
            ):
                open_rows.setdefault(row.order_id, []).append(row)
        for order in orders:
            self._reconcile(
                order,
                self._rows[(ShipmentRecord, order.id)],
                self._rows[(ActivationRecord, order.id)],
                open_rows.get(order.id, []),
            )

    def _reconcile(
        self,
        order: OrderRecord,
        shipment: ShipmentRecord | None,
        activation: ActivationRecord | None,
        open_rows: list[Contradiction],
    ) -> None:
        found = dict(derived_contradictions(order, shipment, activation))
        for row in open_rows:
            if row.kind in found:
                found.pop(row.kind)
            else:
                row.resolved_at = self.now
                changes.record(self.s, "contradiction", order.id, order.customer_id)
        for kind, detail in found.items():
            self.flag(order, kind, detail)


_CHUNK = 500
_INSERT_CHUNK = 1000
# parents first: the order new records are inserted in
_NEW_ORDER: tuple[type, ...] = (
    CustomerRecord,
    ReservationRecord,
    OrderRecord,
    ShipmentRecord,
    ActivationRecord,
)


def _chunks(items: list[Any]) -> Any:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def derived_contradictions(
    order: OrderRecord, shipment: ShipmentRecord | None, activation: ActivationRecord | None
) -> list[tuple[str, str]]:
    out = []
    early = ("draft", "received")
    if shipment is not None and shipment.status != "label_created" and order.status in early:
        out.append(
            (
                "shipment_ahead_of_order",
                f"shipment {shipment.tracking_no} is {shipment.status} "
                f"while order {order.order_no} is still {order.status}",
            )
        )
    if (
        shipment is not None
        and order.status == "cancelled"
        and shipment.status
        not in (
            "label_created",
            "returned",
        )
    ):
        out.append(
            (
                "shipment_of_cancelled_order",
                f"order {order.order_no} is cancelled but its shipment is {shipment.status}",
            )
        )
    if (
        activation is not None
        and activation.status in ("in_progress", "completed")
        and (order.status in (*early, "cancelled"))
    ):
        out.append(
            (
                "activation_ahead_of_order",
                f"activation is {activation.status} while order {order.order_no} is {order.status}",
            )
        )
    return out


# --- handlers ------------------------------------------------------------------------------


def _reservation_created(ing: Ingestor, ev: Event) -> str:
    body = ev.body
    no = _ident(parse_reservation_no, body, "reservation_no")
    model = _text(body, "model")
    cust = body.get("customer")
    if not isinstance(cust, dict):
        raise Rejected("field 'customer' must be an object {ref, name, mobile}")
    ref = _text(cust, "ref")
    name = _text(cust, "name")
    mobile = _ident(normalize_mobile, cust, "mobile")
    existing = ing.reservation(no, fresh=False)
    if existing is not None:
        return "history_only"
    customer = ing.customer(ref)
    if customer is None:
        customer = CustomerRecord(
            id=ing.keys.take("customers"),
            ref=ref,
            name=name,
            mobile=mobile,
            created_at=ev.occurred_at,
        )
        ing.create(customer)
        ing._customers[ref] = customer
        changes.record(ing.s, "customer", customer.id, customer.id)
    res = ReservationRecord(
        id=ing.keys.take("reservations"),
        reservation_no=no,
        customer_id=customer.id,
        model=model,
        status="reserved",
        status_at=ev.occurred_at,
        status_key=ev.key,
        created_at=ev.occurred_at,
        updated_at=ing.now,
    )
    ing.create(res)
    ing._reservations[no] = res
    ing.history("reservation", res, None, "reserved", "applied", ev)
    changes.record(ing.s, "reservation", res.id, customer.id)
    ing.released.append(f"reservation:{no}")
    return "applied"


def _reservation_status(ing: Ingestor, ev: Event) -> str:
    no = _ident(parse_reservation_no, ev.body, "reservation_no")
    status = _status(ev.body, RESERVATION)
    res = ing.reservation(no)
    if res is None:
        raise Held(f"reservation:{no}")
    return ing.move(RESERVATION, res, status, ev)


def _order_created(ing: Ingestor, ev: Event) -> str:
    body = ev.body
    no = _ident(parse_order_no, body, "order_no")
    res_no = _ident(parse_reservation_no, body, "reservation_no")
    model = _text(body, "model")
    method = body.get("delivery_method")
    if method not in DELIVERY_METHODS:
        raise Rejected(
            f"delivery_method must be one of {', '.join(DELIVERY_METHODS)}; received {str(method)[:40]!r}"
        )
    status = body.get("status")
    if status not in ("draft", "received"):
        raise Rejected(f"an order is created as draft or received; received {str(status)[:40]!r}")
    res = ing.reservation(res_no)
    if res is None:
        raise Held(f"reservation:{res_no}")
    order = ing.order(no, fresh=False)
    if order is not None:
        if order.reservation_id != res.id:
            raise Rejected(f"order {no} already belongs to another reservation")
        result = ing.move(ORDER, order, status, ev)
        if status == "received" and order.received_at is None:
            order.received_at = ev.occurred_at
            ing.changed(order)
        ing.reconcile_later(order)
        return result
    order = OrderRecord(
        id=ing.keys.take("orders"),
        order_no=no,
        reservation_id=res.id,
        customer_id=res.customer_id,
        model=model,
        delivery_method=method,
        status=status,
        status_at=ev.occurred_at,
        status_key=ev.key,
        created_at=ev.occurred_at,
        received_at=ev.occurred_at if status == "received" else None,
        updated_at=ing.now,
    )
    ing.create(order)
    ing._orders[no] = order
    ing._rows[(ShipmentRecord, order.id)] = ing._rows[(ActivationRecord, order.id)] = None
    ing.history("order", order, None, status, "applied", ev)
    changes.record(ing.s, "order", order.id, order.customer_id)
    ing.released.append(f"order:{no}")
    return "applied"


def _order_status(ing: Ingestor, ev: Event) -> str:
    no = _ident(parse_order_no, ev.body, "order_no")
    status = _status(ev.body, ORDER)
    cause = ev.body.get("cause")
    if cause is not None and cause not in STUCK_CAUSES:
        raise Rejected(
            f"cause must be one of {', '.join(STUCK_CAUSES)}; received {str(cause)[:40]!r}"
        )
    order = ing.order(no)
    if order is None:
        raise Held(f"order:{no}")
    result = ing.move(ORDER, order, status, ev)
    if status == "received" and order.received_at is None:
        order.received_at = ev.occurred_at
        ing.changed(order)
    if cause is not None and order.status == "received":
        order.cause = cause  # upstream's word on why a received order waits
        ing.changed(order)
    ing.reconcile_later(order)
    return result


def _lifecycle_row(
    ing: Ingestor, record: type, lifecycle: Lifecycle, order: OrderRecord, **extra: Any
) -> Any:
    row = ing.lifecycle_row(record, order)
    if row is None:
        row = record(
            id=ing.keys.take(KINDS[record].table.name),
            order_id=order.id,
            customer_id=order.customer_id,
            status=lifecycle.initial,
            status_at=_BEGINNING,
            status_key="",
            updated_at=ing.now,
            **extra,
        )
        ing.create(row)
        ing._rows[(record, order.id)] = row
    return row


def _shipment_status(ing: Ingestor, ev: Event) -> str:
    no = _ident(parse_order_no, ev.body, "order_no")
    tracking = _ident(parse_tracking_no, ev.body, "tracking_no")
    courier = _text(ev.body, "courier", max_len=40)
    status = _status(ev.body, SHIPMENT)
    order = ing.order(no)
    if order is None:
        raise Held(f"order:{no}")
    shipment = _lifecycle_row(
        ing, ShipmentRecord, SHIPMENT, order, tracking_no=tracking, courier=courier
    )
    result = ing.move(SHIPMENT, shipment, status, ev)
    if result == "applied" and (shipment.tracking_no, shipment.courier) != (tracking, courier):
        shipment.tracking_no, shipment.courier = tracking, courier  # written with the move
    ing.reconcile_later(order)
    return result


def _activation_status(ing: Ingestor, ev: Event) -> str:
    no = _ident(parse_order_no, ev.body, "order_no")
    status = _status(ev.body, ACTIVATION)
    reason = ev.body.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > 200):
        raise Rejected("reason must be a string of at most 200 characters")
    order = ing.order(no)
    if order is None:
        raise Held(f"order:{no}")
    activation = _lifecycle_row(ing, ActivationRecord, ACTIVATION, order)
    result = ing.move(ACTIVATION, activation, status, ev)
    if result == "applied":
        activation.reason = reason if status == "failed" else None  # written with the move
    ing.reconcile_later(order)
    return result


def _message_status(ing: Ingestor, ev: Event) -> str:
    message_id = _text(ev.body, "message_id", max_len=80)
    status = ev.body.get("status")
    if status not in ("delivered", "failed"):
        raise Rejected(f"message status must be delivered or failed; received {str(status)[:40]!r}")
    message = ing.s.scalar(select(Message).where(Message.message_key == message_id))
    if message is None:
        raise Held(f"message:{message_id}")
    if (
        message.status in ("delivered", "failed")
        and message.status_at
        and as_utc(message.status_at) >= ev.occurred_at
    ):
        return "history_only"
    message.status = status
    message.status_at = ev.occurred_at
    if status == "failed":
        message.error = str(ev.body.get("reason") or "gateway reported failure")[:500]
    changes.record(ing.s, "message", message.id, message.customer_id)
    return "applied"


_HANDLERS = {
    "reservation.created": _reservation_created,
    "reservation.status": _reservation_status,
    "order.created": _order_created,
    "order.status": _order_status,
    "shipment.status": _shipment_status,
    "activation.status": _activation_status,
    "message.status": _message_status,
}


def ingest_batch(session: Session, events: list[Any]) -> list[dict[str, Any]]:
    ingestor = Ingestor(session)
    results = ingestor.run(events)
    # open callbacks of customers whose orders moved show (and are weighed by) it at once
    loop.after_ingest(session, events, results, ingestor._orders)
    return results
