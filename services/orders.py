"""Orders: stuck and overtaken orders, duplicate drafts, and the moves a console may make."""

from __future__ import annotations

import threading
import time
import weakref
from array import array
from bisect import bisect_right, insort
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select, text, union_all
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
# database spares triage a full scan on every page. Keyed by the Database's connection pool
# (not its URL): a database emptied and filled anew under the same URL, as tests do, is
# opened by a Database of its own.
_models_cache: weakref.WeakKeyDictionary[Any, tuple[float, list[str]]] = weakref.WeakKeyDictionary()
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
    key = session.get_bind().pool
    with _models_lock:
        stamp, models = _models_cache.get(key, (0.0, []))
        if time.monotonic() - stamp < 60 and models:
            return models
    # One index step per model (the models index), not a scan of every order: DISTINCT
    # read all 1,000,000 of them, 130 ms on a cold cache.
    models = sorted(
        session.scalars(
            text(
                "WITH RECURSIVE m(model) AS ("
                "SELECT MIN(model) FROM orders "
                "UNION ALL SELECT (SELECT MIN(o.model) FROM orders o WHERE o.model > m.model) "
                "FROM m WHERE m.model IS NOT NULL) SELECT model FROM m WHERE model IS NOT NULL"
            )
        )
    )
    with _models_lock:
        _models_cache[key] = (time.monotonic(), models)
    return models


def latest_progressed(session: Session) -> dict[str, datetime]:
    """Per model, the receipt time of the latest-received order already past `received`."""
    models = launch_models(session)
    if not models:
        return {}
    out: dict[str, datetime] = {}

    def keep(rows: Any) -> None:
        for model, value in rows:
            if value is not None and (model not in out or as_utc(value) > out[model]):
                out[model] = as_utc(value)

    pairs = [(model, status) for model in models for status in PROGRESSED]
    if session.get_bind().dialect.name == "postgresql":
        # One small statement over the pairs: a UNION of thirty lookups took PostgreSQL 8-9
        # ms to plan on every customer screen showing a received order, this 0.1 ms.
        keep(
            session.execute(
                _LATEST_PG,
                {"models": [m for m, _ in pairs], "statuses": [st for _, st in pairs]},
            ).all()
        )
        return out
    # One round trip: each (model, status) maximum is one index lookup.
    parts = [
        select(literal(model).label("model"), func.max(Order.received_at).label("latest")).where(
            Order.model == model, Order.status == status
        )
        for model, status in pairs
    ]
    for start in range(0, len(parts), 150):  # SQLite allows 500 compound SELECT terms
        keep(session.execute(union_all(*parts[start : start + 150])).all())
    return out


_LATEST_PG = text(
    "SELECT v.model, (SELECT max(o.received_at) FROM orders o "
    "WHERE o.model = v.model AND o.status = v.status) "
    "FROM unnest(CAST(:models AS varchar[]), CAST(:statuses AS varchar[])) AS v(model, status)"
)


def _stuck_clause(now: datetime, threshold: timedelta, progressed: dict[str, datetime]) -> Any:
    """received, and waiting longer than the threshold or overtaken by a later order.

    For a model with progressed orders that is one range, received_at below the later of
    (now - threshold) and the model's latest progressed receipt: an index range each.
    """
    cutoff = now - threshold
    per_model = [
        and_(Order.model == model, Order.received_at < max(cutoff, as_utc(latest)))
        for model, latest in progressed.items()
    ]
    others = (
        and_(Order.model.not_in(list(progressed)), Order.received_at < cutoff)
        if progressed
        else Order.received_at < cutoff
    )
    return and_(Order.status == "received", or_(*per_model, others))


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


# --- the overtaken index ---------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MERGE_AT = 4096  # recent receipts per model kept aside before they join the sorted array
_RELOAD_GAP = 50_000  # this many unseen order ids (a bulk load): read everything afresh
_IN_CHUNK = 500


def _micros(value: datetime) -> int:
    delta = as_utc(value) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _micros_sql(dialect: str) -> str:
    """received_at as whole microseconds since the epoch, exactly, on either database."""
    if dialect == "sqlite":
        # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)
        return (
            "CAST(strftime('%s', received_at) AS INTEGER) * 1000000 "
            "+ CAST(substr(received_at, 21, 6) AS INTEGER)"
        )
    return "CAST(EXTRACT(EPOCH FROM received_at) * 1000000 AS BIGINT)"


class _Overtaken:
    """Per model, the receipt times of the orders already past `received`, sorted.

    "How many later orders overtook it" is a count over hundreds of thousands of orders
    per stuck order; asked of the database for a page of 50 it took half a second (SQLite)
    to four (PostgreSQL) at 1,000,000 customers. Here it is a binary search.

    An order never moves back from preparing, shipped or delivered, so the set only grows
    and an order counted once stays counted. The index is read once per process and
    database; after that each use adds what the change feed says changed since (every
    order move records a change, and the feed never skips a committed one), and orders
    with ids beyond those seen (a bulk seed writes no feed). A feed that went back or
    changed underneath (a database replaced) means reading it all again.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.sorted: dict[str, array[int]] = {}
        self.recent: dict[str, list[int]] = {}
        self.counted = bytearray()
        self.seq = 0
        self.seq_at: Any = None
        self.max_id = 0
        self.max_mark: Any = None

    # --- reading -----------------------------------------------------------------------

    def count_after(self, model: str, received_at: datetime) -> int:
        key = _micros(received_at)
        n = 0
        main = self.sorted.get(model)
        if main:
            n += len(main) - bisect_right(main, key)
        recent = self.recent.get(model)
        if recent:
            n += len(recent) - bisect_right(recent, key)
        return n

    def latest(self) -> dict[str, datetime]:
        out: dict[str, datetime] = {}
        for model in set(self.sorted) | set(self.recent):
            last = max(
                self.sorted[model][-1] if self.sorted.get(model) else -(2**62),
                self.recent[model][-1] if self.recent.get(model) else -(2**62),
            )
            if last > -(2**62):
                out[model] = _EPOCH + timedelta(microseconds=last)
        return out

    # --- keeping up ----------------------------------------------------------------------

    def _is_counted(self, order_id: int) -> bool:
        byte = order_id >> 3
        return byte < len(self.counted) and bool(self.counted[byte] & (1 << (order_id & 7)))

    def _mark(self, order_id: int) -> None:
        byte = order_id >> 3
        if byte >= len(self.counted):
            self.counted.extend(bytes(max(byte + 1 - len(self.counted), len(self.counted) // 2)))
        self.counted[byte] |= 1 << (order_id & 7)

    def _add(self, rows: Any) -> None:
        for order_id, model, status, key in rows:
            if status not in PROGRESSED or key is None or self._is_counted(order_id):
                continue
            self._mark(order_id)
            recent = self.recent.setdefault(model, [])
            insort(recent, key)
            if len(recent) >= _MERGE_AT:
                merged = array("q", sorted([*self.sorted.get(model, ()), *recent]))
                self.sorted[model] = merged
                self.recent[model] = []

    def _marks(self, session: Session) -> tuple[int, Any, int, Any]:
        seq, seq_at = session.execute(
            text("SELECT seq, at FROM changes ORDER BY seq DESC LIMIT 1")
        ).first() or (0, None)
        max_id, max_mark = session.execute(
            text("SELECT id, order_no FROM orders ORDER BY id DESC LIMIT 1")
        ).first() or (0, None)
        return int(seq), seq_at, int(max_id), max_mark

    def _load(self, session: Session, dialect: str) -> None:
        # The marks first: whatever commits after them is picked up by the next refresh.
        self.seq, self.seq_at, self.max_id, self.max_mark = self._marks(session)
        # Hundreds of thousands of rows: aggregated per model by the database and read
        # over the driver's own cursor (about a second at 1,000,000 customers, once).
        where = (
            "FROM orders WHERE status IN ('preparing', 'shipped', 'delivered') "
            "AND received_at IS NOT NULL GROUP BY model"
        )
        raw = session.connection().connection.driver_connection
        by_model: dict[str, tuple[list[int], list[int]]] = {}
        if dialect == "sqlite":
            cursor = raw.execute(
                f"SELECT model, group_concat(id), group_concat({_micros_sql(dialect)}) {where}"
            )
            for model, ids, keys in cursor.fetchall():
                by_model[model] = (list(map(int, ids.split(","))), list(map(int, keys.split(","))))
        else:
            with raw.cursor(binary=True) as cursor:
                cursor.execute(
                    f"SELECT model, array_agg(id), array_agg({_micros_sql(dialect)}) {where}"
                )
                for model, ids, keys in cursor.fetchall():
                    by_model[model] = (ids, keys)
        top = max([self.max_id, *(max(ids) for ids, _ in by_model.values())])
        counted = bytearray((top >> 3) + 1)
        for ids, _ in by_model.values():
            for order_id in ids:
                counted[order_id >> 3] |= 1 << (order_id & 7)
        self.sorted = {m: array("q", sorted(keys)) for m, (_, keys) in by_model.items()}
        self.recent = {}
        self.counted = counted
        self.loaded = True

    def _still_same_database(self, session: Session) -> bool:
        if self.seq:
            at = session.execute(
                text("SELECT at FROM changes WHERE seq = :s"), {"s": self.seq}
            ).scalar()
            if at != self.seq_at:
                return False
        if self.max_id:
            mark = session.execute(
                text("SELECT order_no FROM orders WHERE id = :i"), {"i": self.max_id}
            ).scalar()
            if mark != self.max_mark:
                return False
        return True

    def refresh(self, session: Session) -> None:
        dialect = session.get_bind().dialect.name
        if not self.loaded or not self._still_same_database(session):
            self._load(session, dialect)
            return
        seq, seq_at, max_id, max_mark = self._marks(session)
        if seq < self.seq or max_id < self.max_id or max_id - self.max_id > _RELOAD_GAP:
            self._load(session, dialect)
            return
        columns = f"id, model, status, {_micros_sql(dialect)}"
        if max_id > self.max_id:
            self._add(
                session.execute(
                    text(f"SELECT {columns} FROM orders WHERE id > :lo AND id <= :hi"),
                    {"lo": self.max_id, "hi": max_id},
                ).all()
            )
        if seq > self.seq:
            changed = sorted(
                {
                    int(entity)
                    for (entity,) in session.execute(
                        text(
                            "SELECT entity_id FROM changes WHERE seq > :lo AND seq <= :hi "
                            "AND kind = 'order'"
                        ),
                        {"lo": self.seq, "hi": seq},
                    ).all()
                    if entity.isdigit()
                }
            )
            changed = [i for i in changed if not self._is_counted(i)]
            for start in range(0, len(changed), _IN_CHUNK):
                chunk = changed[start : start + _IN_CHUNK]
                self._add(
                    session.execute(
                        text(f"SELECT {columns} FROM orders WHERE id IN :ids").bindparams(
                            bindparam("ids", expanding=True)
                        ),
                        {"ids": chunk},
                    ).all()
                )
        self.seq, self.seq_at, self.max_id, self.max_mark = seq, seq_at, max_id, max_mark


# One per database (keyed by its connection pool, which a Database's read and write
# sessions share); a disposed or dropped Database takes its index with it.
_overtaken: weakref.WeakKeyDictionary[Any, _Overtaken] = weakref.WeakKeyDictionary()
_overtaken_lock = threading.Lock()


def _overtaken_index(session: Session) -> _Overtaken:
    pool = session.get_bind().pool
    with _overtaken_lock:
        index = _overtaken.get(pool)
        if index is None:
            index = _overtaken[pool] = _Overtaken()
    return index


def _overtaken_now(session: Session) -> tuple[_Overtaken, dict[str, datetime]]:
    """The overtaken index brought up to date, and per model its latest progressed receipt."""
    index = _overtaken_index(session)
    with index.lock:
        index.refresh(session)
        return index, index.latest()


def prepare_triage(session: Session) -> None:
    """Load the overtaken index now: a serve process does at start-up what would otherwise
    hold up the first lead's triage for a second at 1,000,000 customers."""
    _overtaken_now(session)


SORTS = {
    "age": (Order.received_at.asc(), Order.id.asc()),
    "-age": (Order.received_at.desc(), Order.id.desc()),
    "model": (Order.model.asc(), Order.received_at.asc(), Order.id.asc()),
    "cause": (Order.cause.asc(), Order.received_at.asc(), Order.id.asc()),
}


def _received_models(session: Session) -> list[str]:
    """The models that have received orders: one index step per model."""
    return list(
        session.scalars(
            text(
                "WITH RECURSIVE m(model) AS ("
                "SELECT MIN(model) FROM orders WHERE status = 'received' "
                "UNION ALL SELECT (SELECT MIN(o.model) FROM orders o "
                "WHERE o.status = 'received' AND o.model > m.model) FROM m "
                "WHERE m.model IS NOT NULL) SELECT model FROM m WHERE model IS NOT NULL"
            )
        )
    )


def _stuck_groups(
    session: Session, cutoff: datetime, progressed: dict[str, datetime]
) -> list[tuple[str | None, str, str, int]]:
    """Stuck orders counted by (cause, model, delivery method): one pass over them.

    Per model the stuck orders are one range of the triage index: received before the
    later of the cutoff and the model's latest progressed receipt.
    """
    parts = [
        select(Order.cause, Order.model, Order.delivery_method, func.count())
        .where(
            Order.status == "received",
            Order.model == model,
            Order.received_at < max(cutoff, as_utc(progressed[model]))
            if model in progressed
            else Order.received_at < cutoff,
        )
        .group_by(Order.cause, Order.model, Order.delivery_method)
        for model in _received_models(session)
    ]
    groups: list[Any] = []
    for start in range(0, len(parts), 400):  # SQLite allows 500 compound SELECT terms
        chunk = parts[start : start + 400]
        query = chunk[0] if len(chunk) == 1 else union_all(*chunk)
        groups.extend(session.execute(query).all())
    return groups


def _matches(
    group: tuple[str | None, str, str],
    cause: str | None,
    model: str | None,
    delivery_method: str | None,
) -> bool:
    g_cause, g_model, g_method = group
    if cause == "none" and g_cause is not None:
        return False
    if cause == "unknown" and g_cause not in ("unknown", None):
        return False
    if cause and cause not in ("none", "unknown") and g_cause != cause:
        return False
    if model and g_model != model:
        return False
    return not (delivery_method and g_method != delivery_method)


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
    min_age_hours: int | None = None,
) -> dict[str, Any]:
    """Orders stuck in received, a page of them and their counts.

    min_age_hours keeps the orders received at least that long ago (an overtaken order is
    stuck however young; "waiting 48 h or more" leaves the young ones out).
    """
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
    if min_age_hours is not None and not (0 <= min_age_hours <= 24 * 90):
        raise Invalid("min_age_hours must be a whole number of hours from 0 to 2160 (90 days)")
    now = utcnow()
    threshold = threshold or SETTINGS.stuck_after
    index, progressed = _overtaken_now(session)
    base = _stuck_clause(now, threshold, progressed)
    groups = _stuck_groups(session, now - threshold, progressed)
    counts = {c or "unknown": 0 for c in STUCK_CAUSES}
    total = 0
    for g_cause, g_model, g_method, n in groups:
        counts[g_cause or "unknown"] = counts.get(g_cause or "unknown", 0) + n
        if _matches((g_cause, g_model, g_method), cause, model, delivery_method):
            total += n
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
    if min_age_hours:
        filters.append(Order.received_at <= now - timedelta(hours=min_age_hours))
    where = and_(*filters)
    if min_age_hours:
        # the groups above count by cause, model and method, not by age: count this one
        total = session.scalar(select(func.count()).select_from(Order).where(where)) or 0
    rows = (
        session.execute(
            select(Order, Customer.name)
            .join(Customer, Customer.id == Order.customer_id)
            .where(where)
            .order_by(*SORTS[sort])
            .limit(limit)
            .offset(offset)
        ).all()
        if total > offset
        else []
    )
    items = []
    with index.lock:
        overtaken = [index.count_after(order.model, order.received_at) for order, _ in rows]
    for (order, name), overtaken_by in zip(rows, overtaken, strict=True):
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
                "overtaken_by": overtaken_by,
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
    from services import loop  # late: loop reads this module's stuck rules

    # a cancelled order no longer makes its customer's callbacks wait: re-weigh them now
    loop.orders_changed(session, {order.customer_id})
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


_READ_IT = object()


def activation_allowed(
    session: Session, order: Order, activation: Any = _READ_IT
) -> tuple[bool, str]:
    """activation: the order's activation (or None) when the caller has it already."""
    # The line is opened for a phone the customer has in hand.
    if order.status != "delivered":
        return (
            False,
            f"activation can be requested once the order is delivered; it is {order.status}",
        )
    if activation is _READ_IT:
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
    from services import loop  # late: loop reads this module's stuck rules

    # the open callbacks of these customers show the new cause at once
    loop.orders_changed(session, {o.customer_id for o in rows}, always_record=True)
    return rows
