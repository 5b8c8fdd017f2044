"""The launch simulator: plays a launch day by posting upstream events over HTTP.

:class:`LaunchSimulator` keeps an in-memory model of the customers it created (each a
journey: reservation, order, warehouse, courier, activation, with the launch's usual
trouble) and hands out their events in time order, in exactly the ingest contract's
format, with the odd duplicate and the odd out-of-order pair that real upstream systems
produce. :func:`run` posts them to a backend at a steady rate.

Time. The simulator has its own clock that starts at ``now()`` and advances by
``1 / rate`` per event, so when :func:`run` posts ``rate`` events a second the upstream
times track the wall clock and never lie in the future. A journey's steps take their
realistic durations divided by ``speedup`` (a launch hour in a minute by default), so
statuses visibly move. Events are due at their planned times; when none is due, the
clock's tick goes to a new customer (while fewer are under way than the rate needs) or
brings the next planned step forward; when more are due than the rate allows, they go
out a little late with their planned times, as late upstream reports do.

Numbers. Customer serials start at ``start_serial`` (by default spread by the time) in
the simulator's range of reservation serials (5,000,000 and up; seeded customers are
below). Event ids are ``sim-{run}-{serial}-{step}`` with ``run`` from the start time, so
they are unique per source, and a run that meets another run's customer numbers sees
``history_only`` for its reservation.created; :func:`run` then abandons those customers
and moves on to another range (:meth:`LaunchSimulator.abandon`).

This module talks HTTP with ``requests`` only; it imports nothing from the web layer.
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import requests

from services.identifiers import make_order_no, make_reservation_no
from services.seed import (
    ACTIVATION_FAILURES,
    CAUSE_PICK,
    COURIER_PICK,
    COURIERS,
    HOUR,
    METHOD_PICK,
    MINUTE,
    MODEL_PICK,
    MODELS,
    SIMULATOR_DUPLICATE_ORDER_SERIAL,
    SIMULATOR_FIRST_SERIAL,
    backlog_hours,
    korean_name,
    mobile_for,
    next_dawn,
    tracking_for,
)

SEOUL_OFFSET = timezone(timedelta(hours=9))
SERIAL_SPACE = 10_000_000 - SIMULATOR_FIRST_SERIAL  # reservation serials are 7 digits
DUPLICATE_SHARE = 0.005  # of events, sent a second time a little later
SWAP_SHARE = 0.005  # of events, sent just after the customer's next event
# Measured over 20,000 journeys of this module: events per customer and the mean time
# from reservation to a journey's last event, in launch seconds (before speedup).
EVENTS_PER_CUSTOMER = 11.4
JOURNEY_SECONDS = 31.0 * HOUR
MAX_BATCH = 1000

Planned = tuple[float, str, str, dict[str, Any]]  # (due, source, type, fields)


def default_start_serial(clock: Callable[[], int] = time.time_ns) -> int:
    """A start serial spread over the simulator's range by the current time.

    Two runs against one database rarely overlap; when they do, :func:`run` sees it
    (reservation.created answered history_only) and moves on to another range.
    """
    mixed = (clock() // 1000 * 0x9E3779B97F4A7C15) >> 16
    return SIMULATOR_FIRST_SERIAL + mixed % SERIAL_SPACE


def _wrap(serial: int) -> int:
    return SIMULATOR_FIRST_SERIAL + (serial - SIMULATOR_FIRST_SERIAL) % SERIAL_SPACE


def serial_of(event: dict[str, Any]) -> int | None:
    """The customer serial of a simulator's reservation.created event."""
    number = event.get("reservation_no")
    return int(number[:7]) if isinstance(number, str) and number[:7].isdigit() else None


def _mobile_as_typed(mobile: str, u: float) -> str:
    """Upstream systems send numbers as their users typed them; ingest normalizes."""
    if u < 0.6:
        return f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    if u < 0.9:
        return mobile
    return f"+82 {mobile[1:3]}-{mobile[3:7]}-{mobile[7:]}"


def _stamp(t: float, source: str) -> str:
    """ISO 8601 with offset: Seoul time, except the activation system, which speaks UTC."""
    if source == "activation_system":
        return (
            datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        )
    return datetime.fromtimestamp(t, SEOUL_OFFSET).isoformat(timespec="milliseconds")


class LaunchSimulator:
    """The upstream systems of a launch, as a deterministic stream of events."""

    def __init__(
        self,
        *,
        seed: int = 7,
        start_serial: int | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        rate: float = 20.0,
        speedup: float | None = None,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be a positive number of events a second; got {rate}")
        if start_serial is None:
            start_serial = default_start_serial()
        if not SIMULATOR_FIRST_SERIAL <= start_serial < 10_000_000:
            raise ValueError(
                f"start_serial must be {SIMULATOR_FIRST_SERIAL:,}..9,999,999 (below are "
                f"seeded customers); got {start_serial}"
            )
        self.seed = seed
        self.rate = float(rate)
        self.speedup = float(speedup) if speedup else max(60.0, self.rate / 5)
        self.start_serial = start_serial
        self.now = now
        self._rng = random.Random(f"launchdesk-simulator:{seed}:{start_serial}")
        self._clock = now().timestamp()
        self._launch_start = self._clock
        self._heap: list[tuple[float, int, int, Planned, Iterator[Planned]]] = []
        self._next_serial = start_serial
        self._abandoned: set[int] = set()
        self.run_tag = f"{int(self._clock) % 16**6:06x}"  # a label for this run's events
        self._order = 0  # tie-breaker for the heap
        self._created = 0
        self._under_way = 0
        self._resend: list[tuple[int, int, dict[str, Any]]] = []  # (due index, order, event)
        self._emitted = 0
        # customers under way that keep the stream at `rate` when none is late or early
        self.target_customers = max(
            1, round(self.rate / EVENTS_PER_CUSTOMER * JOURNEY_SECONDS / self.speedup)
        )
        self.sent: Counter[str] = Counter()  # events handed out, by type

    @property
    def next_serial(self) -> int:
        return self._next_serial

    def abandon(self, serials: set[int]) -> None:
        """Give up customers whose numbers turned out to be taken (another run), and take
        new customers from a range further on."""
        fresh = serials - self._abandoned
        if not fresh:
            return
        self._abandoned |= fresh
        self._next_serial = _wrap(max(self._next_serial, *fresh) + 100_003)

    @property
    def customers_created(self) -> int:
        return self._created

    @property
    def customers_under_way(self) -> int:
        return self._under_way

    def catch_up(self) -> None:
        """Move the clock to the wall clock if it fell behind (after the backend was down),
        so events keep carrying times near now; never moves it back."""
        self._clock = max(self._clock, self.now().timestamp())

    def next_events(self, count: int) -> list[dict[str, Any]]:
        """The next `count` events of the launch, in time order, bar the deliberate
        duplicates (an event sent again a few events later) and out-of-order pairs (a
        customer's next event sent just before the one it follows)."""
        out: list[dict[str, Any]] = []
        rng = self._rng
        step = 1.0 / self.rate
        while len(out) < count:
            if self._resend and self._resend[0][0] <= self._emitted:
                out.append(heapq.heappop(self._resend)[2])
                self._emitted += 1
                continue
            self._clock += step
            tick = self._clock
            if not self._heap or (
                self._heap[0][0] > tick and self._under_way < self.target_customers
            ):
                self._start_customer(tick)
            due, _, serial, planned, journey = heapq.heappop(self._heap)
            if serial in self._abandoned:
                self._under_way -= 1
                self._clock -= step  # the tick was not used
                continue
            following = next(journey, None)
            if following is not None and rng.random() < SWAP_SHARE:
                # an out-of-order pair: the customer's next step arrives first, then this one
                event = self._event(following, tick)
                self._later(self._emitted + 1, self._event(planned, min(due, tick) - step / 2))
                following = next(journey, None)
            else:
                event = self._event(planned, min(due, tick))
            if following is None:
                self._under_way -= 1
            else:
                self._push(serial, following, journey)
            if rng.random() < DUPLICATE_SHARE:  # sent again a little later
                self._later(self._emitted + 1 + int(rng.random() * 40), dict(event))
            out.append(event)
            self._emitted += 1
        return out

    def _later(self, index: int, event: dict[str, Any]) -> None:
        heapq.heappush(self._resend, (index, self._order, event))
        self._order += 1

    # --- the model ------------------------------------------------------------------------

    def _push(self, serial: int, planned: Planned, journey: Iterator[Planned]) -> None:
        heapq.heappush(self._heap, (planned[0], self._order, serial, planned, journey))
        self._order += 1

    def _start_customer(self, at: float) -> None:
        serial = self._next_serial
        self._next_serial = _wrap(serial + 1)
        self._created += 1
        self._under_way += 1
        journey = self._journey(serial, at)
        self._push(serial, next(journey), journey)

    def _event(self, planned: Planned, at: float) -> dict[str, Any]:
        _, source, etype, fields = planned
        self.sent[etype] += 1
        return {
            "source": source,
            "event_id": fields.pop("_id"),
            "occurred_at": _stamp(at, source),
            "type": etype,
            **fields,
        }

    def _journey(self, serial: int, t: float) -> Iterator[Planned]:
        """One customer from reservation to activation, planned step by step."""
        rng = random.Random(f"launchdesk-simulator:{self.seed}:customer:{serial}")
        rand = rng.random
        speed = self.speedup
        tag = self.run_tag
        steps = iter(range(1, 100))

        def ev(source: str, etype: str, **fields: Any) -> Planned:
            fields["_id"] = f"sim-{tag}-{serial}-{next(steps):02d}"
            return (t, source, etype, fields)

        def later(seconds: float) -> float:
            return t + max(seconds, 1.0) / speed

        reservation_no = make_reservation_no(serial)
        model_ix = MODEL_PICK(rand())
        model = MODELS[model_ix][0]
        mobile = mobile_for(serial)
        customer = {
            "ref": f"C{serial:08d}",
            "name": korean_name(rng),
            "mobile": _mobile_as_typed(mobile, rand()),
        }
        yield ev(
            "reservation_site",
            "reservation.created",
            reservation_no=reservation_no,
            model=model,
            customer=customer,
        )
        u = rand()
        if u >= 0.82:
            if u < 0.88:
                t = later(10 * MINUTE + rand() * 30 * HOUR)
                yield ev("reservation_site", "reservation.status", reservation_no=reservation_no,
                         status="cancelled")  # fmt: skip
            elif u < 0.92:
                t = later(48 * HOUR)
                yield ev("reservation_site", "reservation.status", reservation_no=reservation_no,
                         status="expired")  # fmt: skip
            return
        t = later(rng.lognormvariate(7.8, 1.0))  # median ~40 min
        yield ev("reservation_site", "reservation.status", reservation_no=reservation_no,
                 status="converted")  # fmt: skip

        # --- the order ---
        order_no = make_order_no(serial)
        method = METHOD_PICK(rand())
        via_draft = rand() < 0.7
        t = later(5 + rand() * 55)
        yield ev("order_system", "order.created", order_no=order_no, reservation_no=reservation_no,
                 model=model, delivery_method=method,
                 status="draft" if via_draft else "received")  # fmt: skip
        if rand() < 0.02:  # pressed "order" twice: a second draft on the same reservation
            t = later(30 + rand() * 20 * MINUTE)
            yield ev("order_system", "order.created",
                     order_no=make_order_no(SIMULATOR_DUPLICATE_ORDER_SERIAL + serial),
                     reservation_no=reservation_no, model=model, delivery_method=method,
                     status="draft")  # fmt: skip
        u = rand()
        if via_draft and u < 0.025:
            return  # left in the cart
        if via_draft and u < 0.04:
            t = later(HOUR + rand() * 20 * HOUR)
            yield ev("order_system", "order.status", order_no=order_no, status="cancelled")
            return
        v = rand()
        blocked = 0.02 <= v < 0.075
        if via_draft:
            t = later(60 + rand() * 14 * MINUTE)
            fields: dict[str, Any] = {"order_no": order_no, "status": "received"}
            if blocked and rand() < 0.75:
                fields["cause"] = CAUSE_PICK(rand())
            yield ev("order_system", "order.status", **fields)
        if v < 0.02:  # the customer cancelled
            t = later(HOUR + rand() * 30 * HOUR)
            yield ev("order_system", "order.status", order_no=order_no, status="cancelled")
            return
        if blocked:
            return  # stays received: stuck once it is old, overtaken by later orders
        launch_hours = max(0.0, t - self._launch_start) * speed / HOUR
        wait = backlog_hours(model_ix, launch_hours) * HOUR + rng.gauss(0, 12 * MINUTE)
        t = later(max(0.2 * HOUR, wait))
        yield ev("order_system", "order.status", order_no=order_no, status="preparing")

        # --- the courier ---
        courier_ix = COURIER_PICK(rand())
        courier = COURIERS[courier_ix][0]
        tracking = tracking_for(courier_ix, serial)
        to_ship = rng.lognormvariate(9.3, 0.35)  # median ~3 h
        t = later(to_ship * (0.5 + rand() * 0.3))
        yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                 courier=courier, status="label_created")  # fmt: skip
        t = later(to_ship * 0.2)
        yield ev("order_system", "order.status", order_no=order_no, status="shipped")
        t = later(5 * MINUTE + rand() * 25 * MINUTE)
        yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                 courier=courier, status="picked_up")  # fmt: skip
        t = later(HOUR + rand() * 3 * HOUR)
        yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                 courier=courier, status="in_transit")  # fmt: skip
        u = rand()
        stay = 40 * HOUR + rand() * 20 * HOUR if u < 0.02 else 30 * MINUTE  # delayed
        if method == "dawn":  # out at night, at the door before the morning (launch time)
            launch_now = self._launch_start + (t - self._launch_start) * speed
            arrive = next_dawn(launch_now + stay + 2 * HOUR) + rng.gauss(0, 50 * MINUTE)
            to_ofd = max(arrive - launch_now - HOUR - rand() * 2 * HOUR, stay)
        elif method == "standard":
            to_ofd = stay + rng.lognormvariate(10.9, 0.25)  # median ~15 h
        else:  # store pickup
            to_ofd = stay + 8 * HOUR + rand() * 6 * HOUR
        t = later(to_ofd)
        yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                 courier=courier, status="out_for_delivery")  # fmt: skip
        if 0.02 <= u < 0.054:  # nobody home
            t = later(HOUR + rand() * 3 * HOUR)
            yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                     courier=courier, status="delivery_failed")  # fmt: skip
            if u >= 0.05:  # a very few go back to the sender
                t = later(24 * HOUR + rand() * 24 * HOUR)
                yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                         courier=courier, status="returned")  # fmt: skip
                return
            t = later(16 * HOUR + rand() * 8 * HOUR)
            yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                     courier=courier, status="out_for_delivery")  # fmt: skip
        t = later(HOUR + rand() * 4 * HOUR)
        yield ev("courier", "shipment.status", order_no=order_no, tracking_no=tracking,
                 courier=courier, status="delivered")  # fmt: skip
        t = later(2 * MINUTE + rand() * 28 * MINUTE)
        yield ev("order_system", "order.status", order_no=order_no, status="delivered")

        # --- the line ---
        if rand() < 0.10:
            return  # not requested (yet)
        t = later(rng.lognormvariate(9.1, 0.8))  # median ~2.5 h after delivery
        yield ev("activation_system", "activation.status", order_no=order_no, status="requested")
        for attempt in range(2):
            t = later(2 * MINUTE + rand() * 18 * MINUTE)
            yield ev("activation_system", "activation.status", order_no=order_no,
                     status="in_progress")  # fmt: skip
            t = later(5 * MINUTE + rand() * 55 * MINUTE)
            if attempt == 1 or rand() >= 0.08:
                yield ev("activation_system", "activation.status", order_no=order_no,
                         status="completed")  # fmt: skip
                return
            reason = ACTIVATION_FAILURES[int(rand() * len(ACTIVATION_FAILURES))]
            yield ev("activation_system", "activation.status", order_no=order_no,
                     status="failed", reason=reason)  # fmt: skip
            if rand() < 0.5:
                return  # not asked again (yet)
            t = later(HOUR + rand() * 5 * HOUR)
            yield ev("activation_system", "activation.status", order_no=order_no,
                     status="requested")  # fmt: skip


# --- posting ---------------------------------------------------------------------------------


class SimulateError(RuntimeError):
    """A failure retrying cannot fix: wrong credentials, a refused batch."""


class _Busy(Exception):
    """The backend answered, but asks to come back later."""


_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_TIMEOUT = (5.0, 60.0)  # connect, read


class _Client:
    """One backend, one requests.Session, a token renewed when it lapses."""

    def __init__(
        self,
        backend: str,
        username: str,
        password: str,
        stop: threading.Event,
        log: Callable[[str], None],
    ) -> None:
        self.base = backend.rstrip("/")
        self.username = username
        self.password = password
        self.stop = stop
        self.log = log
        self.http = requests.Session()
        self.token: str | None = None
        self.deadline: float | None = None  # time.monotonic() after which retrying stops

    def _backoff(self, delay: float, why: str) -> float:
        self.log(f"simulate: {why}; retrying in {delay:.1f} s")
        if self.deadline is not None:
            delay = max(0.0, min(delay, self.deadline - time.monotonic()))
        self.stop.wait(delay)
        return min(max(delay, 0.25) * 2, 30.0)

    def _give_up(self) -> bool:
        return self.stop.is_set() or (
            self.deadline is not None and time.monotonic() >= self.deadline
        )

    def _login(self) -> None:
        response = self.http.post(
            f"{self.base}/api/v1/auth/login",
            json={"username": self.username, "password": self.password},
            timeout=_TIMEOUT,
        )
        if response.status_code in _RETRY_STATUSES:
            raise _Busy(f"login answered {response.status_code}")
        if response.status_code != 200:
            raise SimulateError(
                f"login as {self.username!r} failed: {response.status_code} {response.text[:300]}"
            )
        self.token = response.json()["token"]

    def post_events(self, events: list[dict[str, Any]]) -> dict[str, Any] | None:
        """Post one batch until it is taken; None when stopped (or past the deadline) first."""
        delay = 0.5
        while not self._give_up():
            try:
                if self.token is None:
                    self._login()
                response = self.http.post(
                    f"{self.base}/api/v1/ingest/events",
                    json={"events": events},
                    headers={"Authorization": f"Bearer {self.token}"},
                    timeout=_TIMEOUT,
                )
            except requests.RequestException as exc:
                delay = self._backoff(delay, f"backend unreachable ({type(exc).__name__})")
                continue
            except _Busy as exc:
                delay = self._backoff(delay, str(exc))
                continue
            if response.status_code == 401:
                self.token = None  # expired or revoked: log in again
                delay = self._backoff(delay, "token refused")
                continue
            if response.status_code in _RETRY_STATUSES:
                delay = self._backoff(delay, f"backend answered {response.status_code}")
                continue
            if response.status_code != 200:
                raise SimulateError(
                    f"the backend refused a batch of {len(events)} events: "
                    f"{response.status_code} {response.text[:300]}"
                )
            body: dict[str, Any] = response.json()
            return body
        return None

    def close(self) -> None:
        self.http.close()


def _summary(body: dict[str, Any]) -> tuple[Counter[str], str | None]:
    results = body.get("results") or []
    counts: Counter[str] = Counter(body.get("counts") or {})
    if not counts:
        counts.update(r.get("result", "?") for r in results)
    first_error = next((r.get("error") for r in results if r.get("result") == "rejected"), None)
    return counts, first_error


def run(
    backend: str,
    *,
    rate: float,
    username: str,
    password: str,
    duration: float | None = None,
    batch: int = 200,
    seed: int = 7,
    stop: threading.Event | None = None,
    log: Callable[[str], None] = print,
) -> int:
    """Post about `rate` events a second to `backend` until `stop` is set or `duration`
    seconds have passed; returns the number of events the backend took.

    Batches go out about once a second (more often when `rate` exceeds `batch`), and a
    batch the backend did not take (down, restarting, overloaded) is retried with
    backoff: ingest is idempotent, so a batch that did land counts its events as
    duplicates the second time.
    """
    if not rate > 0:
        raise ValueError(f"rate must be a positive number of events a second; got {rate}")
    stop = stop or threading.Event()
    size = max(1, min(batch, MAX_BATCH, int(rate)))
    interval = size / rate
    simulator = LaunchSimulator(seed=seed, rate=rate)
    client = _Client(backend, username, password, stop, log)
    client.deadline = None if duration is None else time.monotonic() + duration
    log(
        f"simulate: posting about {rate:g} events/s to {client.base} in batches of {size} "
        f"(customers from serial {simulator.start_serial:,}, launch time x{simulator.speedup:g})"
    )
    started = time.monotonic()
    deadline = None if duration is None else started + duration
    next_at = started
    posted = 0
    try:
        while not stop.is_set():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            if next_at > now:
                wait = next_at - now if deadline is None else min(next_at, deadline) - now
                stop.wait(wait)
                continue
            if now - next_at > 10 * interval + 5:
                # fell behind (the backend was away): carry on at the rate, no burst
                next_at = now
                simulator.catch_up()
            events = simulator.next_events(size)
            body = client.post_events(events)
            if body is None:
                break
            posted += len(events)
            next_at += interval
            taken = {
                serial
                for event, result in zip(events, body.get("results") or [], strict=False)
                if event["type"] == "reservation.created"
                and result.get("result") == "history_only"
                and (serial := serial_of(event)) is not None
            }
            if taken:
                simulator.abandon(taken)
                log(
                    f"simulate: {len(taken)} customer numbers were already in use (another "
                    f"run?); new customers from serial {simulator.next_serial:,}"
                )
            counts, first_error = _summary(body)
            parts = ", ".join(f"{name} {n}" for name, n in sorted(counts.items()))
            line = f"simulate: {len(events)} events ({posted:,} in all): {parts}"
            if first_error:
                line += f"; first rejected: {first_error}"
            log(line)
    finally:
        client.close()
    return posted
