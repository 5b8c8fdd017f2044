from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QPushButton, QWidget
from sqlalchemy import insert

from services.identifiers import make_order_no, make_reservation_no
from services.models import Customer, Order, Reservation
from tests.console.conftest import run

MODEL = "Galaxy S26 Ultra 512GB 티타늄 블랙"


def many_stuck_orders(db, count: int) -> None:
    """`count` customers whose orders have waited in received for two to four days."""
    now = datetime.now(UTC)
    customers, reservations, orders = [], [], []
    for i in range(1, count + 1):
        at = now - timedelta(hours=48 + (i % 48))
        customers.append(
            {
                "id": i,
                "ref": f"B{i:08d}",
                "name": f"고객{i}",
                "mobile": f"010{i:08d}",
                "created_at": at,
            }
        )
        reservations.append(
            {
                "id": i,
                "reservation_no": make_reservation_no(i),
                "customer_id": i,
                "model": MODEL,
                "status": "converted",
                "status_at": at,
                "status_key": "",
                "created_at": at,
                "updated_at": at,
            }
        )
        orders.append(
            {
                "id": i,
                "order_no": make_order_no(i),
                "reservation_id": i,
                "customer_id": i,
                "model": MODEL,
                "delivery_method": "dawn",
                "status": "received",
                "status_at": at,
                "status_key": "",
                "created_at": at,
                "received_at": at,
                "updated_at": at,
                "cause": "stock_shortage" if i % 3 == 0 else None,
            }
        )
    with db.write() as s:
        for table, rows in ((Customer, customers), (Reservation, reservations), (Order, orders)):
            for start in range(0, len(rows), 10_000):
                s.execute(insert(table), rows[start : start + 10_000])


def test_triage_of_100000_stuck_orders_loads_lazily_and_scrolls(make_desk, db, qtbot) -> None:
    many_stuck_orders(db, 100_000)
    began = time.monotonic()
    desk = make_desk(role="lead")
    triage = desk.triage
    assert triage is not None
    qtbot.waitUntil(lambda: triage.model.total == 100_000, timeout=30_000)
    first_page = time.monotonic() - began
    assert len(triage.model.rows) == 200  # one page, not 100,000 rows
    assert "100,000" in triage.summary.text()
    desk.workspaces.setCurrentWidget(triage)
    bar = triage.table.verticalScrollBar()
    for _ in range(5):
        loaded = len(triage.model.rows)
        # The view lays out newly loaded rows after the model grew; scrolling before it
        # has would set the bar to the old bottom, where it already is, and ask for nothing.
        qtbot.waitUntil(lambda: bar.maximum() > bar.value(), timeout=10_000)
        bar.setValue(bar.maximum())
        qtbot.waitUntil(lambda n=loaded: len(triage.model.rows) > n, timeout=10_000)
    assert 200 < len(triage.model.rows) <= 1400
    # the table paints rows; it does not build a widget per row
    assert len(triage.findChildren(QWidget)) < 400
    print(f"first page with counts shown after {first_page * 1000:.0f} ms")


def test_triage_filters_bulk_cause_and_csv(make_desk, db, qtbot, tmp_path) -> None:
    many_stuck_orders(db, 30)
    desk = make_desk(role="lead")
    triage = desk.triage
    qtbot.waitUntil(lambda: triage.model.total == 30, timeout=10_000)
    triage.cause.setCurrentIndex(triage.cause.findData("stock_shortage"))
    triage.apply_filter()
    qtbot.waitUntil(lambda: triage.model.total == 10, timeout=10_000)
    triage.cause.setCurrentIndex(0)
    # ages are 49..78 h: "older than 60 h" keeps the 19 of 60 h and more
    triage.min_age.setValue(60)
    triage.apply_filter()
    qtbot.waitUntil(lambda: triage.model.total == 19, timeout=10_000)
    qtbot.waitUntil(lambda: len(triage.model.rows) == 19, timeout=10_000)
    assert all(r["age_hours"] >= 60 for r in triage.model.rows)
    triage.min_age.setValue(0)
    triage.apply_filter()
    qtbot.waitUntil(
        lambda: triage.model.total == 30 and len(triage.model.rows) == 30, timeout=10_000
    )
    triage.table.selectRow(0)
    number = triage.selected_order_nos()[0]
    triage.set_cause.setCurrentIndex(triage.set_cause.findData("address_check"))
    run(qtbot, triage.apply_cause())
    qtbot.waitUntil(
        lambda: any(
            r["order_no"] == number and r["cause"] == "address_check" for r in triage.model.rows
        ),
        timeout=10_000,
    )
    path = tmp_path / "stuck.csv"
    run(qtbot, triage.export_csv(str(path)))
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 31 and lines[0].startswith("order_no,")
    assert triage.aging_counts and sum(triage.aging_counts) == 30


def test_another_leads_change_offers_a_reload_without_reordering_the_list(
    api, make_desk, db, qtbot
) -> None:
    many_stuck_orders(db, 12)
    desk = make_desk(role="lead")
    triage = desk.triage
    qtbot.waitUntil(lambda: len(triage.model.rows) == 12, timeout=10_000)
    assert not triage.changed_bar.isVisibleTo(triage)
    before = [r["order_no"] for r in triage.model.rows]
    triage._loaded_at -= 60  # loaded a minute ago: what follows is not the lead's own action
    other = api.as_role("lead")
    resp = other.post(
        "/orders/triage", json={"order_nos": [make_order_no(5)], "cause": "fraud_check"}
    )
    assert resp.status_code == 200, resp.text
    qtbot.waitUntil(lambda: triage.changed_bar.isVisibleTo(triage), timeout=5_000)
    assert [r["order_no"] for r in triage.model.rows] == before  # nothing moved under the lead
    triage.findChild(QPushButton, "triage-reload").click()
    qtbot.waitUntil(
        lambda: any(
            r["order_no"] == make_order_no(5) and r["cause"] == "fraud_check"
            for r in triage.model.rows
        ),
        timeout=10_000,
    )
    assert not triage.changed_bar.isVisibleTo(triage)


def test_agent_sees_no_triage_workspace(make_desk) -> None:
    desk = make_desk(role="agent")
    assert desk.triage is None and desk.workspaces.count() == 1
