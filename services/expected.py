"""The next expected step and its date, from what the data shows.

Every agent must give the same, honest answer. The estimate is the median time that
similar orders (same model, received in the same hour) took to go from the current status
to the next one, with that basis stated. The similar orders still waiting count as waiting
(so a median is given only once half of them have moved on), an order already waiting
longer than the median gets the date that orders as late as it reached, and too few
similar cases means no date: each said so.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select
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
# and on a database larger than its cache each probe can be a disk read.
SAMPLE = 50
# The sample is the cohort's first orders (by receipt) that entered the current status,
# looked for among its first SAMPLE * _SCAN: a bound on the probes for a status few orders
# pass through (a failed delivery), where looking through a busy hour's every order took
# tens of milliseconds.
_SCAN = 4
_CACHE_SECONDS = 60.0
# A cohort received over a day ago has long since moved on: its median barely changes.
_SETTLED_AFTER = timedelta(hours=24)
_SETTLED_CACHE_SECONDS = 600.0


@dataclass(frozen=True)
class Cohort:
    """How long the sampled similar subjects have taken, or waited so far, in one status."""

    cases: tuple[tuple[float, bool], ...]  # (seconds, reached the next status), sorted

    @classmethod
    def of(cls, cases: list[tuple[float, bool]]) -> Cohort:
        # at a tie, the step taken counts before the case still waiting
        return cls(tuple(sorted(cases, key=lambda case: (case[0], not case[1]))))

    @property
    def reached(self) -> int:
        return sum(reached for _, reached in self.cases)

    def median(self, waited: float = 0.0) -> float | None:
        """Kaplan–Meier: seconds from entering the status by which half of the cases still
        waiting after `waited` seconds had moved on; None while that is not known.

        A case not reached yet has waited its seconds so far and is still waiting. Leaving
        those out would give the median of the fast ones only, an early date that the
        orders still waiting already prove wrong; counting them as waiting as long as they
        have is the standard estimate for times not all of which are known yet. Asking from
        `waited` on gives an overdue order the date that orders as late as it reached.
        """
        if len(self.cases) < MIN_CASES:
            return None
        at_risk = len(self.cases)
        survival = 1.0
        since: float | None = None  # the survival at `waited`
        for seconds, reached in self.cases:
            if since is None and seconds >= waited:
                since = survival
            if reached:
                survival *= 1 - 1 / at_risk
                if since is not None and survival <= since / 2:
                    return seconds
            at_risk -= 1
        return None


# Per database (keyed by its Database's connection pool: a database filled anew under the
# same URL, as tests do, is opened by a Database of its own), then per cohort.
_Cohorts = dict[tuple[Any, ...], tuple[float, Cohort]]
_caches: weakref.WeakKeyDictionary[Any, _Cohorts] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()

_MODELS: dict[str, type] = {"order": Order, "shipment": Shipment, "activation": Activation}
_LIFECYCLES: dict[str, Lifecycle] = {"order": ORDER, "shipment": SHIPMENT, "activation": ACTIVATION}


def _sample_history(subject_type: str) -> Select[Any]:
    """The history rows of one cohort's sample, for the bound parameters model, hour_start,
    hour_end, frm and to: built once per lifecycle, as a screen asks for up to three."""
    if subject_type == "order":
        subject_id: Any = Order.id
        cohort = select(Order.id)
    else:
        table = _MODELS[subject_type]
        subject_id = table.id
        cohort = select(table.id).join(Order, Order.id == table.order_id)
    # first by receipt, so that every serve process samples, and every agent quotes, the
    # same orders
    scanned = (
        cohort.where(
            Order.model == bindparam("model"),
            Order.received_at >= bindparam("hour_start"),
            Order.received_at < bindparam("hour_end"),
        )
        .order_by(Order.received_at, subject_id)
        .limit(SAMPLE * _SCAN)
        .subquery()
    )
    entered = (
        select(StatusHistory.id)
        .where(
            StatusHistory.subject_type == subject_type,
            StatusHistory.subject_id == scanned.c.id,
            StatusHistory.to_status == bindparam("frm"),
            StatusHistory.occurred_at.is_not(None),
        )
        .exists()
    )
    sample = select(scanned.c.id).where(entered).limit(SAMPLE).scalar_subquery()
    return select(
        StatusHistory.subject_id, StatusHistory.to_status, StatusHistory.occurred_at
    ).where(
        StatusHistory.subject_type == subject_type,
        StatusHistory.subject_id.in_(sample),
        StatusHistory.to_status.in_([bindparam("frm"), bindparam("to")]),
        StatusHistory.occurred_at.is_not(None),
    )


_SAMPLE_HISTORY = {subject_type: _sample_history(subject_type) for subject_type in _MODELS}


def cohort_durations(
    session: Session, subject_type: str, model: str, hour_start: datetime, frm: str, to: str
) -> Cohort:
    """From `frm` to `to` for the subjects of one model's orders received in one hour."""
    key = (subject_type, model, hour_start, frm, to)
    now = time.monotonic()
    settled = datetime.now(UTC) - hour_start > _SETTLED_AFTER
    ttl = _SETTLED_CACHE_SECONDS if settled else _CACHE_SECONDS
    with _cache_lock:
        cache = _caches.setdefault(session.get_bind().pool, {})
        hit = cache.get(key)
        if hit and now - hit[0] < ttl:
            return hit[1]
    params = {
        "model": model,
        "hour_start": hour_start,
        "hour_end": hour_start + timedelta(hours=1),
        "frm": frm,
        "to": to,
    }
    rows = session.execute(_SAMPLE_HISTORY[subject_type], params).all()
    entered: dict[int, dict[str, datetime]] = {}
    for sid, status, at in rows:
        slot = entered.setdefault(sid, {})
        at = as_utc(at)
        # the first time it entered `frm`, the first time it entered `to`
        if status not in slot or at < slot[status]:
            slot[status] = at
    clock = datetime.now(UTC)
    cases: list[tuple[float, bool]] = []
    for slot in entered.values():
        if frm not in slot:
            continue
        if to in slot and slot[to] >= slot[frm]:
            cases.append(((slot[to] - slot[frm]).total_seconds(), True))
        else:
            cases.append((max(0.0, (clock - slot[frm]).total_seconds()), False))
    result = Cohort.of(cases)
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
    found = cohort_durations(session, subject_type, order.model, hour_start, status, nxt)
    hour_kst = hour_start.astimezone(SEOUL)
    end_hour = f"{(hour_kst + timedelta(hours=1)):%H}:00"
    cohort = f"{order.model}, received {hour_kst:%m-%d %H}:00–{end_hour} KST"
    cohort_ko = f"{order.model}, {hour_kst:%m-%d %H}:00–{end_hour} 접수"
    here, there = lifecycle.label(status), lifecycle.label(nxt)
    cases, reached = len(found.cases), found.reached
    answer: dict[str, Any] = {
        "next_status": nxt,
        "next_label": there,
        "expected_at": None,
        "cohort_size": cases,
        "cohort_reached": reached,
    }
    if cases < MIN_CASES:
        return answer | {
            "basis": f"fewer than {MIN_CASES} similar orders ({cohort}) have been at {here} "
            "yet; no honest date can be given",
            "basis_ko": f"같은 조건의 주문({cohort_ko}) 중 {here} 단계를 거친 주문이 "
            f"{MIN_CASES}건 미만이라 예정일을 안내할 수 없습니다",
        }
    median = found.median()
    if median is None:
        return answer | {
            "basis": f"only {reached} of {cases} similar orders ({cohort}) have reached {there} "
            "so far, fewer than half; no honest date can be given yet",
            "basis_ko": f"같은 조건의 주문 {cases}건({cohort_ko}) 중 {there}에 도달한 주문이 "
            f"{reached}건으로 절반이 안 되어 아직 예정일을 안내할 수 없습니다",
        }
    entered = as_utc(status_at)
    waited = max(0.0, (datetime.now(UTC) - entered).total_seconds())
    hours = median / 3600
    if waited <= median:
        return answer | {
            "expected_at": iso(entered + timedelta(seconds=median)),
            "basis": f"median of {cases} similar orders ({cohort}): {hours:.1f} h from "
            f"{here} to {there}",
            "basis_ko": f"같은 조건의 주문 {cases}건({cohort_ko})의 중앙값: "
            f"{here}에서 {there}까지 {hours:.1f}시간",
        }
    # Overdue: the date that similar orders which had waited as long went on to reach.
    late = found.median(waited)
    waited_h = waited / 3600
    if late is None:
        return answer | {
            "basis": f"has waited {waited_h:.1f} h at {here}, longer than the median of "
            f"{cases} similar orders ({cohort}, {hours:.1f} h), and too few of them waited "
            "as long to give an honest date",
            "basis_ko": f"{here} 상태로 {waited_h:.1f}시간째로, 같은 조건의 주문 {cases}건"
            f"({cohort_ko})의 중앙값 {hours:.1f}시간보다 길고 이만큼 기다린 주문이 적어 "
            "예정일을 안내할 수 없습니다",
        }
    return answer | {
        "expected_at": iso(entered + timedelta(seconds=late)),
        "basis": f"has waited {waited_h:.1f} h at {here}, longer than the median of {cases} "
        f"similar orders ({cohort}, {hours:.1f} h); half of those that waited as long reached "
        f"{there} within {late / 3600:.1f} h",
        "basis_ko": f"{here} 상태로 {waited_h:.1f}시간째로, 같은 조건의 주문 {cases}건"
        f"({cohort_ko})의 중앙값 {hours:.1f}시간보다 깁니다. 이만큼 기다린 주문의 절반이 "
        f"{late / 3600:.1f}시간 안에 {there}에 도달했습니다",
    }
