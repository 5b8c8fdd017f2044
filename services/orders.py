"""Orders: stuck and overtaken orders, duplicate drafts, and the moves a console may make."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from services import changes
from services.accounts import Principal
from services.audit import audit
from services.config import SETTINGS
from services.errors import Conflict, Invalid, NotFound
from services.history import record_move
from services.lifecycles import (
    ACTIVATION,
    DELIVERY_METHODS,
    ORDER,
    STUCK_CAUSES,
    TransitionError,
    check_move,
)
from services.models import Activation, Customer, Order
from services.timeutil import as_utc, iso, utcnow

PROGRESSED = ("preparing", "shipped", "delivered")
# The launch's models change rarely (a new model is a new launch); a minute's cache per
# database spares triage a full scan on every page.
_models_cache: dict[str, tuple[float, list[str]]] = {}
_models_lock = threading.Lock()


# --- duplicates ------------------------------------------------------------------------------


def duplicate_drafts(orders: Iterable[Order]) -> set[int]:
    """Ids of drafts that are duplicates: a reservation has at most one live order.

    The live order is the one that went beyond draft; if all are drafts, the earliest.
    Derived, not stored, so it cannot disagree with the orders themselves.
    """
    by_reservation: dict[int, list[Order]] = {}
    for order in orders:
        if order.status != "cancelled":
            by_reservation.setdefault(order.reservation_id, []).append(order)
    dupes: set[int] = set()
    for group in by_reservation.values():
        if len(group) < 2:
            continue
        advanced = [o for o in group if o.status != "draft"]
        keep = (
            {o.id for o in advanced}
            if advanced
            else {min(group, key=lambda o: (as_utc(o.created_at), o.id)).id}
        )
        dupes.update(o.id for o in group if o.status == "draft" and o.id not in keep)
    return dupes


# --- stuck -----------------------------------------------------------------------------------


def launch_models(session: Session) -> list[str]:
    key = session.get_bind().url.render_as_string(hide_password=True)
    with _models_lock:
        stamp, models = _models_cache.get(key, (0.0, []))
        if time.monotonic() - stamp < 60 and models:
            return models
    models = sorted(session.scalars(select(Order.model).distinct()))
    with _models_lock:
        _models_cache[key] = (time.monotonic(), models)
    return models


def latest_progressed(session: Session) -> dict[str, datetime]:
    """Per model, the receipt time of the latest-received order already past `received`."""
    out: dict[str, datetime] = {}
    for model in launch_models(session):
        latest = None
        for status in PROGRESSED:
            value = session.scalar(
                select(func.max(Order.received_at)).where(
                    Order.model == model, Order.status == status
                )
            )
            if value is not None and (latest is None or as_utc(value) > latest):
                latest = as_utc(value)
        if latest is not None:
            out[model] = latest
    return out


def _stuck_clause(now: datetime, threshold: timedelta, progressed: dict[str, datetime]) -> Any:
    overtaken = [
        and_(Order.model == model, Order.received_at < latest)
        for model, latest in progressed.items()
    ]
    return and_(
        Order.status == "received",
        or_(Order.received_at < now - threshold, *overtaken),
    )


def is_stuck(
    order: Order, now: datetime, progressed: dict[str, datetime], threshold: timedelta
) -> bool:
    if order.status != "received" or order.received_at is None:
        return False
    received = as_utc(order.received_at)
    latest = progressed.get(order.model)
    return received < now - threshold or (latest is not None and received < latest)


def overtaken_count(session: Session, order: Order) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Order)
            .where(
                Order.model == order.model,
                Order.status.in_(PROGRESSED),
                Order.received_at > order.received_at,
            )
        )
        or 0
    )


SORTS = {
    "age": (Order.received_at.asc(), Order.id.asc()),
    "-age": (Order.received_at.desc(), Order.id.desc()),
    "model": (Order.model.asc(), Order.received_at.asc(), Order.id.asc()),
    "cause": (Order.cause.asc(), Order.received_at.asc(), Order.id.asc()),
}


def stuck_orders(
    session: Session,
    *,
    limit: int = 50,
    offset: int = 0,
    cause: str | None = None,
    model: str | None = None,
    delivery_method: str | None = None,
    sort: str = "age",
    threshold: timedelta | None = None,
) -> dict[str, Any]:
    if not (1 <= limit <= 500):
        raise Invalid("limit must be between 1 and 500")
    if offset < 0:
        raise Invalid("offset must not be negative")
    if sort not in SORTS:
        raise Invalid(f"sort must be one of {', '.join(SORTS)}")
    if cause is not None and cause not in (*STUCK_CAUSES, "none"):
        raise Invalid(f"cause must be one of {', '.join(STUCK_CAUSES)} or none")
    if delivery_method is not None and delivery_method not in DELIVERY_METHODS:
        raise Invalid(f"delivery_method must be one of {', '.join(DELIVERY_METHODS)}")
    if model is not None and (not model.strip() or any(ord(c) < 32 for c in model)):
        raise Invalid("model must be printable text, e.g. 'iPhone 17 Pro 256GB'")
    now = utcnow()
    threshold = threshold or SETTINGS.stuck_after
    progressed = latest_progressed(session)
    base = _stuck_clause(now, threshold, progressed)
    counts_rows = session.execute(
        select(Order.cause, func.count()).where(base).group_by(Order.cause)
    ).all()
    counts = {c or "unknown": 0 for c in STUCK_CAUSES}
    for c, n in counts_rows:
        counts[c or "unknown"] = counts.get(c or "unknown", 0) + n
    filters = [base]
    if cause == "none":
        filters.append(Order.cause.is_(None))
    elif cause == "unknown":
        filters.append(or_(Order.cause == "unknown", Order.cause.is_(None)))
    elif cause:
        filters.append(Order.cause == cause)
    if model:
        filters.append(Order.model == model)
    if delivery_method:
        filters.append(Order.delivery_method == delivery_method)
    where = and_(*filters)
    total = int(session.scalar(select(func.count()).select_from(Order).where(where)) or 0)
    rows = session.execute(
        select(Order, Customer.name)
        .join(Customer, Customer.id == Order.customer_id)
        .where(where)
        .order_by(*SORTS[sort])
        .limit(limit)
        .offset(offset)
    ).all()
    items = []
    for order, name in rows:
        received = as_utc(order.received_at)
        items.append(
            {
                "order_no": order.order_no,
                "order_id": order.id,
                "customer_id": order.customer_id,
                "customer_name": name,
                "model": order.model,
                "delivery_method": order.delivery_method,
                "received_at": iso(received),
                "age_hours": round((now - received).total_seconds() / 3600, 1),
                "overtaken_by": overtaken_count(session, order),
                "cause": order.cause or "unknown",
                "owner": order.owner,
            }
        )
    return {
        "items": items,
        "total": total,
        "offset": offset,
        "limit": limit,
        "counts_by_cause": counts,
        "threshold_hours": threshold.total_seconds() / 3600,
        "as_of": iso(now),
    }


# --- moves a person makes --------------------------------------------------------------------


def get_order(session: Session, order_no: str, *, lock: bool = False) -> Order:
    query = select(Order).where(Order.order_no == order_no)
    if lock and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    order = session.scalar(query)
    if order is None:
        raise NotFound(f"no order with number {order_no}", code="order_not_found")
    return order


def _conflict(exc: TransitionError) -> Conflict:
    return Conflict(exc.reason, code="illegal_transition", current=exc.current, target=exc.target)


def cancel_order(
    session: Session, *, order_no: str, principal: Principal, reason: str | None
) -> Order:
    order = get_order(session, order_no, lock=True)
    try:
        check_move(ORDER, order.status, "cancelled")
    except TransitionError as exc:
        raise _conflict(exc) from None
    before = {"status": order.status}
    now = utcnow()
    order.status = "cancelled"
    order.status_at = now
    order.status_key = f"console:{principal.username}:{now.isoformat()}"
    order.updated_at = now
    record_move(session, "order", order, before["status"], principal.username, reason)
    audit(
        session,
        actor=principal.username,
        action="order.cancel",
        entity="order",
        entity_id=order.order_no,
        before=before,
        after={"status": "cancelled", "reason": reason},
    )
    changes.record(session, "order", order.id, order.customer_id)
    return order


def request_activation(session: Session, *, order_no: str, principal: Principal) -> Activation:
    order = get_order(session, order_no, lock=True)
    allowed, why = activation_allowed(session, order)
    if not allowed:
        raise Conflict(why, code="activation_not_allowed")
    activation = session.scalar(select(Activation).where(Activation.order_id == order.id))
    now = utcnow()
    if activation is None:
        activation = Activation(
            order_id=order.id,
            customer_id=order.customer_id,
            status="not_requested",
            status_at=now,
            status_key="",
            updated_at=now,
        )
        session.add(activation)
        session.flush()
    try:
        check_move(ACTIVATION, activation.status, "requested")
    except TransitionError as exc:
        raise _conflict(exc) from None
    before = {"status": activation.status}
    activation.status = "requested"
    activation.status_at = now
    activation.status_key = f"console:{principal.username}:{now.isoformat()}"
    activation.reason = None
    activation.updated_at = now
    record_move(session, "activation", activation, before["status"], principal.username)
    audit(
        session,
        actor=principal.username,
        action="activation.request",
        entity="activation",
        entity_id=order.order_no,
        before=before,
        after={"status": "requested"},
    )
    changes.record(session, "activation", activation.id, order.customer_id)
    return activation


def activation_allowed(session: Session, order: Order) -> tuple[bool, str]:
    # The line is opened for a phone the customer has in hand.
    if order.status != "delivered":
        return (
            False,
            f"activation can be requested once the order is delivered; it is {order.status}",
        )
    activation = session.scalar(select(Activation).where(Activation.order_id == order.id))
    current = activation.status if activation else "not_requested"
    if "requested" not in ACTIVATION.moves.get(current, frozenset()):
        return (
            False,
            f"activation is {current}; it can be requested only when not requested or failed",
        )
    return True, ""


def set_triage(
    session: Session,
    *,
    order_nos: list[str],
    principal: Principal,
    cause: str | None = None,
    owner: str | None = None,
    set_owner: bool = False,
) -> list[Order]:
    if not order_nos or len(order_nos) > 1000:
        raise Invalid("order_nos must list 1-1000 order numbers")
    if cause is not None and cause not in STUCK_CAUSES:
        raise Invalid(f"cause must be one of {', '.join(STUCK_CAUSES)}")
    rows = list(session.scalars(select(Order).where(Order.order_no.in_(order_nos))))
    missing = sorted(set(order_nos) - {o.order_no for o in rows})
    if missing:
        raise NotFound(f"no orders with numbers {missing[:10]}", code="order_not_found")
    for order in rows:
        before = {"cause": order.cause, "owner": order.owner}
        if cause is not None:
            order.cause = cause
        if set_owner:
            order.owner = owner
        order.updated_at = utcnow()
        audit(
            session,
            actor=principal.username,
            action="order.triage",
            entity="order",
            entity_id=order.order_no,
            before=before,
            after={"cause": order.cause, "owner": order.owner},
        )
        changes.record(session, "order", order.id, order.customer_id)
    return rows
