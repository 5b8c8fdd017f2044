"""The next expected step and its date, from what the data shows.

Every agent must give the same, honest answer. The estimate is the median time that
similar orders (same model, received in the same hour) took to go from the current status
to the next one, with that basis stated. Too few similar cases means no date, said so.
"""

from __future__ import annotations

import statistics
import threading
import time
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.lifecycles import ACTIVATION, ORDER, SHIPMENT, Lifecycle
from services.models import Activation, Order, Shipment, StatusHistory
from services.timeutil import SEOUL, as_utc, iso

NEXT_STEP: dict[str, dict[str, str]] = {
    "order": {"received": "preparing", "preparing": "shipped", "shipped": "delivered"},
    "shipment": {
        "label_created": "picked_up",
        "picked_up": "in_transit",
        "in_transit": "out_for_delivery",
        "out_for_delivery": "delivered",
        "delivery_failed": "out_for_delivery",
    },
    "activation": {"requested": "in_progress", "in_progress": "completed", "failed": "requested"},
}
WAITING_ON_CUSTOMER = {
    ("order", "draft"): "received",
    ("activation", "not_requested"): "requested",
}
MIN_CASES = 3
# A median of 50 is a steady figure; each case is an index probe or two into the history,
# and on a database larger than its cache each probe can be a disk read: at 200 the first
# look at a cohort took up to 130 ms at 1,000,000 customers, at 50 a quarter of that.
SAMPLE = 50
_CACHE_SECONDS = 60.0
# A cohort received over a day ago has long since moved on: its median barely changes.
_SETTLED_AFTER = timedelta(hours=24)
_SETTLED_CACHE_SECONDS = 600.0
# Per database (keyed by its Database's connection pool: a database filled anew under the
# same URL, as tests do, is opened by a Database of its own), then per cohort.
_Cohorts = dict[tuple[Any, ...], tuple[float, tuple[timedelta, int] | None]]
_caches: weakref.WeakKeyDictionary[Any, _Cohorts] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()

_MODELS: dict[str, type] = {"order": Order, "shipment": Shipment, "activation": Activation}
_LIFECYCLES: dict[str, Lifecycle] = {"order": ORDER, "shipment": SHIPMENT, "activation": ACTIVATION}


def _cohort_median(
    session: Session, subject_type: str, model: str, hour_start: datetime, frm: str, to: str
) -> tuple[timedelta, int] | None:
    key = (subject_type, model, hour_start, frm, to)
    now = time.monotonic()
    settled = datetime.now(UTC) - hour_start > _SETTLED_AFTER
    ttl = _SETTLED_CACHE_SECONDS if settled else _CACHE_SECONDS
    with _cache_lock:
        cache = _caches.setdefault(session.get_bind().pool, {})
        hit = cache.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    # The cohort's subjects that have reached `to` (the only ones a duration can come
    # from), a few more than the sample: an index probe each (the history index carries
    # to_status and occurred_at), where reading the history of a busy hour's every order
    # took tens of milliseconds.
    hour_end = hour_start + timedelta(hours=1)
    if subject_type == "order":
        subject_id: Any = Order.id
        cohort = select(Order.id)
    else:
        table = _MODELS[subject_type]
        subject_id = table.id
        cohort = select(table.id).join(Order, Order.id == table.order_id)
    reached = (
        select(StatusHistory.id)
        .where(
            StatusHistory.subject_type == subject_type,
            StatusHistory.subject_id == subject_id,
            StatusHistory.to_status == to,
            StatusHistory.occurred_at.is_not(None),
        )
        .exists()
    )
    subjects = (
        cohort.where(
            Order.model == model,
            Order.received_at >= hour_start,
            Order.received_at < hour_end,
            reached,
        )
        .limit(SAMPLE + SAMPLE // 4)
        .scalar_subquery()
    )
    result: tuple[timedelta, int] | None = None
    rows = session.execute(
        select(StatusHistory.subject_id, StatusHistory.to_status, StatusHistory.occurred_at).where(
            StatusHistory.subject_type == subject_type,
            StatusHistory.subject_id.in_(subjects),
            StatusHistory.to_status.in_((frm, to)),
            StatusHistory.occurred_at.is_not(None),
        )
    ).all()
    if rows:
        entered: dict[int, dict[str, datetime]] = {}
        for sid, status, at in rows:
            slot = entered.setdefault(sid, {})
            at = as_utc(at)
            # first time it entered `frm`, first time after that it entered `to`
            if status not in slot or at < slot[status]:
                slot[status] = at
        durations = [
            (s[to] - s[frm]).total_seconds()
            for s in entered.values()
            if frm in s and to in s and s[to] >= s[frm]
        ][:SAMPLE]
        if len(durations) >= MIN_CASES:
            result = (timedelta(seconds=statistics.median(durations)), len(durations))
    with _cache_lock:
        cache[key] = (now, result)
    return result


def expectation(
    session: Session, subject_type: str, status: str, status_at: datetime, order: Order
) -> dict[str, Any]:
    """{next_status, next_label, expected_at, basis} for one lifecycle panel."""
    lifecycle = _LIFECYCLES[subject_type]
    waiting = WAITING_ON_CUSTOMER.get((subject_type, status))
    if waiting:
        return {
            "next_status": waiting,
            "next_label": lifecycle.label(waiting),
            "expected_at": None,
            "basis": "waits for the customer (or an agent) to act; no date can be given",
            "basis_ko": "고객(또는 상담원)의 조치가 필요합니다. 예정일을 안내할 수 없습니다",
        }
    nxt = NEXT_STEP.get(subject_type, {}).get(status)
    if nxt is None:
        return {
            "next_status": None,
            "next_label": None,
            "expected_at": None,
            "basis": "final status",
            "basis_ko": "최종 상태",
        }
    if order.received_at is None:
        return {
            "next_status": nxt,
            "next_label": lifecycle.label(nxt),
            "expected_at": None,
            "basis": "the order's receipt time is not known yet, so there is no cohort to compare",
            "basis_ko": "주문 접수 시각이 아직 확인되지 않아 비교할 수 있는 주문이 없습니다",
        }
    received = as_utc(order.received_at)
    hour_start = received.replace(minute=0, second=0, microsecond=0)
    found = _cohort_median(session, subject_type, order.model, hour_start, status, nxt)
    hour_kst = hour_start.astimezone(SEOUL)
    end_hour = f"{(hour_kst + timedelta(hours=1)):%H}:00"
    cohort = f"{order.model}, received {hour_kst:%m-%d %H}:00–{end_hour} KST"
    cohort_ko = f"{order.model}, {hour_kst:%m-%d %H}:00–{end_hour} 접수"
    if found is None:
        return {
            "next_status": nxt,
            "next_label": lifecycle.label(nxt),
            "expected_at": None,
            "basis": f"fewer than {MIN_CASES} similar orders ({cohort}) have reached "
            f"{lifecycle.label(nxt)} yet; no honest date can be given",
            "basis_ko": f"같은 조건의 주문({cohort_ko}) 중 {lifecycle.label(nxt)}에 도달한 주문이 "
            f"{MIN_CASES}건 미만이라 예정일을 안내할 수 없습니다",
        }
    median, cases = found
    hours = median.total_seconds() / 3600
    return {
        "next_status": nxt,
        "next_label": lifecycle.label(nxt),
        "expected_at": iso(as_utc(status_at) + median),
        "basis": f"median of {cases} similar orders ({cohort}): {hours:.1f} h from "
        f"{lifecycle.label(status)} to {lifecycle.label(nxt)}",
        "basis_ko": f"같은 조건의 주문 {cases}건({cohort_ko})의 중앙값: "
        f"{lifecycle.label(status)}에서 {lifecycle.label(nxt)}까지 {hours:.1f}시간",
        "cohort_size": cases,
    }
