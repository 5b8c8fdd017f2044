"""The next expected step's date: from similar orders, honest about those still waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.expected import SAMPLE, Cohort
from services.timeutil import parse_iso_with_offset as parse_iso
from tests.support.launch import customer_id_for, customer_journey, ingest

OTHER_MODEL = "Galaxy Z Fold8 512GB 실버 섀도우"
H = 3600.0


def cohort(*cases: tuple[float, bool]) -> Cohort:
    return Cohort.of(list(cases))


def test_the_median_counts_the_cases_still_waiting() -> None:
    # all known: the middle case (Kaplan–Meier takes the lower of two middles)
    assert cohort((1, True), (2, True), (3, True), (4, True), (5, True)).median() == 3
    assert cohort((1, True), (2, True), (3, True), (4, True)).median() == 2
    # two fast ones and four still waiting after 10: no median is known yet, where leaving
    # the waiting out would have said 1.5
    assert cohort((1, True), (2, True), *[(10, False)] * 4).median() is None
    # one waiting since 2.5 leaves the race at 3 of 5: the median is the third step
    assert cohort((1, True), (2, True), (2.5, False), (3, True), (4, True)).median() == 3
    # too few cases: no figure at all
    assert cohort((1, True), (2, True)).median() is None


def test_an_overdue_case_gets_the_median_of_those_that_waited_as_long() -> None:
    c = cohort((1, True), (1, True), (1, True), (5, False), (8, True), (9, True))
    assert c.median() == 1
    # of the three still waiting at 5, half had moved on by 8
    assert c.median(waited=5) == 8
    # nobody waited past 9
    assert c.median(waited=10) is None


def _order_at(
    serial: int, received: datetime, gap: timedelta, statuses: list[str], model: str | None = None
) -> list[dict[str, Any]]:
    """A customer whose order was received at `received` and moved `gap` apart after it."""
    return customer_journey(
        serial,
        start=received - 2 * gap,
        order=statuses,
        step=gap,
        **({"model": model} if model else {}),
    )


def _shipped_after(hour: datetime, gaps: list[int]) -> list[dict[str, Any]]:
    """Customers 1, 2, ... received a minute apart from `hour`, each order shipped `gap`
    hours after it was preparing (and preparing as long after receipt)."""
    events: list[dict[str, Any]] = []
    for i, hours in enumerate(gaps, start=1):
        events += _order_at(
            i,
            hour + timedelta(minutes=i),
            timedelta(hours=hours),
            ["received", "preparing", "shipped"],
        )
    return events


def _next(api: Any, db: Any, serial: int) -> dict[str, Any]:
    agent = api.as_role("agent")
    resp = agent.get(f"/customers/{customer_id_for(db, serial)}")
    assert resp.status_code == 200, resp.text
    return resp.json()["orders"][0]["next"]


def _hour(ago: timedelta) -> datetime:
    return (datetime.now(UTC) - ago).replace(minute=0, second=0, microsecond=0)


def test_the_screen_gives_the_median_of_similar_orders_with_its_basis(api, db) -> None:
    hour = _hour(timedelta(hours=21))
    # five similar orders went from preparing to shipped in 1 to 5 hours
    events = _shipped_after(hour, [1, 2, 3, 4, 5])
    # another model's orders of the same hour are not similar
    for i in range(6, 10):
        events += _order_at(
            i,
            hour + timedelta(minutes=i),
            timedelta(minutes=5),
            ["received", "preparing", "shipped"],
            model=OTHER_MODEL,
        )
    # the caller's order: received in that hour, preparing for ten minutes now
    received = hour + timedelta(minutes=30)
    entered = datetime.now(UTC) - timedelta(minutes=10)
    events += _order_at(20, received, entered - received, ["received", "preparing"])
    ingest(db, events)
    nxt = _next(api, db, 20)
    assert nxt["next_status"] == "shipped"
    # six cases (the caller's own, waiting ten minutes, among them): the third step, 3 h
    assert nxt["cohort_size"] == 6 and nxt["cohort_reached"] == 5
    expected = parse_iso(nxt["expected_at"])
    assert abs((expected - entered).total_seconds() - 3 * H) < 5
    assert "median of 6 similar orders" in nxt["basis"] and "3.0 h" in nxt["basis"]
    assert "중앙값" in nxt["basis_ko"] and "3.0시간" in nxt["basis_ko"]


def test_no_date_while_fewer_than_half_of_similar_orders_have_moved_on(api, db) -> None:
    hour = _hour(timedelta(hours=13))
    events = []
    # two moved on within the hour; four have been preparing for ten hours and more
    for i in (1, 2):
        events += _order_at(
            i,
            hour + timedelta(minutes=i),
            timedelta(minutes=20),
            ["received", "preparing", "shipped"],
        )
    for i in (3, 4, 5, 6):
        events += _order_at(
            i, hour + timedelta(minutes=i), timedelta(minutes=30), ["received", "preparing"]
        )
    ingest(db, events)
    nxt = _next(api, db, 6)
    # the two fast ones alone would have promised shipping 20 minutes after preparing
    assert nxt["expected_at"] is None
    assert nxt["cohort_size"] == 6 and nxt["cohort_reached"] == 2
    assert "only 2 of 6 similar orders" in nxt["basis"]
    assert "절반이 안 되어" in nxt["basis_ko"]


def test_an_overdue_order_gets_the_date_orders_as_late_reached(api, db) -> None:
    hour = _hour(timedelta(hours=21))
    events = _shipped_after(hour, [1, 1, 1, 8, 9])
    received = hour + timedelta(minutes=10)
    entered = datetime.now(UTC) - timedelta(hours=5)
    events += _order_at(20, received, entered - received, ["received", "preparing"])
    ingest(db, events)
    nxt = _next(api, db, 20)
    # the median is 1 h, four hours gone; of the three that waited 5 h, half shipped by 8 h
    expected = parse_iso(nxt["expected_at"])
    assert abs((expected - entered).total_seconds() - 8 * H) < 5
    assert "has waited 5.0 h" in nxt["basis"] and "within 8.0 h" in nxt["basis"]
    assert "시간째" in nxt["basis_ko"]


def test_too_few_similar_orders_give_no_date(api, db) -> None:
    hour = _hour(timedelta(hours=5))
    events = _order_at(1, hour, timedelta(minutes=10), ["received", "preparing", "shipped"])
    events += _order_at(2, hour + timedelta(minutes=1), timedelta(minutes=10), ["received"])
    ingest(db, events)
    nxt = _next(api, db, 2)
    assert nxt["next_status"] == "preparing" and nxt["expected_at"] is None
    assert nxt["basis"].startswith("fewer than 3 similar orders")


def test_the_sample_is_the_cohorts_first_orders_by_receipt(api, db) -> None:
    hour = _hour(timedelta(hours=23))
    events = []
    # the hour's first SAMPLE orders took 1 h; the later ones took far longer
    for i in range(1, SAMPLE + 11):
        gap = timedelta(hours=1 if i <= SAMPLE else 9)
        events += _order_at(
            i, hour + timedelta(seconds=40 * i), gap, ["received", "preparing", "shipped"]
        )
    received = hour + timedelta(minutes=59)
    entered = datetime.now(UTC) - timedelta(minutes=1)
    events += _order_at(100, received, entered - received, ["received", "preparing"])
    ingest(db, events)
    first, again = _next(api, db, 100), _next(api, db, 100)
    assert first == again
    assert first["cohort_size"] == SAMPLE and first["cohort_reached"] == SAMPLE
    assert abs((parse_iso(first["expected_at"]) - entered).total_seconds() - H) < 5
