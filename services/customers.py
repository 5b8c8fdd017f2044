"""Finding a customer by anything a caller says, and the one screen an agent works from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services import callbacks as callback_service
from services import messages as message_service
from services import notes as note_service
from services import notices as notice_service
from services import presence as presence_service
from services.accounts import Principal
from services.config import SETTINGS
from services.errors import Invalid, NotFound
from services.expected import expectation
from services.identifiers import (
    IdentifierError,
    Recognition,
    format_mobile,
    mask_mobile,
    parse_as,
    recognise,
)
from services.lifecycles import (
    DELIVERY_METHODS,
    LIFECYCLES,
    ORDER,
)
from services.models import (
    Activation,
    Callback,
    Contradiction,
    Customer,
    Message,
    Note,
    Order,
    PromotionEntry,
    Reservation,
    Shipment,
    StatusHistory,
)
from services.orders import activation_allowed, duplicate_drafts, is_stuck, latest_progressed
from services.timeutil import as_utc, iso, utcnow

SEARCH_KINDS = ("reservation", "order", "mobile", "tracking", "name")
NAME_LIMIT = 20


def _identifier_error(exc: IdentifierError) -> Invalid:
    return Invalid(
        exc.message,
        code="wrong_identifier",
        expected=exc.expected,
        received=exc.received,
        message_ko=getattr(exc, "message_ko", None),
    )


def _customer_label(customer: Customer, extra: str) -> str:
    return f"{customer.name} · {mask_mobile(customer.mobile)} · {extra}"


def search(session: Session, text: str, kind: str | None = None) -> dict[str, Any]:
    if not isinstance(text, str) or not text.strip():
        raise Invalid(
            "search text is empty; type a reservation, order, mobile or tracking number, or a name"
        )
    if kind is not None and kind not in SEARCH_KINDS:
        raise Invalid(f"kind must be one of {', '.join(SEARCH_KINDS)}; received {kind[:20]!r}")
    try:
        if kind is not None:
            recognitions = [Recognition(kind, parse_as(kind, text))]  # type: ignore[arg-type]
        else:
            recognitions = recognise(text)
    except IdentifierError as exc:
        raise _identifier_error(exc) from None
    matches: list[dict[str, Any]] = []
    seen: set[tuple[str, int]] = set()

    def add(kind_: str, customer: Customer, extra: str) -> None:
        if (kind_, customer.id) in seen:
            return
        seen.add((kind_, customer.id))
        matches.append(
            {"kind": kind_, "customer_id": customer.id, "label": _customer_label(customer, extra)}
        )

    for rec in recognitions:
        if rec.kind == "reservation":
            row = session.execute(
                select(Reservation, Customer)
                .join(Customer, Customer.id == Reservation.customer_id)
                .where(Reservation.reservation_no == rec.value)
            ).first()
            if row:
                add("reservation", row[1], f"예약번호 {rec.value}")
        elif rec.kind == "order":
            row = session.execute(
                select(Order, Customer)
                .join(Customer, Customer.id == Order.customer_id)
                .where(Order.order_no == rec.value)
            ).first()
            if row:
                add("order", row[1], f"주문번호 {rec.value}")
        elif rec.kind == "mobile":
            for customer in session.scalars(
                select(Customer).where(Customer.mobile == rec.value).limit(NAME_LIMIT)
            ):
                add("mobile", customer, "휴대폰번호 일치")
        elif rec.kind == "tracking":
            for customer in session.scalars(
                select(Customer)
                .join(Shipment, Shipment.customer_id == Customer.id)
                .where(Shipment.tracking_no == rec.value)
                .limit(NAME_LIMIT)
            ):
                add("tracking", customer, f"운송장번호 {rec.value}")
        elif rec.kind == "name":
            # A range instead of LIKE: a plain b-tree index serves it on both databases.
            for customer in session.scalars(
                select(Customer)
                .where(Customer.name >= rec.value, Customer.name < rec.value + "\uffff")
                .order_by(Customer.name, Customer.id)
                .limit(NAME_LIMIT)
            ):
                add("name", customer, f"이름 {customer.name}")
    return {
        "matches": matches,
        "recognised_as": [r.kind for r in recognitions],
        "truncated": len(matches) >= NAME_LIMIT,
    }


# --- the customer screen ---------------------------------------------------------------------


def _history_json(rows: list[StatusHistory], lifecycle: str) -> list[dict[str, Any]]:
    lc = LIFECYCLES[lifecycle]
    return [
        {
            "from_status": h.from_status,
            "status": h.to_status,
            "label": lc.label(h.to_status),
            "effect": h.effect,
            "actor": h.actor,
            "occurred_at": iso(h.occurred_at),
            "recorded_at": iso(h.recorded_at),
            "detail": h.detail,
        }
        for h in sorted(
            rows,
            key=lambda h: (h.occurred_at is None, as_utc(h.occurred_at or h.recorded_at), h.id),
        )
    ]


# The screen's reads, built once: building a statement and its cache key on every opening
# was a fifth of the screen's CPU. They read plain rows (the tables' columns, by the same
# names as the models' attributes), not model instances: the screen only reads them, and
# loading instances into the session was a quarter of its CPU.
_CID = bindparam("cid")


def _rows_of(model: Any) -> Any:
    return select(*model.__table__.c)


_CUSTOMER = _rows_of(Customer).where(Customer.id == _CID)
_RESERVATIONS = (
    _rows_of(Reservation).where(Reservation.customer_id == _CID).order_by(Reservation.id)
)
_ORDERS = _rows_of(Order).where(Order.customer_id == _CID).order_by(Order.id)
_SHIPMENTS = _rows_of(Shipment).where(Shipment.customer_id == _CID)
_ACTIVATIONS = _rows_of(Activation).where(Activation.customer_id == _CID)
_HISTORY = _rows_of(StatusHistory).where(StatusHistory.customer_id == _CID)
_CONTRADICTIONS = _rows_of(Contradiction).where(
    Contradiction.customer_id == _CID, Contradiction.resolved_at.is_(None)
)
_CALLBACKS = (
    _rows_of(Callback).where(Callback.customer_id == _CID).order_by(Callback.id.desc()).limit(50)
)
_NOTES = _rows_of(Note).where(Note.customer_id == _CID).order_by(Note.id.desc()).limit(200)
_MESSAGES = (
    _rows_of(Message).where(Message.customer_id == _CID).order_by(Message.id.desc()).limit(100)
)
_PROMOTIONS = _rows_of(PromotionEntry).where(PromotionEntry.customer_id == _CID)


def customer_screen(session: Session, customer_id: int, *, principal: Principal) -> dict[str, Any]:
    """Everything an agent sees of one customer (the route logs the opening)."""
    by_customer = {"cid": customer_id}
    customer = session.execute(_CUSTOMER, by_customer).first()
    if customer is None:
        raise NotFound(f"no customer with id {customer_id}", code="customer_not_found")
    now = utcnow()

    def rows(statement: Any) -> list[Any]:
        return list(session.execute(statement, by_customer))

    reservations = rows(_RESERVATIONS)
    orders = rows(_ORDERS)
    shipments = rows(_SHIPMENTS)
    activations = rows(_ACTIVATIONS)
    history = rows(_HISTORY)
    by_subject: dict[tuple[str, int], list[StatusHistory]] = {}
    for h in history:
        by_subject.setdefault((h.subject_type, h.subject_id), []).append(h)
    order_by_id = {o.id: o for o in orders}
    res_by_id = {r.id: r for r in reservations}
    dupes = duplicate_drafts(orders)
    progressed = latest_progressed(session) if any(o.status == "received" for o in orders) else {}
    stuck = {o.id for o in orders if is_stuck(o, now, progressed, SETTINGS.stuck_after)}
    contradictions = rows(_CONTRADICTIONS)
    callback_rows = rows(_CALLBACKS)
    notes = rows(_NOTES)
    messages = rows(_MESSAGES)
    promos = rows(_PROMOTIONS)
    shipment_by_order = {s.order_id: s for s in shipments}
    activation_by_order = {a.order_id: a for a in activations}

    def panel_common(lifecycle: str, row: Any) -> dict[str, Any]:
        lc = LIFECYCLES[lifecycle]
        return {
            "status": row.status,
            "status_label": lc.label(row.status),
            "status_label_en": lc.label(row.status, "en"),
            "since": iso(row.status_at) if as_utc(row.status_at).year > 1970 else None,
            "history": _history_json(by_subject.get((lifecycle, row.id), []), lifecycle),
        }

    reservations_json = [
        {
            "reservation_no": r.reservation_no,
            "model": r.model,
            **panel_common("reservation", r),
            "next": {
                "next_status": None,
                "expected_at": None,
                "basis": "converted when the customer submits an order form",
                "basis_ko": "고객이 주문서를 작성하면 주문서 작성완료로 바뀝니다",
            }
            if r.status == "reserved"
            else {
                "next_status": None,
                "expected_at": None,
                "basis": "final status",
                "basis_ko": "최종 상태",
            },
        }
        for r in reservations
    ]
    orders_json = []
    for o in orders:
        flags = []
        if o.id in dupes:
            flags.append("duplicate_draft")
        if o.id in stuck:
            flags.append("stuck")
        if any(c.order_id == o.id for c in contradictions):
            flags.append("contradiction")
        orders_json.append(
            {
                "order_no": o.order_no,
                "reservation_no": res_by_id[o.reservation_id].reservation_no
                if o.reservation_id in res_by_id
                else None,
                "model": o.model,
                "delivery_method": o.delivery_method,
                "delivery_method_label": DELIVERY_METHODS.get(o.delivery_method, o.delivery_method),
                "received_at": iso(o.received_at),
                "cause": o.cause,
                "owner": o.owner,
                "flags": flags,
                **panel_common("order", o),
                "next": expectation(session, "order", o.status, o.status_at, o),
                "actions": order_actions(
                    session, o, dupes, shipment_by_order.get(o.id), activation_by_order.get(o.id)
                ),
            }
        )
    shipments_json = [
        {
            "order_no": order_by_id[s.order_id].order_no,
            "tracking_no": s.tracking_no,
            "courier": s.courier,
            **panel_common("shipment", s),
            "next": expectation(
                session, "shipment", s.status, s.status_at, order_by_id[s.order_id]
            ),
        }
        for s in shipments
    ]
    activations_json = [
        {
            "order_no": order_by_id[a.order_id].order_no,
            "reason": a.reason,
            **panel_common("activation", a),
            "next": expectation(
                session, "activation", a.status, a.status_at, order_by_id[a.order_id]
            ),
        }
        for a in activations
    ]
    timeline = _timeline(history, notes, messages, order_by_id, res_by_id, shipments, activations)
    header_flags = sorted(
        {f for o in orders_json for f in o["flags"]}
        | (
            {"open_callback"}
            if any(c.status in ("queued", "claimed") for c in callback_rows)
            else set()
        )
    )
    return {
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "mobile": mask_mobile(customer.mobile),
            "ref": customer.ref,
            "flags": header_flags,
        },
        "reservations": reservations_json,
        "orders": orders_json,
        "shipments": shipments_json,
        "activations": activations_json,
        "callbacks": callback_service.many_to_json(session, callback_rows),
        "messages": [message_service.to_json(m) for m in messages],
        "notes": [note_service.to_json(n) for n in notes],
        "promotion_entries": [
            {
                "promotion": p.promotion,
                "mobile": mask_mobile(p.mobile),
                "status": p.status,
                "entered_at": iso(p.entered_at),
            }
            for p in promos
        ],
        "contradictions": [
            {
                "id": c.id,
                "order_no": order_by_id[c.order_id].order_no if c.order_id in order_by_id else None,
                "kind": c.kind,
                "detail": c.detail,
                "detected_at": iso(c.detected_at),
            }
            for c in contradictions
        ],
        "timeline": timeline,
        # the official line meant for this caller first, then the one for everyone
        "notices": notice_service.for_customer(session, orders=orders, principal=principal),
        # who else is on this customer: viewing it now, or holding a callback for them
        "presence": presence_service.others(
            session, customer_id=customer_id, principal=principal, now=now
        ),
        "actions": [
            {"action": "add_note", "allowed": True},
            {"action": "schedule_callback", "allowed": True},
        ],
        "as_of": iso(now),
    }


def _timeline(
    history, notes, messages, order_by_id, res_by_id, shipments, activations
) -> list[dict[str, Any]]:
    subject_label: dict[tuple[str, int], str] = {}
    for r in res_by_id.values():
        subject_label[("reservation", r.id)] = f"예약 {r.reservation_no}"
    for o in order_by_id.values():
        subject_label[("order", o.id)] = f"주문 {o.order_no}"
    for s in shipments:
        subject_label[("shipment", s.id)] = f"배송 {s.tracking_no}"
    for a in activations:
        subject_label[("activation", a.id)] = f"개통 {order_by_id[a.order_id].order_no}"
    items: list[dict[str, Any]] = []
    for h in history:
        lc = LIFECYCLES[h.subject_type]
        items.append(
            {
                "type": "status",
                "subject": h.subject_type,
                "subject_label": subject_label.get(
                    (h.subject_type, h.subject_id), f"콜백 #{h.subject_id}"
                ),
                "status": h.to_status,
                "label": lc.label(h.to_status),
                "effect": h.effect,
                "actor": h.actor,
                "at": iso(h.occurred_at or h.recorded_at),
                "recorded_at": iso(h.recorded_at),
                "detail": h.detail,
            }
        )
    for n in notes:
        items.append(
            {
                "type": "note",
                "actor": n.author,
                "at": iso(n.created_at),
                "detail": n.body,
                "reason": n.reason,
            }
        )
    for m in messages:
        items.append(
            {
                "type": "message",
                "actor": m.created_by,
                "at": iso(m.created_at),
                "detail": m.body,
                "status": m.status,
            }
        )
    items.sort(key=lambda i: i["at"] or "", reverse=True)
    return items


def order_actions(
    session: Session,
    order: Order,
    dupes: set[int],
    shipment: Shipment | None,
    activation: Activation | None,
) -> list[dict[str, Any]]:
    """What a person may do to this order now, each with the reason when not."""
    out: list[dict[str, Any]] = []
    can_cancel = "cancelled" in ORDER.moves.get(order.status, frozenset())
    out.append(
        {
            "action": "cancel_duplicate_draft" if order.id in dupes else "cancel_order",
            "allowed": can_cancel,
            "destructive": True,
            "reason": None
            if can_cancel
            else f"an order can be cancelled only while in cart or received; it is {ORDER.label(order.status)}",
        }
    )
    ok, why = activation_allowed(session, order, activation)
    out.append({"action": "request_activation", "allowed": ok, "reason": None if ok else why})
    if shipment is None:
        out.append({"action": "resend_tracking", "allowed": False, "reason": "no shipment yet"})
    else:
        out.append({"action": "resend_tracking", "allowed": True, "reason": None})
    return out


def mobile_display(customer: Customer, *, full: bool) -> str:
    return format_mobile(customer.mobile) if full else mask_mobile(customer.mobile)
