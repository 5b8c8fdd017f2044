"""A deterministic launch data set: customers, their reservations, orders, shipments,
activations and every status move, written straight into the tables.

The launch started three days before ``now``. Every customer reserved, most converted to
an order, orders went through the warehouse in roughly first-come order (so "similar
orders received in the same hour" have a meaningful median), couriers delivered, lines
were activated. On top of that the things a launch day goes wrong with: orders stuck in
``received`` (some with a known cause), orders overtaken by later ones, duplicate drafts,
failed and delayed deliveries, failed activations, and a few contradictions between
upstream systems.

The same (customers, seed, now) gives the same rows. Rows are generated per block of
customers from a random stream of their own, as plain tuples that carry their primary
keys (nothing is read back), and written in one transaction: executemany on SQLite,
binary COPY on PostgreSQL, with the secondary indexes (and on PostgreSQL the unique and
foreign keys) rebuilt after a large load. Times are whole epoch seconds, converted once
per distinct second. Measured at 1,000,000 customers (15.3 million rows) on two cores:
about 2 minutes on either database.

The catalogue of the launch (models, names, couriers, mobile and tracking numbers) lives
here too; the launch simulator (services.simulate) draws from it.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import random
import sys
import threading
import time
import traceback
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import exp
from typing import Any

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from services import callbacks, campaigns, notices
from services.accounts import Principal, add_user
from services.db import Database
from services.models import Activation, Contradiction, Customer, Order, Reservation, Shipment
from services.timeutil import utcnow

# --- the launch's catalogue (shared with the simulator) ------------------------------------

# (model, share of reservations, warehouse backlog in hours when the rush has passed)
MODELS: tuple[tuple[str, float, float], ...] = (
    ("iPhone 17 Pro 256GB 코스믹 오렌지", 0.16, 5.0),
    ("iPhone 17 Pro 512GB 딥 블루", 0.07, 4.0),
    ("iPhone 17 Pro Max 256GB 실버", 0.10, 4.5),
    ("iPhone 17 Pro Max 512GB 딥 블루", 0.11, 6.0),
    ("iPhone 17 256GB 라벤더", 0.11, 2.5),
    ("iPhone Air 256GB 스카이 블루", 0.05, 2.0),
    ("Galaxy S26 Ultra 512GB 티타늄 블랙", 0.14, 3.5),
    ("Galaxy S26 Ultra 256GB 티타늄 실버블루", 0.11, 3.0),
    ("Galaxy S26+ 256GB 코발트 바이올렛", 0.08, 2.0),
    ("Galaxy Z Fold8 512GB 실버 섀도우", 0.07, 7.0),
)

FAMILY_NAMES: tuple[tuple[str, float], ...] = (
    ("김", 21.5), ("이", 14.7), ("박", 8.4), ("최", 4.7), ("정", 4.3), ("강", 2.4),
    ("조", 2.1), ("윤", 2.0), ("장", 2.0), ("임", 1.7), ("한", 1.5), ("오", 1.5),
    ("서", 1.4), ("신", 1.4), ("권", 1.3), ("황", 1.2), ("안", 1.2), ("송", 1.1),
    ("전", 1.1), ("홍", 1.0), ("유", 1.0), ("고", 0.9), ("문", 0.9), ("양", 0.9),
    ("손", 0.9), ("배", 0.8), ("백", 0.7), ("허", 0.6), ("남", 0.6), ("심", 0.5),
    ("노", 0.4), ("하", 0.4), ("곽", 0.4), ("성", 0.4), ("차", 0.4), ("주", 0.4),
    ("우", 0.4), ("구", 0.4), ("민", 0.3), ("류", 0.3), ("나", 0.3), ("진", 0.3),
    ("지", 0.3), ("엄", 0.3), ("채", 0.2), ("원", 0.2), ("천", 0.2), ("방", 0.2),
    ("공", 0.2), ("현", 0.2), ("함", 0.2), ("변", 0.2), ("염", 0.2), ("여", 0.2),
    ("추", 0.1), ("도", 0.1), ("석", 0.1), ("선", 0.1), ("설", 0.1), ("마", 0.1),
    ("연", 0.1), ("표", 0.1), ("명", 0.1), ("기", 0.1), ("반", 0.1), ("왕", 0.1),
    ("황보", 0.05), ("남궁", 0.05), ("제갈", 0.03), ("선우", 0.03), ("독고", 0.02),
)  # fmt: skip
GIVEN_FIRST = tuple("민서지하도예주수은윤시현준유채다소태건우승재성혜영정연나진아가시태동상")
GIVEN_SECOND = tuple("준우윤서아연민현진원호희은수빈율린훈성경영혁석재인찬결온별솔담람")

DELIVERY_METHODS: tuple[tuple[str, float], ...] = (
    ("dawn", 0.30),
    ("standard", 0.55),
    ("store_pickup", 0.15),
)
# (courier, share, digits of its tracking numbers, first digit of ours)
COURIERS: tuple[tuple[str, float, int, str], ...] = (
    ("우체국택배", 0.30, 13, "6"),
    ("CJ대한통운", 0.40, 12, "5"),
    ("한진택배", 0.15, 12, "4"),
    ("롯데택배", 0.15, 12, "2"),
)
STUCK_CAUSE_MIX: tuple[tuple[str, float], ...] = (
    ("payment_pending", 0.35),
    ("stock_shortage", 0.30),
    ("address_check", 0.20),
    ("fraud_check", 0.15),
)
ACTIVATION_FAILURES: tuple[str, ...] = (
    "유심 인식 오류",
    "명의 확인 필요",
    "번호이동 인증 실패",
    "기기 IMEI 미등록",
    "요금제 가입 조건 미충족",
)
# (promotion, share of customers who entered it), keyed by mobile number
PROMOTIONS: tuple[tuple[str, float], ...] = (("launch_draw", 0.14), ("roulette", 0.09))

ACTORS = {
    "reservation": "reservation_site",
    "order": "order_system",
    "shipment": "courier",
    "activation": "activation_system",
}
# Order numbers of second drafts come from their own serial range, so they never meet
# the order numbers of first orders (whose serial is the customer's).
SEED_DUPLICATE_ORDER_SERIAL = 8_000_000_000
SIMULATOR_DUPLICATE_ORDER_SERIAL = 9_000_000_000
# Reservation numbers have 7 serial digits; from here on they belong to the simulator.
SIMULATOR_FIRST_SERIAL = 5_000_000
MAX_SEED_CUSTOMERS = SIMULATOR_FIRST_SERIAL - 1


def mobile_for(serial: int) -> str:
    """A Korean mobile number of its own for every serial (an affine bijection)."""
    return f"010{(serial * 36_243_917 + 52_817_731) % 80_000_000 + 20_000_000:08d}"


def tracking_for(courier_index: int, serial: int) -> str:
    """The courier's own format (13 digits postal, 12 private), unique per (courier, serial)."""
    _, _, digits, lead = COURIERS[courier_index]
    space = 10 ** (digits - 1)
    return f"{lead}{(serial * 7_919_007_001 + 1_234_567_891) % space:0{digits - 1}d}"


def cumulative(weights: Sequence[float]) -> list[float]:
    total = sum(weights)
    out, acc = [], 0.0
    for w in weights:
        acc += w / total
        out.append(acc)
    out[-1] = 1.0
    return out


class Picker:
    """Weighted choice with a given uniform number (fast, and keeps streams reproducible)."""

    def __init__(self, items: Sequence[Any], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cum = cumulative(weights)

    def __call__(self, u: float) -> Any:
        return self.items[bisect(self.cum, u)]


MODEL_PICK = Picker(range(len(MODELS)), [m[1] for m in MODELS])
FAMILY_PICK = Picker([f for f, _ in FAMILY_NAMES], [w for _, w in FAMILY_NAMES])
METHOD_PICK = Picker([m for m, _ in DELIVERY_METHODS], [w for _, w in DELIVERY_METHODS])
COURIER_PICK = Picker(range(len(COURIERS)), [c[1] for c in COURIERS])
CAUSE_PICK = Picker([c for c, _ in STUCK_CAUSE_MIX], [w for _, w in STUCK_CAUSE_MIX])


def korean_name(rng: random.Random) -> str:
    return (
        FAMILY_PICK(rng.random())
        + GIVEN_FIRST[int(rng.random() * len(GIVEN_FIRST))]
        + GIVEN_SECOND[int(rng.random() * len(GIVEN_SECOND))]
    )


def backlog_hours(model_index: int, hours_since_launch: float) -> float:
    """How long the warehouse queue for a model is: long in the opening rush, then shorter.

    It shrinks slower than an hour per hour, so orders leave the queue in the order they
    were received (apart from small jitter): a received order that later ones overtake
    stands out.
    """
    return MODELS[model_index][2] * (1.0 + 1.2 * exp(-hours_since_launch / 18.0))


KST = 9 * 3600
HOUR = 3600
MINUTE = 60
DAY = 86400


def next_dawn(t: float) -> float:
    """05:00 Asia/Seoul on or after t (epoch seconds)."""
    local = t + KST
    target = local - local % DAY + 5 * HOUR
    if target < local:
        target += DAY
    return target - KST


# Seconds between an upstream time and when we recorded it: mostly a few, sometimes minutes.
_LAGS = [2 + int(600 * (i / 257) ** 4) for i in range(257)]
random.Random(257).shuffle(_LAGS)


def _luhn_block_sums() -> list[int]:
    """Luhn sum of every 4-digit block whose rightmost digit is doubled."""
    out = []
    for n in range(10_000):
        total = 0
        for i, ch in enumerate(reversed(f"{n:04d}")):
            d = int(ch) * (2 if i % 2 == 0 else 1)
            total += d - 9 if d > 9 else d
        out.append(total)
    return out


_LUHN4 = _luhn_block_sums()


def fast_reservation_no(serial: int) -> str:
    """make_reservation_no(serial) for 0 <= serial < 10**7, without its checks (bulk use)."""
    total = _LUHN4[serial % 10_000] + _LUHN4[serial // 10_000]
    return f"{serial:07d}{-total % 10}"


def fast_order_no(serial: int) -> str:
    """make_order_no(serial) for 0 <= serial < 10**10, without its checks (bulk use)."""
    total = _LUHN4[serial % 10_000] + _LUHN4[serial // 10_000 % 10_000] + _LUHN4[serial // 10**8]
    return f"{serial:010d}{-total % 10}"


# --- the report -------------------------------------------------------------------------------


@dataclass
class SeedReport:
    customers: int
    seed: int
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    stuck_over_24h: int = 0
    overtaken: int = 0
    duplicate_drafts: int = 0
    contradictions: int = 0
    elapsed: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        lines = [
            f"seeded {self.customers:,} customers (seed {self.seed}) in {self.elapsed:.1f} s: "
            f"{self.total_rows:,} rows"
        ]
        lines += [f"  {name:<18} {count:>12,}" for name, count in self.rows.items()]
        for lifecycle, counts in self.statuses.items():
            parts = ", ".join(f"{s} {n:,}" for s, n in sorted(counts.items(), key=lambda x: -x[1]))
            lines.append(f"  {lifecycle}: {parts}")
        lines.append(
            f"  stuck over 24 h {self.stuck_over_24h:,}, overtaken {self.overtaken:,}, "
            f"duplicate drafts {self.duplicate_drafts:,}, contradictions {self.contradictions:,}"
        )
        return "\n".join(lines)


# --- tables, as written (column order of the generated tuples) ---------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("id", "ref", "name", "mobile", "created_at"),
    "reservations": (
        "id", "reservation_no", "customer_id", "model", "status", "status_at", "status_key",
        "created_at", "updated_at",
    ),
    "orders": (
        "id", "order_no", "reservation_id", "customer_id", "model", "delivery_method", "status",
        "status_at", "status_key", "created_at", "received_at", "cause", "owner", "updated_at",
    ),
    "shipments": (
        "id", "order_id", "customer_id", "tracking_no", "courier", "status", "status_at",
        "status_key", "updated_at",
    ),
    "activations": (
        "id", "order_id", "customer_id", "status", "status_at", "status_key", "reason",
        "updated_at",
    ),
    "status_history": (
        "id", "subject_type", "subject_id", "customer_id", "from_status", "to_status", "effect",
        "actor", "source_event", "occurred_at", "recorded_at", "detail",
    ),
    "contradictions": (
        "id", "order_id", "customer_id", "kind", "detail", "detected_at", "resolved_at",
    ),
    "promotion_entries": ("id", "customer_id", "promotion", "mobile", "status", "entered_at"),
}  # fmt: skip
TABLE_ORDER = tuple(COLUMNS)
BLOCK = 10_000  # customers per random stream; fixed, so the data never depends on chunking
INSERT_CHUNK = 10_000  # rows per executemany
DEFER_FROM = 50_000  # customers from which indexes are built after the load, not during
PROCESS_FROM = 100_000  # customers from which a child process generates (SQLite)


class _Stamps(dict[int, Any]):
    """Epoch second -> the value the driver takes for a timestamp column, made once each.

    SQLite gets SQLAlchemy's own storage format for DateTime (UTC, no offset); PostgreSQL
    gets aware datetimes.
    """

    def __init__(self, as_text: bool) -> None:
        super().__init__()
        self.as_text = as_text

    def __missing__(self, key: int) -> Any:
        value: Any = datetime.fromtimestamp(key, UTC)
        if self.as_text:
            value = value.strftime("%Y-%m-%d %H:%M:%S.000000")
        self[key] = value
        return value


# --- the generator --------------------------------------------------------------------------


@dataclass
class _Tally:
    rows: dict[str, int]
    statuses: dict[str, dict[str, int]]
    stuck: int
    overtaken: int
    duplicates: int
    contradictions: int


class _Launch:
    """Generates the rows of one block of customers at a time, ids continuing across blocks."""

    def __init__(self, *, seed: int, now: int, first_ids: dict[str, int], stamps: _Stamps) -> None:
        self.seed = seed
        self.now = now
        self.start = now - 3 * DAY
        self.ids = dict(first_ids)
        self.S = stamps
        self.statuses: dict[str, Counter[str]] = {k: Counter() for k in ACTORS}
        self.rows: Counter[str] = Counter()
        self.stuck = 0
        self.duplicates = 0
        self.contradictions = 0
        # overtaken: per model the latest receipt among orders already past received
        self.latest_progressed: dict[int, int] = {}
        self.received_orders: list[tuple[int, int]] = []  # (model index, received at)
        self.out: dict[str, list[tuple[Any, ...]]] = {}
        self.rng = random.Random()

    def tally(self) -> _Tally:
        progressed = self.latest_progressed
        return _Tally(
            rows=dict(self.rows),
            statuses={k: dict(v) for k, v in self.statuses.items()},
            stuck=self.stuck,
            overtaken=sum(1 for m, at in self.received_orders if at < progressed.get(m, 0)),
            duplicates=self.duplicates,
            contradictions=self.contradictions,
        )

    def _next(self, name: str) -> int:
        value = self.ids[name]
        self.ids[name] = value + 1
        return value

    def _history(
        self, stype: str, sid: int, cid: int, steps: list[tuple[str, int]]
    ) -> tuple[str, int, int]:
        """History rows for every status a row passed through.

        Returns its current status's (status_key, status_at, recorded_at).
        """
        S = self.S
        now = self.now
        hist = self.out["status_history"]
        hid = self.ids["status_history"]
        actor = ACTORS[stype]
        prefix = f"seed:{stype}:{sid}:"
        prev = None
        key = ""
        rec = 0
        used: set[str] = set()
        for status, t in steps:
            key = prefix + status
            if status in used:  # a loop (out for delivery again, requested again)
                key = f"{key}:{len(used)}"
            used.add(status)
            rec = t + _LAGS[hid % 257]
            if rec > now:
                rec = now
            hist.append(
                (hid, stype, sid, cid, prev, status, "applied", actor, key, S[t], S[rec], None)
            )
            hid += 1
            prev = status
        self.ids["status_history"] = hid
        self.statuses[stype][steps[-1][0]] += 1
        return key, steps[-1][1], rec

    def block(self, first: int, last: int) -> dict[str, list[tuple[Any, ...]]]:
        """Rows for the customers with serials first..last, all of one block.

        Each block has a random stream of its own, so a block's rows never depend on how
        many blocks came before or on how the caller chunks its writes.
        """
        self.out = out = {name: [] for name in TABLE_ORDER}
        self.rng = rng = random.Random(f"launchdesk-seed:{self.seed}:{first // BLOCK}")
        rand = rng.random
        S = self.S
        now = self.now
        start = self.start
        for serial in range(first, last + 1):
            cid = self._next("customers")
            # --- customer and reservation: the rush at the opening, quieter at night ---
            t_res = start + 60 + int(70 * HOUR * rand() ** 2.2)
            if 1 <= ((t_res + KST) // HOUR) % 24 < 7 and rand() < 0.75:
                t_res = start + 60 + int(70 * HOUR * rand() ** 1.6)
            mobile = mobile_for(serial)
            out["customers"].append((cid, f"C{serial:08d}", korean_name(rng), mobile, S[t_res]))
            model_ix = MODEL_PICK(rand())
            rid = self._next("reservations")
            steps = [("reserved", t_res)]
            u = rand()
            t_conv = 0
            if u < 0.82:
                t = t_res + int(rng.lognormvariate(7.8, 1.0))  # median ~40 min
                if t <= now:
                    steps.append(("converted", t))
                    t_conv = t
            elif u < 0.88:
                t = t_res + int(10 * MINUTE + rand() * 30 * HOUR)
                if t <= now:
                    steps.append(("cancelled", t))
            elif u < 0.92:
                t = t_res + 48 * HOUR
                if t <= now:
                    steps.append(("expired", t))
            key, at, rec = self._history("reservation", rid, cid, steps)
            out["reservations"].append(
                (
                    rid, fast_reservation_no(serial), cid, MODELS[model_ix][0], steps[-1][0],
                    S[at], key, S[t_res], S[rec],
                )
            )  # fmt: skip
            for promotion, share in PROMOTIONS:
                if rand() < share:
                    entered = min(t_res + 30 + int(rand() * 2 * HOUR), now)
                    out["promotion_entries"].append(
                        (
                            self._next("promotion_entries"),
                            cid,
                            promotion,
                            mobile,
                            "entered",
                            S[entered],
                        )
                    )
            if t_conv:
                self._order(serial, cid, rid, model_ix, t_conv)
        for name, rows in out.items():
            self.rows[name] += len(rows)
        return out

    def _order(self, serial: int, cid: int, rid: int, model_ix: int, t_conv: int) -> None:
        rng = self.rng
        rand = rng.random
        S = self.S
        now = self.now
        model = MODELS[model_ix][0]
        method = METHOD_PICK(rand())
        oid = self._next("orders")
        order_no = fast_order_no(serial)
        t_created = t_conv + 5 + int(rand() * 55)
        via_draft = rand() < 0.7
        steps = [("draft", t_created)] if via_draft else [("received", t_created)]
        received_at: int | None = None if via_draft else t_created
        cause: str | None = None
        contradiction = False
        t_ship = t_od = 0
        u = rand()
        if via_draft and u < 0.025:
            pass  # left in the cart
        elif via_draft and u < 0.04:
            t = t_created + int(HOUR + rand() * 20 * HOUR)
            if t <= now:
                steps.append(("cancelled", t))
        else:
            if via_draft:
                t = t_created + 60 + int(rand() * 14 * MINUTE)
                if t <= now:
                    steps.append(("received", t))
                    received_at = t
            if received_at is not None:
                v = rand()
                if v < 0.02:  # the customer cancelled
                    t = received_at + int(HOUR + rand() * 30 * HOUR)
                    if t <= now:
                        steps.append(("cancelled", t))
                elif v < 0.075:  # blocked: stays received (stuck once it is old)
                    if via_draft and rand() < 0.75:
                        cause = CAUSE_PICK(rand())
                    contradiction = received_at < now - 30 * HOUR and rand() < 0.08
                else:  # the warehouse queue, roughly first come first served
                    hours = (received_at - self.start) / HOUR
                    wait = backlog_hours(model_ix, hours) * HOUR + rng.gauss(0, 12 * MINUTE)
                    t_prep = received_at + int(max(0.2 * HOUR, wait))
                    if t_prep <= now:
                        steps.append(("preparing", t_prep))
                        t = t_prep + int(rng.lognormvariate(9.3, 0.35))  # median ~3 h
                        if t <= now:
                            steps.append(("shipped", t))
                            t_ship = t
        if t_ship:
            t_delivered = self._shipment(serial, cid, oid, method, t_ship)[0]
            if t_delivered:
                t_od = t_delivered + 2 * MINUTE + int(rand() * 28 * MINUTE)
                if t_od <= now:
                    steps.append(("delivered", t_od))
        elif contradiction and received_at is not None:
            # the courier moves a parcel while the order system still says received
            handed = min(received_at + int(4 * HOUR + rand() * 20 * HOUR), now - HOUR)
            _, tracking, moved_at = self._shipment(serial, cid, oid, method, handed)
            if moved_at:
                detected = min(moved_at + 5, now)
                detail = (
                    f"shipment {tracking} is picked_up while order {order_no} is still received"
                )
                out = (
                    self._next("contradictions"),
                    oid,
                    cid,
                    "shipment_ahead_of_order",
                    detail,
                    S[detected],
                    None,
                )
                self.out["contradictions"].append(out)
                self.contradictions += 1
        key, at, rec = self._history("order", oid, cid, steps)
        status = steps[-1][0]
        self.out["orders"].append(
            (
                oid, order_no, rid, cid, model, method, status, S[at], key, S[t_created],
                None if received_at is None else S[received_at], cause, None, S[rec],
            )
        )  # fmt: skip
        if status == "received" and received_at is not None:
            if received_at < now - DAY:
                self.stuck += 1
            self.received_orders.append((model_ix, received_at))
        elif (
            status in ("preparing", "shipped", "delivered")
            and received_at is not None
            and received_at > self.latest_progressed.get(model_ix, 0)
        ):
            self.latest_progressed[model_ix] = received_at
        if status == "delivered":
            self._activation(cid, oid, t_od)
        if status != "cancelled" and rand() < 0.02:
            self._second_draft(serial, cid, rid, model, method, t_created)

    def _second_draft(
        self, serial: int, cid: int, rid: int, model: str, method: str, t_created: int
    ) -> None:
        """The customer pressed "order" twice: a second draft on the same reservation."""
        rand = self.rng.random
        S = self.S
        did = self._next("orders")
        t_dup = min(t_created + 30 + int(rand() * 20 * MINUTE), self.now)
        steps = [("draft", t_dup)]
        if rand() < 0.15:  # some were already cleaned up
            t = t_dup + int(HOUR + rand() * 10 * HOUR)
            if t <= self.now:
                steps.append(("cancelled", t))
        if steps[-1][0] == "draft":
            self.duplicates += 1
        key, at, rec = self._history("order", did, cid, steps)
        self.out["orders"].append(
            (
                did, fast_order_no(SEED_DUPLICATE_ORDER_SERIAL + serial), rid, cid, model, method,
                steps[-1][0], S[at], key, S[t_dup], None, None, None, S[rec],
            )
        )  # fmt: skip

    def _shipment(
        self, serial: int, cid: int, oid: int, method: str, t_ship: int
    ) -> tuple[int, str, int]:
        """The courier's side of one order handed over at t_ship.

        Returns (delivered at or 0, tracking number, picked up at or 0).
        """
        rng = self.rng
        rand = rng.random
        now = self.now
        sid = self._next("shipments")
        courier_ix = COURIER_PICK(rand())
        t_label = t_ship - 10 * MINUTE - int(rand() * 50 * MINUTE)
        t_pick = t_ship + 5 * MINUTE + int(rand() * 25 * MINUTE)
        t_transit = t_pick + HOUR + int(rand() * 3 * HOUR)
        u = rand()
        if u < 0.02:  # delayed: stays in transit for two days or more
            t_leave = t_transit + int(40 * HOUR + rand() * 20 * HOUR)
        else:
            t_leave = t_transit + 30 * MINUTE
        if method == "dawn":  # arrives before the morning
            t_done = int(next_dawn(t_leave + 2 * HOUR) + rng.gauss(0, 50 * MINUTE))
            t_ofd = t_done - HOUR - int(rand() * 2 * HOUR)
        elif method == "standard":
            t_ofd = t_leave + int(rng.lognormvariate(10.9, 0.25))  # median ~15 h
            t_done = t_ofd + HOUR + int(rand() * 5 * HOUR)
        else:  # store pickup: to the shop, then handed over
            t_ofd = t_leave + int(8 * HOUR + rand() * 6 * HOUR)
            t_done = t_ofd + HOUR + int(rand() * 2 * HOUR)
        t_ofd = max(t_ofd, t_transit + 20 * MINUTE)
        t_done = max(t_done, t_ofd + 10 * MINUTE)
        plan = [
            ("label_created", t_label),
            ("picked_up", t_pick),
            ("in_transit", t_transit),
            ("out_for_delivery", t_ofd),
        ]
        if 0.02 <= u < 0.054:  # nobody home
            t_fail = t_ofd + HOUR + int(rand() * 3 * HOUR)
            plan.append(("delivery_failed", t_fail))
            if u >= 0.05:  # a very few go back to the sender
                plan.append(("returned", t_fail + int(24 * HOUR + rand() * 24 * HOUR)))
            else:  # out again the next day
                t_again = t_fail + int(16 * HOUR + rand() * 8 * HOUR)
                t_done = t_again + HOUR + int(rand() * 4 * HOUR)
                plan += [("out_for_delivery", t_again), ("delivered", t_done)]
        else:
            plan.append(("delivered", t_done))
        steps = [(s, t) for s, t in plan if t <= now]
        courier = COURIERS[courier_ix][0]
        tracking = tracking_for(courier_ix, serial)
        key, at, rec = self._history("shipment", sid, cid, steps)
        status = steps[-1][0]
        self.out["shipments"].append(
            (sid, oid, cid, tracking, courier, status, self.S[at], key, self.S[rec])
        )
        return (at if status == "delivered" else 0), tracking, (t_pick if t_pick <= now else 0)

    def _activation(self, cid: int, oid: int, t_od: int) -> None:
        rng = self.rng
        rand = rng.random
        now = self.now
        aid = self._next("activations")
        t0 = min(t_od + MINUTE + int(rand() * 9 * MINUTE), now)
        plan: list[tuple[str, int]] = [("not_requested", t0)]
        reason: str | None = None
        if rand() >= 0.10:  # most ask for their line soon after the phone arrives
            t_req = t0 + int(rng.lognormvariate(9.1, 0.8))  # median ~2.5 h
            t_run = t_req + 2 * MINUTE + int(rand() * 18 * MINUTE)
            t_end = t_run + 5 * MINUTE + int(rand() * 55 * MINUTE)
            plan += [("requested", t_req), ("in_progress", t_run)]
            if rand() < 0.08:
                reason = ACTIVATION_FAILURES[int(rand() * len(ACTIVATION_FAILURES))]
                plan.append(("failed", t_end))
                if rand() < 0.5:  # asked again after the fix
                    t_again = t_end + HOUR + int(rand() * 5 * HOUR)
                    plan += [
                        ("requested", t_again),
                        ("in_progress", t_again + 5 * MINUTE + int(rand() * 20 * MINUTE)),
                        ("completed", t_again + 30 * MINUTE + int(rand() * 60 * MINUTE)),
                    ]
            else:
                plan.append(("completed", t_end))
        steps = [(s, t) for s, t in plan if t <= now]
        key, at, rec = self._history("activation", aid, cid, steps)
        status = steps[-1][0]
        self.out["activations"].append(
            (
                aid,
                oid,
                cid,
                status,
                self.S[at],
                key,
                reason if status == "failed" else None,
                self.S[rec],
            )
        )


# --- writing ----------------------------------------------------------------------------------


class _SqliteWriter:
    """executemany of plain tuples, INSERT_CHUNK rows a call."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sql = {
            name: f"INSERT INTO {name} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            for name, cols in COLUMNS.items()
        }

    def defer_checks(self, conn: Connection) -> list[str]:
        """Drop the seeded tables' own CREATE INDEX indexes; return the DDL to rebuild them.

        (Unique constraints are part of SQLite's table definitions and stay.) SQLite DDL is
        transactional, so a failure rolls this back with the rows.
        """
        names = list(COLUMNS)
        found = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join('?' * len(names))}) ORDER BY name",
            tuple(names),
        ).all()
        for name, _sql in found:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in found]

    def write(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), INSERT_CHUNK):
            self.conn.exec_driver_sql(self.sql[name], rows[start : start + INSERT_CHUNK])


class _PostgresWriter:
    """Binary COPY inside the seeding transaction.

    PostgreSQL took executemany at 25-40k rows a second here, and text COPY spends much of
    its time formatting and parsing; binary COPY of the same tuples is several times
    faster. Binary COPY needs each column's exact type: read from the catalogue, so a
    migration that changes a type changes what is sent.
    """

    def __init__(self, conn: Connection) -> None:
        self.raw = conn.connection.driver_connection
        self.types: dict[str, list[int]] = {}
        for name, cols in COLUMNS.items():
            found = dict(
                conn.execute(
                    text(
                        "SELECT attname, atttypid::int FROM pg_attribute "
                        "WHERE attrelid = to_regclass(:t) AND attnum > 0 AND NOT attisdropped"
                    ),
                    {"t": name},
                ).all()
            )
            self.types[name] = [found[c] for c in cols]

    def defer_checks(self, conn: Connection) -> list[str]:
        """Drop the seeded tables' secondary indexes, unique and foreign keys; return the DDL
        that restores them.

        Maintaining them row by row is most of PostgreSQL's work during the load; building
        them once afterwards is several times cheaper. All of it happens inside the seeding
        transaction, so a failure rolls the DDL back with the rows. (The tables are locked
        until commit: seeding is for a fresh database, not one being served.)
        """
        names = list(COLUMNS)
        rows = conn.execute(
            text(
                "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
                "pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = ANY(CAST(:names AS regclass[])) AND c.contype IN ('f', 'u') "
                "ORDER BY c.contype DESC, c.conname"
            ),
            {"names": names},
        ).all()
        indexes = conn.execute(
            text(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                "FROM pg_index i WHERE i.indrelid = ANY(CAST(:names AS regclass[])) "
                "AND NOT i.indisprimary AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "ORDER BY 1"
            ),
            {"names": names},
        ).all()
        restore: list[str] = []
        for table_name, name, _kind, _definition in rows:  # foreign keys first ('f' > 'u')
            conn.exec_driver_sql(f'ALTER TABLE {table_name} DROP CONSTRAINT "{name}"')
        for index_name, definition in indexes:
            conn.exec_driver_sql(f"DROP INDEX {index_name}")
            restore.append(definition)
        for table_name, name, _kind, definition in reversed(rows):  # unique keys first
            restore.append(f'ALTER TABLE {table_name} ADD CONSTRAINT "{name}" {definition}')
        return restore

    def write(self, name: str, rows: list[tuple[Any, ...]]) -> None:
        cols = ", ".join(COLUMNS[name])
        with (
            self.raw.cursor() as cursor,
            cursor.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT BINARY)") as copy,
        ):
            copy.set_types(self.types[name])
            for row in rows:
                copy.write_row(row)


def _first_ids(conn: Connection) -> dict[str, int]:
    out = {}
    for name in TABLE_ORDER:
        current = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {name}")).scalar_one()
        out[name] = int(current) + 1
    return out


def _bump_sequences(conn: Connection) -> None:
    for name in TABLE_ORDER:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), MAX(id)) FROM {name} "
                "HAVING COUNT(*) > 0"
            )
        )


def _blocks(customers: int) -> Iterator[tuple[int, int]]:
    first = 1
    while first <= customers:
        last = min(customers, (first // BLOCK + 1) * BLOCK - 1)
        yield first, last
        first = last + 1


Rows = dict[str, list[tuple[Any, ...]]]


class _LocalBlocks:
    """Blocks generated in this process."""

    def __init__(self, gen: _Launch, customers: int) -> None:
        self.gen = gen
        self.customers = customers

    def __iter__(self) -> Iterator[tuple[Rows, int]]:
        for first, last in _blocks(self.customers):
            yield self.gen.block(first, last), last

    def tally(self) -> _Tally:
        return self.gen.tally()

    def close(self) -> None:
        pass


def _generate_in_child(
    out: Any, seed: int, now: int, first_ids: dict[str, int], customers: int, as_text: bool
) -> None:
    """A child process's whole work: every block, pickled down the pipe, then the tally."""
    try:
        gen = _Launch(seed=seed, now=now, first_ids=first_ids, stamps=_Stamps(as_text))
        for first, last in _blocks(customers):
            out.send_bytes(pickle.dumps((last, gen.block(first, last)), pickle.HIGHEST_PROTOCOL))
        out.send_bytes(pickle.dumps((0, gen.tally()), pickle.HIGHEST_PROTOCOL))
    except BaseException:
        out.send_bytes(pickle.dumps((-1, traceback.format_exc())))
    finally:
        out.close()


class _ChildBlocks:
    """Blocks generated by a child process, so generating (one core) overlaps with writing
    (the other). The same generator, so the same rows as _LocalBlocks."""

    def __init__(
        self, *, seed: int, now: int, first_ids: dict[str, int], customers: int, as_text: bool
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.inbox, outbox = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_generate_in_child,
            args=(outbox, seed, now, first_ids, customers, as_text),
            name="launchdesk-seed-generator",
            daemon=True,
        )
        self.process.start()
        outbox.close()
        self._tally: _Tally | None = None

    def __iter__(self) -> Iterator[tuple[Rows, int]]:
        while True:
            try:
                last, payload = pickle.loads(self.inbox.recv_bytes())
            except EOFError:
                raise RuntimeError("the seed generator process ended unexpectedly") from None
            if last > 0:
                yield payload, last
            elif last == 0:
                self._tally = payload
                return
            else:
                raise RuntimeError(f"generating the seed data failed:\n{payload}")

    def tally(self) -> _Tally:
        assert self._tally is not None, "the generator has not finished"
        return self._tally

    def close(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.inbox.close()


def _pipeline(
    blocks: _LocalBlocks | _ChildBlocks,
    writer: _SqliteWriter | _PostgresWriter,
    customers: int,
    progress: Callable[[int, int], None] | None,
    *,
    threaded: bool,
) -> None:
    """Write every block; threaded, a second thread writes one block while this one makes
    (or receives) the next: PostgreSQL's work, in its own process, then overlaps ours.
    SQLite works in this process and holds the GIL for much of it, so a thread there only
    adds hand-over waits.
    """
    if not threaded:
        for rows, last in blocks:
            for name in TABLE_ORDER:
                if rows[name]:
                    writer.write(name, rows[name])
            if progress is not None:
                progress(last, customers)
        return
    pending: queue.Queue[tuple[Rows, int] | None] = queue.Queue(2)
    failed: list[BaseException] = []
    written = [0]

    def work() -> None:
        try:
            while (item := pending.get()) is not None:
                rows, last = item
                for name in TABLE_ORDER:
                    if rows[name]:
                        writer.write(name, rows[name])
                written[0] = last
        except BaseException as exc:
            failed.append(exc)
            while pending.get() is not None:  # let the producer finish putting
                pass

    thread = threading.Thread(target=work, name="seed-writer", daemon=True)
    thread.start()
    reported = 0
    try:
        for item in blocks:
            if failed:
                break
            pending.put(item)
            if progress is not None and written[0] > reported:
                reported = written[0]
                progress(reported, customers)
    finally:
        pending.put(None)
        thread.join()
    if failed:
        raise failed[0]
    if progress is not None and reported < customers:
        progress(customers, customers)


def _use_child_process(db: Database, customers: int) -> bool:
    """Generate in a child process for a large SQLite seed.

    SQLite writes in this process, so generating here too leaves one core idle. PostgreSQL
    writes in its own process already; a third busy process on two cores measured slower.
    Not in a frozen (PyInstaller) app, which would need multiprocessing.freeze_support.
    """
    return db.is_sqlite and customers >= PROCESS_FROM and not getattr(sys, "frozen", False)


def seed_launch(
    db: Database,
    *,
    customers: int,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SeedReport:
    """Write a launch of `customers` customers into an empty database, in one transaction.

    The launch started three days before `now` (an aware datetime; default: the current
    time). The same (customers, seed, now) writes the same rows. `progress(done, total)`
    is called as customers are written. Refuses (ValueError) a database that already has
    customers. At 50,000 customers and more, the tables' secondary indexes (and on
    PostgreSQL their unique and foreign keys) are rebuilt after the load, inside the
    transaction; the tables are locked until it commits.
    """
    if isinstance(customers, bool) or not isinstance(customers, int):
        raise TypeError("customers must be an int")
    if not 1 <= customers <= MAX_SEED_CUSTOMERS:
        raise ValueError(
            f"customers must be 1..{MAX_SEED_CUSTOMERS:,} (reservation serials from "
            f"{SIMULATOR_FIRST_SERIAL:,} belong to the launch simulator); received {customers}"
        )
    started = time.perf_counter()
    moment = (now or utcnow()).astimezone(UTC).replace(microsecond=0)
    report = SeedReport(customers=customers, seed=seed, now=moment)
    engine = db.engine
    if db.is_sqlite:
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if db.is_sqlite else None
        if raw is not None:
            raw.execute("PRAGMA cache_size=-1048576")  # up to 1 GiB of pages while loading
        try:
            with conn.begin():
                if conn.execute(select(Customer.id).limit(1)).first() is not None:
                    raise ValueError(
                        "the database already has customers; seed into an empty database"
                    )
                first_ids = _first_ids(conn)
                writer = _SqliteWriter(conn) if db.is_sqlite else _PostgresWriter(conn)
                restore = writer.defer_checks(conn) if customers >= DEFER_FROM else []
                epoch = int(moment.timestamp())
                blocks: _LocalBlocks | _ChildBlocks
                if _use_child_process(db, customers):
                    blocks = _ChildBlocks(
                        seed=seed,
                        now=epoch,
                        first_ids=first_ids,
                        customers=customers,
                        as_text=db.is_sqlite,
                    )
                else:
                    stamps = _Stamps(as_text=db.is_sqlite)
                    gen = _Launch(seed=seed, now=epoch, first_ids=first_ids, stamps=stamps)
                    blocks = _LocalBlocks(gen, customers)
                try:
                    _pipeline(blocks, writer, customers, progress, threaded=not db.is_sqlite)
                finally:
                    blocks.close()
                tally = blocks.tally()
                if not db.is_sqlite:
                    conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
                for statement in restore:
                    conn.exec_driver_sql(statement)
                if not db.is_sqlite:
                    _bump_sequences(conn)
            # Planner statistics for the new data (sampled; on SQLite bounded per index).
            if raw is not None:
                raw.execute("PRAGMA analysis_limit=1000")
            with conn.begin():
                conn.execute(text("ANALYZE"))
        finally:
            if raw is not None:
                raw.execute("PRAGMA cache_size=-2000")
    report.rows = tally.rows
    report.statuses = tally.statuses
    report.stuck_over_24h = tally.stuck
    report.overtaken = tally.overtaken
    report.duplicate_drafts = tally.duplicates
    report.contradictions = tally.contradictions
    report.elapsed = time.perf_counter() - started
    return report


# --- the embedded default's demo ---------------------------------------------------------------

DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("agent1", "agent", "상담원 김하늘"),
    ("agent2", "agent", "상담원 이서준"),
    ("agent3", "agent", "상담원 박지우"),
    ("lead1", "lead", "운영리드 최민서"),
    ("supervisor1", "supervisor", "수퍼바이저 정하은"),
    ("admin1", "admin", "관리자 강도윤"),
    ("integration1", "integration", "연동계정 업스트림"),
)

DEMO_NOTICES: tuple[tuple[str, str, str], ...] = (
    (
        "delivery_dates",
        "새벽배송 도착일 안내 (공식)",
        "새벽배송 주문은 출고완료 다음 날 오전 7시 이전에 도착합니다. 상품준비중 단계에서는 "
        "도착일을 확정해 드릴 수 없으니 '출고되면 운송장번호와 함께 문자로 안내드린다'고 "
        "답변해 주세요. 접수완료 후 24시간 넘게 진행이 없는 주문은 운영팀이 확인 중이니, "
        "임의로 날짜를 약속하지 말고 콜백을 등록해 주세요.",
    ),
    (
        "activation_hours",
        "개통 가능 시간 안내 (공식)",
        "개통은 매일 09:00–21:00에 처리됩니다 (주말·공휴일 포함). 21시 이후 신청 건은 다음 날 "
        "09시부터 신청 순서대로 처리됩니다. '유심 인식 오류'로 실패한 경우 기기를 재부팅한 뒤 "
        "다시 신청하도록 안내하고, '명의 확인 필요'는 신분증을 지참해 가까운 매장을 방문하도록 "
        "안내해 주세요.",
    ),
)

# The official line for one segment only: the customer screen of a matching customer lists
# it first; other customers' screens do not show it (issue 9).
DEMO_TARGETED_NOTICE = (
    "fold8_received",
    "Z Fold8 접수완료 주문 출고 일정 (해당 고객 전용)",
    "Galaxy Z Fold8 512GB 실버 섀도우는 입고가 늦어 접수완료 주문의 출고가 2–3일 늦어집니다. "
    "주문 취소 없이 기다리면 입고 순서대로 출고되며, 출고되면 운송장번호를 문자로 보내드립니다. "
    "사전예약 사은품은 그대로 지급된다고 안내해 주세요.",
    {"model": "Galaxy Z Fold8 512GB 실버 섀도우", "order_status": "received"},
)

_CAUSE_NOTES = {
    "payment_pending": "결제대기 상태로 멈춰 있다고 문의. 결제 확인 후 회신 요청",
    "stock_shortage": "재고 부족 안내를 받았다고 함. 입고 예정일 확인 후 연락 요청",
    "address_check": "배송지 확인 필요 문자를 받음. 주소 재확인 원함",
    "fraud_check": "본인 확인 절차가 언제 끝나는지 문의. 확인 후 회신 요청",
    None: "접수완료 후 하루 넘게 진행이 없다고 문의. 진행 상황 확인 후 연락 요청",
}
_CALLBACK_ACTORS = ("agent1", "agent2", "agent3", "ivr")


def _demo_callbacks(session: Session, moment: datetime) -> int:
    """About 40 queued callbacks, most about the launch's real trouble spots."""

    def first(query: Any, limit: int) -> list[Any]:
        return list(session.execute(query.limit(limit)).all())

    day_ago = moment - timedelta(days=1)
    wanted: list[tuple[int, str, str]] = []
    for cid, cause in first(
        select(Order.customer_id, Order.cause)
        .where(Order.status == "received", Order.received_at < day_ago)
        .order_by(Order.received_at, Order.id),
        12,
    ):
        wanted.append((cid, "order_status", _CAUSE_NOTES.get(cause, _CAUSE_NOTES[None])))
    for (cid,) in first(
        select(Order.customer_id)
        .where(Order.status == "received", Order.received_at >= day_ago)
        .order_by(Order.received_at, Order.id),
        3,
    ):
        wanted.append((cid, "order_status", "나중에 주문한 지인은 이미 출고됐는데 본인 주문은 "
                       "접수완료라며 순서 문의"))  # fmt: skip
    for (cid,) in first(
        select(Shipment.customer_id)
        .where(Shipment.status == "delivery_failed")
        .order_by(Shipment.id),
        6,
    ):
        wanted.append(
            (cid, "delivery", "배송실패 문자를 받음. 재배송 일정과 경비실 보관 가능 여부 문의")
        )
    for (cid,) in first(
        select(Shipment.customer_id)
        .where(Shipment.status == "in_transit", Shipment.status_at < day_ago)
        .order_by(Shipment.status_at, Shipment.id),
        4,
    ):
        wanted.append(
            (cid, "delivery", "배송중 상태로 하루 넘게 변동이 없다고 문의. 택배사 확인 요청")
        )
    for (cid,) in first(select(Contradiction.customer_id).order_by(Contradiction.id), 2):
        wanted.append((cid, "delivery", "택배는 움직이는데 주문은 접수완료로 보인다고 문의. "
                       "주문 상태 확인 필요"))  # fmt: skip
    for cid, reason in first(
        select(Activation.customer_id, Activation.reason)
        .where(Activation.status == "failed")
        .order_by(Activation.id),
        6,
    ):
        wanted.append(
            (cid, "activation", f"개통실패({reason or '사유 미상'}). 재신청 방법 안내 요청")
        )
    for (cid,) in first(
        select(Activation.customer_id)
        .where(Activation.status == "in_progress")
        .order_by(Activation.id),
        2,
    ):
        wanted.append(
            (cid, "activation", "개통중 상태가 오래 지속된다고 문의. 개통 완료 후 연락 요청")
        )
    for (cid,) in first(
        select(Reservation.customer_id)
        .where(Reservation.status == "reserved")
        .order_by(Reservation.id),
        3,
    ):
        wanted.append((cid, "cancellation", "사전예약 취소 가능 여부와 위약 조건 문의"))
    for (cid,) in first(
        select(Order.customer_id)
        .where(Order.status == "received")
        .order_by(Order.received_at.desc(), Order.id),
        3,
    ):
        wanted.append((cid, "cancellation", "접수완료 주문 취소 요청. 환불 일정 안내 필요"))
    made = 0
    for i, (cid, topic, note) in enumerate(wanted):
        later = timedelta(hours=1 + i % 4) if i % 5 == 4 else timedelta(0)  # "after lunch"
        callbacks.request(
            session,
            customer_id=cid,
            topic=topic,
            actor=_CALLBACK_ACTORS[i % len(_CALLBACK_ACTORS)],
            note=note,
            not_before=moment + later,
        )
        made += 1
    return made


def demo_held_customer(session: Session) -> int | None:
    """The demo's customer another agent is on: the earliest Z Fold8 order still received
    (so the targeted notice applies to them too)."""
    model = DEMO_TARGETED_NOTICE[3]["model"]
    return session.scalar(
        select(Order.customer_id)
        .where(Order.model == model, Order.status == "received")
        .order_by(Order.received_at, Order.id)
        .limit(1)
    )


def _demo_held_callback(session: Session, supervisor: Principal) -> None:
    """agent2 holds a callback for a known customer, so agent1 opening them sees who else
    is on the customer and is warned before acting."""
    customer_id = demo_held_customer(session)
    if customer_id is None:
        return
    callback, _ = callbacks.request(
        session,
        customer_id=customer_id,
        topic="delivery",
        actor="agent2",
        note="Z Fold8 출고일 문의. 입고 확인 후 직접 다시 연락드리기로 함 (이서준)",
    )
    callbacks.reassign(session, callback_ids=[callback.id], to_agent="agent2", principal=supervisor)


DEMO_TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "delay",
        "출고 지연 안내",
        "[Launchdesk] {name}님, 주문 {order_no}({model})의 출고가 지연되고 있습니다. "
        "출고되면 운송장번호와 함께 바로 안내드리겠습니다.",
    ),
    (
        "delay_fix",
        "지연 안내 정정",
        "[Launchdesk] {name}님, 앞서 보내드린 지연 안내를 정정합니다. "
        "주문 {order_no}는 정상 처리 중입니다.",
    ),
)


# Contacts over the last two hours (previous hour, last hour) per reason: delivery calls
# jump (failed deliveries), and a reason a lead added shows up, so the reasons panel has
# something to say on first start.
DEMO_CONTACTS: tuple[tuple[str, int, int, tuple[str, ...]], ...] = (
    ("delivery", 9, 24, ("배송실패 문자를 받았다고 문의", "경비실 보관 요청", "재배송 일정 문의")),
    ("order_status", 21, 17, ("접수완료에서 진행이 없다고 문의", "출고 예정일 문의")),
    ("activation", 12, 10, ("개통실패 재신청 방법 문의", "개통중 상태 지속 문의")),
    ("cancellation", 6, 4, ("접수완료 주문 취소 요청", "사전예약 취소 가능 여부 문의")),
    ("promotion", 5, 2, ("사전예약 사은품 지급 일정 문의",)),
    ("other", 3, 3, ("매장 위치 문의",)),
    ("esim_transfer", 0, 6, ("기존 eSIM을 새 기기로 옮기는 방법 문의",)),
)


def _demo_contacts(session: Session, moment: datetime, lead: Principal) -> int:
    """Contacts logged with reasons over the last two hours, and one reason a lead added."""
    from services import reasons
    from services.models import Note

    reasons.add_reason(
        session, key="esim_transfer", label="eSIM 이동", label_en="eSIM transfer", principal=lead
    )
    rng = random.Random(2026)
    failed = list(
        session.scalars(
            select(Shipment.customer_id)
            .where(Shipment.status.in_(("delivery_failed", "in_transit", "out_for_delivery")))
            .order_by(Shipment.status_at)
            .limit(60)
        )
    )
    waiting = list(
        session.scalars(select(Order.customer_id).where(Order.status == "received").limit(60))
    )
    anyone = list(session.scalars(select(Customer.id).order_by(Customer.id).limit(300)))
    pools = {"delivery": failed, "order_status": waiting, "cancellation": waiting}
    notes = []
    for key, previous, last, bodies in DEMO_CONTACTS:
        pool = pools.get(key) or anyone
        if not pool:
            continue
        for n, (low, high) in [(previous, (61, 119)), (last, (1, 59))]:
            for _ in range(n):
                notes.append(
                    Note(
                        customer_id=rng.choice(pool),
                        author=rng.choice(_CALLBACK_ACTORS[:3]),
                        reason=key,
                        body=rng.choice(bodies),
                        created_at=moment - timedelta(minutes=rng.uniform(low, high)),
                    )
                )
    session.add_all(notes)
    return len(notes)


def demo_passwords() -> dict[str, str]:
    """The demo accounts' passwords (printed by the README; embedded default only)."""
    return {username: f"{username}-demo" for username, _, _ in DEMO_ACCOUNTS}


def seed_demo(
    db: Database, *, customers: int = 3000, seed: int = 2026, now: datetime | None = None
) -> dict[str, str]:
    """The embedded default's first start: a launch, demo accounts, callbacks and notices.

    Returns {username: password} of the demo accounts.
    """
    moment = (now or utcnow()).astimezone(UTC)
    seed_launch(db, customers=customers, seed=seed, now=moment)
    passwords = demo_passwords()
    with db.write() as session:
        users = {
            username: add_user(
                session,
                username=username,
                role=role,
                password=passwords[username],
                display_name=display_name,
                actor="seed",
            )
            for username, role, display_name in DEMO_ACCOUNTS
        }
        _demo_callbacks(session, moment)
        lead = users["lead1"]
        principal = Principal(lead.id, lead.username, lead.role, lead.display_name)
        _demo_contacts(session, moment, principal)
        for topic, title, body in DEMO_NOTICES:
            notices.publish(session, topic=topic, title=title, body=body, principal=principal)
        if demo_held_customer(session) is not None:  # a launch with Z Fold8 orders waiting
            topic, title, body, target = DEMO_TARGETED_NOTICE
            notices.publish(
                session, topic=topic, title=title, body=body, principal=principal, target=target
            )
        boss = users["supervisor1"]
        _demo_held_callback(
            session, Principal(boss.id, boss.username, boss.role, boss.display_name)
        )
        for key, title, body in DEMO_TEMPLATES:
            campaigns.save_template(session, key=key, title=title, body=body, principal=principal)
    return passwords
