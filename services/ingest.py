"""Ingest of upstream event batches (SPEC: "Upstream events").

Each event is judged on its own and gets its own result; a bad event never spoils its
batch. Idempotency rests on the unique (source, event_id) of ingested_events. Events whose
subject is not known yet are stored as held and replayed when the subject arrives.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import changes
from services.identifiers import (
    IdentifierError,
    normalize_mobile,
    parse_order_no,
    parse_reservation_no,
    parse_tracking_no,
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
from services.models import (
    Activation,
    Contradiction,
    Customer,
    IngestedEvent,
    Message,
    Order,
    Reservation,
    Shipment,
    StatusHistory,
)
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

    @property
    def key(self) -> str:
        return f"{self.source}:{self.event_id}"


# --- validation ----------------------------------------------------------------------------


def _text(body: dict[str, Any], name: str, *, max_len: int = 100) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"field {name!r} is required and must be a non-empty string")
    if len(value) > max_len or any(ord(c) < 32 for c in value):
        raise Rejected(f"field {name!r} must be at most {max_len} printable characters")
    return value.strip()


def _ident(parse: Any, body: dict[str, Any], name: str) -> str:
    raw = body.get(name)
    if not isinstance(raw, str):
        raise Rejected(f"field {name!r} is required and must be a string")
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
    return (
        isinstance(event_id, str)
        and 1 <= len(event_id) <= 100
        and not any(ord(c) < 32 for c in event_id)
    )


def parse_event(raw: Any) -> Event:
    if not isinstance(raw, dict):
        raise Rejected("an event must be a JSON object")
    if contains_nul(raw):
        raise Rejected("an event must not contain NUL bytes")
    source = raw.get("source")
    if source not in SOURCES:
        raise Rejected(f"source must be one of {', '.join(SOURCES)}; received {str(source)[:40]!r}")
    event_id = raw.get("event_id")
    if (
        not isinstance(event_id, str)
        or not (1 <= len(event_id) <= 100)
        or any(ord(c) < 32 for c in event_id)
    ):
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
    return Event(source, event_id, etype, occurred_at, raw)


# --- the engine ----------------------------------------------------------------------------


class Ingestor:
    """Applies one batch inside the caller's transaction."""

    def __init__(self, session: Session) -> None:
        self.s = session
        self.lock = session.get_bind().dialect.name == "postgresql"
        self.now = utcnow()
        self._orders: dict[str, Order | None] = {}
        self._reservations: dict[str, Reservation | None] = {}
        self.released: deque[str] = deque()

    # lookups, locked on PostgreSQL so two batches never judge one subject from stale state
    def _one(self, query: Any) -> Any:
        return self.s.scalar(query.with_for_update() if self.lock else query)

    def reservation(self, no: str) -> Reservation | None:
        if no not in self._reservations or self._reservations[no] is None:
            self._reservations[no] = self._one(
                select(Reservation).where(Reservation.reservation_no == no)
            )
        return self._reservations[no]

    def order(self, no: str) -> Order | None:
        if no not in self._orders or self._orders[no] is None:
            self._orders[no] = self._one(select(Order).where(Order.order_no == no))
        return self._orders[no]

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
        for raw in raw_events:
            result = self._one_event(raw, seen)
            results.append(result)
        self._release_held()
        return results

    def _seen(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        by_source: dict[str, list[str]] = {}
        for source, event_id in keys:
            by_source.setdefault(source, []).append(event_id)
        for source, ids in by_source.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                rows = self.s.execute(
                    select(IngestedEvent.event_id).where(
                        IngestedEvent.source == source, IngestedEvent.event_id.in_(chunk)
                    )
                ).scalars()
                seen.update((source, r) for r in rows)
        return seen

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
        self.s.add(
            IngestedEvent(
                source=event.source,
                event_id=event.event_id,
                type=event.type,
                occurred_at=event.occurred_at,
                payload=event.body,
                result=result,
                error=error,
                subject_key=subject_key,
                received_at=self.now,
            )
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

    def _release_held(self) -> None:
        while self.released:
            key = self.released.popleft()
            held = list(
                self.s.scalars(
                    select(IngestedEvent)
                    .where(IngestedEvent.subject_key == key, IngestedEvent.result == "held")
                    .order_by(IngestedEvent.occurred_at, IngestedEvent.id)
                )
            )
            for row in held:
                event = Event(
                    row.source, row.event_id, row.type, as_utc(row.occurred_at), row.payload
                )
                result, error, subject_key = self._apply(event)
                row.result, row.error, row.subject_key = result, error, subject_key

    # --- shared steps --------------------------------------------------------------------

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
        self.s.add(
            StatusHistory(
                subject_type=subject_type,
                subject_id=subject.id,
                customer_id=subject.customer_id,
                from_status=from_status,
                to_status=to_status,
                effect=effect,
                actor=event.source,
                source_event=event.key[:140],
                occurred_at=event.occurred_at,
                recorded_at=self.now,
                detail=detail,
            )
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
        self.history(lifecycle.name, subject, before, status, "applied", event)
        for skipped in judgement.skipped:
            if not self._has_report(lifecycle.name, subject, skipped):
                self.s.add(
                    StatusHistory(
                        subject_type=lifecycle.name,
                        subject_id=subject.id,
                        customer_id=subject.customer_id,
                        from_status=None,
                        to_status=skipped,
                        effect="not_reported",
                        actor=event.source,
                        recorded_at=self.now,
                        detail=f"skipped by upstream; not yet reported (seen in {event.key[:100]})",
                    )
                )
        changes.record(self.s, lifecycle.name, subject.id, subject.customer_id)
        return "applied"

    def _has_report(self, subject_type: str, subject: Any, status: str) -> bool:
        return (
            self.s.scalar(
                select(StatusHistory.id)
                .where(
                    StatusHistory.subject_type == subject_type,
                    StatusHistory.subject_id == subject.id,
                    StatusHistory.to_status == status,
                )
                .limit(1)
            )
            is not None
        )

    def _fill_or_add_late(self, subject_type: str, subject: Any, status: str, event: Event) -> None:
        self.s.flush()
        placeholder = self.s.scalar(
            select(StatusHistory)
            .where(
                StatusHistory.subject_type == subject_type,
                StatusHistory.subject_id == subject.id,
                StatusHistory.to_status == status,
                StatusHistory.effect == "not_reported",
            )
            .limit(1)
        )
        if placeholder is not None:
            placeholder.effect = "history_only"
            placeholder.occurred_at = event.occurred_at
            placeholder.source_event = event.key[:140]
            placeholder.recorded_at = self.now
            placeholder.detail = "reported late"
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
        order_id = subject.id if isinstance(subject, Order) else getattr(subject, "order_id", None)
        if order_id is None:
            return
        self.s.add(
            Contradiction(
                order_id=order_id,
                customer_id=subject.customer_id,
                kind=kind,
                detail=detail[:500],
                detected_at=self.now,
            )
        )
        changes.record(self.s, "contradiction", order_id, subject.customer_id)

    def reconcile(self, order: Order) -> None:
        """Open or close the derived contradictions of one order."""
        self.s.flush()
        shipment = self.s.scalar(select(Shipment).where(Shipment.order_id == order.id))
        activation = self.s.scalar(select(Activation).where(Activation.order_id == order.id))
        found = dict(derived_contradictions(order, shipment, activation))
        open_rows = list(
            self.s.scalars(
                select(Contradiction).where(
                    Contradiction.order_id == order.id,
                    Contradiction.resolved_at.is_(None),
                    Contradiction.kind != "upstream_conflict",
                )
            )
        )
        for row in open_rows:
            if row.kind in found:
                found.pop(row.kind)
            else:
                row.resolved_at = self.now
                changes.record(self.s, "contradiction", order.id, order.customer_id)
        for kind, detail in found.items():
            self.flag(order, kind, detail)


def derived_contradictions(
    order: Order, shipment: Shipment | None, activation: Activation | None
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
    existing = ing.reservation(no)
    if existing is not None:
        return "history_only"
    customer = ing.s.scalar(select(Customer).where(Customer.ref == ref))
    if customer is None:
        customer = Customer(ref=ref, name=name, mobile=mobile, created_at=ev.occurred_at)
        ing.s.add(customer)
        ing.s.flush()
        changes.record(ing.s, "customer", customer.id, customer.id)
    res = Reservation(
        reservation_no=no,
        customer_id=customer.id,
        model=model,
        status="reserved",
        status_at=ev.occurred_at,
        status_key=ev.key,
        created_at=ev.occurred_at,
        updated_at=ing.now,
    )
    ing.s.add(res)
    ing.s.flush()
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
    order = ing.order(no)
    if order is not None:
        if order.reservation_id != res.id:
            raise Rejected(f"order {no} already belongs to another reservation")
        result = ing.move(ORDER, order, status, ev)
        if status == "received" and order.received_at is None:
            order.received_at = ev.occurred_at
        ing.reconcile(order)
        return result
    order = Order(
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
    ing.s.add(order)
    ing.s.flush()
    ing._orders[no] = order
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
    if cause is not None and order.status == "received":
        order.cause = cause  # upstream's word on why a received order waits
    ing.reconcile(order)
    return result


def _lifecycle_row(
    ing: Ingestor, model: type, lifecycle: Lifecycle, order: Order, **extra: Any
) -> Any:
    query = select(model).where(model.order_id == order.id)
    row = ing._one(query)
    if row is None:
        row = model(
            order_id=order.id,
            customer_id=order.customer_id,
            status=lifecycle.initial,
            status_at=_BEGINNING,
            status_key="",
            updated_at=ing.now,
            **extra,
        )
        ing.s.add(row)
        ing.s.flush()
    return row


def _shipment_status(ing: Ingestor, ev: Event) -> str:
    no = _ident(parse_order_no, ev.body, "order_no")
    tracking = _ident(parse_tracking_no, ev.body, "tracking_no")
    courier = _text(ev.body, "courier", max_len=40)
    status = _status(ev.body, SHIPMENT)
    order = ing.order(no)
    if order is None:
        raise Held(f"order:{no}")
    shipment = _lifecycle_row(ing, Shipment, SHIPMENT, order, tracking_no=tracking, courier=courier)
    result = ing.move(SHIPMENT, shipment, status, ev)
    if result == "applied" and (shipment.tracking_no, shipment.courier) != (tracking, courier):
        shipment.tracking_no, shipment.courier = tracking, courier
    ing.reconcile(order)
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
    activation = _lifecycle_row(ing, Activation, ACTIVATION, order)
    result = ing.move(ACTIVATION, activation, status, ev)
    if result == "applied":
        activation.reason = reason if status == "failed" else None
    ing.reconcile(order)
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
    return Ingestor(session).run(events)
