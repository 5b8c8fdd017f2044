"""Issue 9 parts 3 and 4 in the console: an open callback shows its customer's stuck order
live, the lead messages the customers waiting for a callback, contacts are logged with a
reason, and leads and supervisors watch the reasons live."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from services import callbacks
from services.identifiers import make_order_no
from tests.console.conftest import run
from tests.support.launch import customer_id_for, customer_journey, ingest
from tests.support.people import make_customers


def waiting_customer(db, serial: int, hours: float) -> int:
    received = datetime.now(UTC) - timedelta(hours=hours)
    ingest(
        db,
        customer_journey(serial, start=received - timedelta(seconds=2), step=timedelta(seconds=1)),
    )
    return customer_id_for(db, serial)


def cell(model, row: int, title: str) -> str:
    column = [c[0] for c in model.columns].index(title)
    return str(model.data(model.index(row, column)))


def test_a_cause_set_by_a_lead_shows_in_the_agents_open_callback_within_two_seconds(
    make_desk, api, db, qtbot
) -> None:
    cid = waiting_customer(db, 7, 40)
    with db.write() as s:
        callbacks.request(s, customer_id=cid, topic="order_status", actor="t")
    desk = make_desk()
    qtbot.mouseClick(desk.take_next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            len(desk.mine_model.rows) == 1
            and desk.customer.customer_id == cid
            and len(desk.customer.callbacks_model.rows) == 1
        ),
        timeout=5000,
    )
    stuck = desk.mine_model.rows[0]["stuck"]
    assert stuck["cause"] == "unknown" and stuck["order_no"] == make_order_no(7)
    assert cell(desk.mine_model, 0, "Stuck order") == "40 h in received · Unknown"
    qtbot.wait(300)  # the desk follows the feed

    lead = api.as_role("lead")
    began = time.monotonic()
    resp = lead.post(
        "/orders/triage", json={"order_nos": [make_order_no(7)], "cause": "stock_shortage"}
    )
    assert resp.status_code == 200, resp.text

    def shown(model) -> bool:
        return bool(model.rows) and "Stock shortage" in cell(model, 0, "Stuck order")

    qtbot.waitUntil(lambda: shown(desk.mine_model), timeout=2000)
    qtbot.waitUntil(lambda: shown(desk.customer.callbacks_model), timeout=2000)
    assert time.monotonic() - began < 2.0

    # the order leaves received upstream: the callback stops showing it, again unasked
    began = time.monotonic()
    ingest(
        db,
        [
            {
                "source": "order_system",
                "event_id": "loop-console-7",
                "occurred_at": datetime.now(UTC).isoformat(),
                "type": "order.status",
                "order_no": make_order_no(7),
                "status": "preparing",
            }
        ],
    )
    qtbot.waitUntil(
        lambda: desk.mine_model.rows and desk.mine_model.rows[0]["stuck"] is None, timeout=2000
    )
    assert time.monotonic() - began < 2.0
    assert cell(desk.mine_model, 0, "Stuck order") == ""


def test_board_lists_the_queue_by_rank_with_the_waiting_bonus(make_desk, db, qtbot) -> None:
    stuck = waiting_customer(db, 8, 50)
    plain = make_customers(db, 1, first_serial=808)[0]
    with db.write() as s:
        callbacks.request(
            s,
            customer_id=plain,
            topic="delivery",
            actor="t",
            not_before=datetime.now(UTC) - timedelta(hours=1),
        )
        callbacks.request(s, customer_id=stuck, topic="delivery", actor="t")
    desk = make_desk(role="supervisor")
    board = desk.board
    qtbot.waitUntil(lambda: len(board.queue_model.rows) == 2, timeout=5000)
    assert [r["customer_id"] for r in board.queue_model.rows] == [stuck, plain]
    assert cell(board.queue_model, 0, "Rank") == "3 (+3 waiting)"
    assert cell(board.queue_model, 1, "Rank") == "0"


def test_lead_prepares_a_campaign_to_the_customers_waiting_for_a_callback(
    make_desk, api, db, qtbot
) -> None:
    waiting = [waiting_customer(db, 20 + i, 30) for i in range(3)]
    other = make_customers(db, 1, first_serial=829)[0]
    with db.write() as s:
        for cid in waiting:
            callbacks.request(s, customer_id=cid, topic="delivery", actor="t")
        callbacks.request(s, customer_id=other, topic="activation", actor="t")
    lead = api.as_role("lead")
    assert (
        lead.post(
            "/templates", json={"key": "cbwait", "title": "콜백 대기", "body": "{name}님 안내"}
        ).status_code
        == 200
    )
    desk = make_desk(role="lead")
    triage = desk.triage
    triage.tabs.setCurrentIndex(2)
    qtbot.waitUntil(
        lambda: len(triage.topics_model.rows) == 2 and triage.waiting_template.count() == 1,
        timeout=5000,
    )
    assert triage.topics_model.rows[0] == {"topic": "delivery", "open": 3, "waiting": 3, "stuck": 3}
    triage.topics.selectRow(0)
    run(qtbot, triage.campaign_to_waiting())
    assert triage.last_campaign is not None
    assert triage.last_campaign["recipient_count"] == 3
    assert triage.last_campaign["segment"] == {"kind": "callback_topic", "topic": "delivery"}
    # one more customer asks for a delivery callback: the counts follow the feed
    with db.write() as s:
        callbacks.request(s, customer_id=other, topic="delivery", actor="t")
    qtbot.waitUntil(lambda: triage.topics_model.rows[0]["open"] == 4, timeout=3000)


def test_a_contact_is_logged_only_with_a_reason(make_desk, api, db, qtbot) -> None:
    cid = make_customers(db, 1, first_serial=840)[0]
    desk = make_desk()
    run(qtbot, desk.customer.open(cid))
    view = desk.customer
    assert view.note_reason.currentData() is None  # nothing chosen for the agent
    view.note.setPlainText("배송 일정 문의")
    qtbot.mouseClick(view.add_note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(view.error.isVisible, timeout=2000)  # the slot runs on the loop
    assert "reason" in view.error.text() and not view.pending_notes
    assert view.note.toPlainText() == "배송 일정 문의"  # kept, not sent
    view.note_reason.setCurrentIndex(view.note_reason.findData("delivery"))
    qtbot.mouseClick(view.add_note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(
            r.get("type") == "note" and r.get("reason") == "delivery"
            for r in view.timeline_model.rows
        ),
        timeout=5000,
    )
    assert not view.error.isVisible()
    assert view.note_reason.currentData() is None  # the next contact is asked again

    # a lead extends the list: the agent's console offers it without a restart
    lead = api.as_role("lead")
    added = lead.post(
        "/contact-reasons",
        json={"key": "esim_transfer", "label": "eSIM 이동", "label_en": "eSIM transfer"},
    )
    assert added.status_code == 201, added.text
    qtbot.waitUntil(lambda: view.note_reason.findData("esim_transfer") > 0, timeout=3000)
    index = view.note_reason.findData("esim_transfer")
    assert view.note_reason.itemText(index) == "eSIM transfer"


def test_supervisor_watches_the_reasons_live_and_opens_a_customer_behind_one(
    make_desk, api, db, qtbot
) -> None:
    customers = make_customers(db, 3, first_serial=850)
    desk = make_desk(role="supervisor")
    panel = desk.reasons
    assert panel is not None and make_desk(role="lead").reasons is not None
    assert make_desk(role="agent").reasons is None
    qtbot.waitUntil(lambda: panel.data is not None, timeout=5000)
    assert panel.data["total_last"] == 0
    agent = api.as_role("agent")
    logged = [
        (customers[0], "delivery"),
        (customers[1], "delivery"),
        (customers[1], "delivery"),
        (customers[2], "activation"),
    ]
    for cid, reason in logged:
        resp = agent.post(f"/customers/{cid}/notes", json={"body": "문의", "reason": reason})
        assert resp.status_code == 201, resp.text
    qtbot.waitUntil(lambda: panel.data["total_last"] == 4, timeout=3000)
    assert panel.model.rows[0]["key"] == "delivery"
    assert cell(panel.model, 0, "Reason") == "Delivery"
    assert cell(panel.model, 0, "Last hour") == "3"
    assert cell(panel.model, 0, "Change") == "new"
    assert [r["key"] for r in panel.chart_rows][-2:] == ["activation", "delivery"]
    run(qtbot, panel.show_reason("delivery"))
    assert sorted(r["customer_id"] for r in panel.customers_model.rows) == sorted(customers[:2])
    first = panel.customers_model.rows[0]
    with qtbot.waitSignal(desk.customer.opened, timeout=5000) as opened:
        panel.customers.doubleClicked.emit(panel.customers_model.index(0, 0))
    assert opened.args == [first["customer_id"]]
    assert desk.customer.data["customer"]["id"] == first["customer_id"]
    assert desk.workspaces.currentIndex() == 0
