"""Callbacks and triage as one loop: a callback knows its customer's stuck orders, and the
customers whose orders have waited longest in `received` are called first.

The queue's weighting rule (also in README.md and docs/callback-weighting.md):

    weight = priority + waiting bonus
    waiting bonus = 0                                  no order of the customer is in
                                                       `received`, or the oldest has
                                                       waited less than 24 h
                  = min(6, 1 + floor((age - 24 h) / 12 h))   otherwise

where age is how long the customer's oldest order still in `received` has waited. So a
customer waiting 24 h gets +1, 36 h +2, 48 h +3, ... and 84 h or longer +6. A claim takes
the highest weight first, then the earliest due (not_before), then the oldest callback.
Priorities a supervisor sets (-100..100) still dominate: +10 beats any waiting bonus.

The weight is stored on the callback (the claim index is ordered by it, so a claim stays
one index step) and kept up to date:

* when a callback is requested or merged and when its priority changes;
* when the customer's orders move (ingest) or a lead sets their cause (triage): those
  customers' open callbacks are re-weighed and a change-feed entry is written for each
  whose state changed (for triage: each), so every console showing them refreshes;
* as orders age: refresh() re-weighs the open callbacks whose customer has an order
  waiting; a claim runs it first when the last run in this process is a minute old, so
  a bonus is at most a minute late and never missing at the moment of a claim.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services import changes
from services.config import SETTINGS
from services.ingest_records import OrderRecord
from services.models import Callback, Order
from services.timeutil import as_utc, iso, utcnow

OPEN = ("queued", "claimed")
STEP = timedelta(hours=12)  # one step of waiting bonus per this much beyond the threshold
MAX_BONUS = 6
REFRESH_EVERY = 60.0  # seconds between re-weighings in one process (see refresh_if_due)
_CHUNK = 500

_last_refresh: dict[str, float] = {}
_refresh_lock = threading.Lock()


# --- the rule ------------------------------------------------------------------------------


def waiting_bonus(waiting_since: datetime | None, now: datetime) -> int:
    """The weight a customer's oldest order waiting in `received` adds (see the module)."""
    if waiting_since is None:
        return 0
    beyond = now - as_utc(waiting_since) - SETTINGS.stuck_after
    if beyond < timedelta(0):
        return 0
    return min(MAX_BONUS, 1 + int(beyond // STEP))


def weight_for(priority: int, waiting_since: datetime | None, now: datetime) -> int:
    return priority + waiting_bonus(waiting_since, now)


# --- keeping weights up to date ------------------------------------------------------------


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def waiting_since(session: Session, customer_ids: Iterable[int]) -> dict[int, datetime]:
    """Per customer, when their oldest order still in `received` was received."""
    out: dict[int, datetime] = {}
    with session.no_autoflush:
        for chunk in _chunks(sorted(set(customer_ids))):
            for customer_id, since in session.execute(
                select(Order.customer_id, func.min(Order.received_at))
                .where(Order.customer_id.in_(chunk), Order.status == "received")
                .group_by(Order.customer_id)
            ):
                if since is not None:
                    out[customer_id] = as_utc(since)
    return out


def reweigh(
    session: Session,
    rows: list[Callback],
    *,
    now: datetime | None = None,
    record: bool = False,
) -> list[Callback]:
    """Bring the callbacks' waiting_since and weight up to date; returns those that changed.

    record: write a change-feed entry for each one that changed.
    """
    if not rows:
        return []
    now = now or utcnow()
    since = waiting_since(session, {cb.customer_id for cb in rows})
    changed = []
    for cb in rows:
        new_since = since.get(cb.customer_id)
        new_weight = weight_for(cb.priority or 0, new_since, now)
        old_since = as_utc(cb.waiting_since) if cb.waiting_since else None
        if new_since != old_since or new_weight != cb.weight:
            cb.waiting_since = new_since
            cb.weight = new_weight
            changed.append(cb)
            if record and cb.id is not None:
                changes.record(session, "callback", cb.id, cb.customer_id)
    return changed


def _open_callbacks(session: Session, customer_ids: Iterable[int]) -> list[Callback]:
    # Not locked: the update writes weight and waiting_since only, so a claim or a
    # completion meanwhile keeps its own columns; ingest never waits on a claimer.
    rows: list[Callback] = []
    for chunk in _chunks(sorted(set(customer_ids))):
        rows.extend(
            session.scalars(
                select(Callback)
                .where(Callback.customer_id.in_(chunk), Callback.status.in_(OPEN))
                .order_by(Callback.id)
            )
        )
    return rows


def orders_changed(
    session: Session, customer_ids: Iterable[int], *, always_record: bool = False
) -> int:
    """The customers' orders moved or were triaged: re-weigh their open callbacks.

    A change-feed entry goes out for each callback whose weight or waiting order changed,
    or for every one with always_record (a cause set by a lead changes what they show).
    Returns how many callbacks were announced.
    """
    ids = set(customer_ids)
    if not ids:
        return 0
    rows = _open_callbacks(session, ids)
    if not rows:
        return 0
    changed = reweigh(session, rows, record=not always_record)
    if always_record:
        for cb in rows:
            changes.record(session, "callback", cb.id, cb.customer_id)
        return len(rows)
    return len(changed)


def after_ingest(
    session: Session,
    events: list[Any],
    results: list[dict[str, Any]],
    orders_by_no: Mapping[str, OrderRecord | None],
) -> int:
    """Ingest's hook: the customers whose orders an applied order event moved."""
    customers = set()
    # one result per event, in order (never let a mismatch fail a batch that is applied)
    for raw, result in zip(events, results, strict=False):
        if result.get("result") != "applied" or not isinstance(raw, dict):
            continue
        if str(raw.get("type", "")).startswith("order."):
            order = orders_by_no.get(str(raw.get("order_no")))
            if order is not None:
                customers.add(order.customer_id)
    return orders_changed(session, customers)


def refresh(session: Session, *, now: datetime | None = None, limit: int = 20_000) -> int:
    """Re-weigh the open callbacks whose customer has an order waiting (it ages, or left
    `received` by a move no hook saw). Returns how many changed."""
    now = now or utcnow()
    # Read without locks: claimers must not skip the very rows that should go first while
    # this runs; only the few rows whose weight changes are written (and so locked).
    rows = list(
        session.scalars(
            select(Callback)
            .where(Callback.waiting_since.is_not(None), Callback.status.in_(OPEN))
            .order_by(Callback.id)
            .limit(limit)
        )
    )
    return len(reweigh(session, rows, now=now, record=True))


def refresh_if_due(session: Session) -> int:
    """refresh() when this process last ran it over a minute ago (claims call this)."""
    key = session.get_bind().url.render_as_string(hide_password=True)
    stamp = time.monotonic()
    with _refresh_lock:
        if stamp - _last_refresh.get(key, float("-inf")) < REFRESH_EVERY:
            return 0
        _last_refresh[key] = stamp
    return refresh(session)


# --- what a callback shows -----------------------------------------------------------------


def stuck_info(session: Session, rows: list[Callback]) -> dict[int, dict[str, Any]]:
    """Per customer with an open callback among rows: their stuck orders (waiting over the
    threshold or overtaken by later orders), the oldest first, with its cause."""
    from services.orders import latest_progressed  # orders' triage imports this module

    customers = {cb.customer_id for cb in rows if cb.status in OPEN}
    if not customers:
        return {}
    waiting: dict[int, list[Any]] = {}
    for chunk in _chunks(sorted(customers)):
        for row in session.execute(
            select(Order.customer_id, Order.order_no, Order.model, Order.received_at, Order.cause)
            .where(Order.customer_id.in_(chunk), Order.status == "received")
            .order_by(Order.received_at, Order.id)
        ):
            if row.received_at is not None:
                waiting.setdefault(row.customer_id, []).append(row)
    if not waiting:
        return {}
    now = utcnow()
    progressed = latest_progressed(session)
    out: dict[int, dict[str, Any]] = {}
    for customer_id, orders in waiting.items():
        stuck = []
        for o in orders:
            received = as_utc(o.received_at)
            over = now - received >= SETTINGS.stuck_after
            latest = progressed.get(o.model)
            overtaken = latest is not None and received < latest
            if over or overtaken:
                stuck.append((o, received, over, overtaken))
        if not stuck:
            continue
        o, received, over, overtaken = stuck[0]
        out[customer_id] = {
            "order_no": o.order_no,
            "received_at": iso(received),
            "age_hours": round((now - received).total_seconds() / 3600, 1),
            "over_threshold": over,
            "overtaken": overtaken,
            "cause": o.cause or "unknown",
            "orders": len(stuck),
        }
    return out
