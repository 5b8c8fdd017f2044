from __future__ import annotations

import gc
import time

from PySide6.QtCore import Qt
from sqlalchemy import select

from services import callbacks
from services.identifiers import make_order_no, make_reservation_no
from services.models import Customer
from tests.console.conftest import run
from tests.support.launch import (
    FULL_ORDER,
    FULL_SHIPMENT,
    customer_id_for,
    customer_journey,
    ingest,
)
from tests.support.stall import StallProbe


def search(qtbot, desk, text: str, kind_index: int = 0) -> None:
    desk.kind.setCurrentIndex(kind_index)
    desk.search.clear()
    if text.isascii():
        qtbot.keyClicks(desk.search, text)
    else:
        desk.search.setText(text)  # QTest types ASCII only; an IME would commit the word
    qtbot.keyClick(desk.search, Qt.Key.Key_Return)


def test_search_by_each_identifier_opens_the_right_customer(make_desk, db, qtbot) -> None:
    ingest(
        db,
        customer_journey(
            7, order=FULL_ORDER, shipment=FULL_SHIPMENT, name="김하늘", mobile="01077776666"
        ),
    )
    ingest(db, customer_journey(8, order=["received"], name="박서준", mobile="01088889999"))
    target = customer_id_for(db, 7)
    desk = make_desk()
    for text in (
        make_reservation_no(7),
        make_order_no(7),
        "010-7777-6666",
        "+82 10 7777 6666",
        f"{7:013d}",
        "김하늘",
    ):
        desk.customer.customer_id = desk.customer.data = None
        search(qtbot, desk, text)
        qtbot.waitUntil(lambda: desk.customer.data is not None, timeout=5000)
        assert desk.customer.customer_id == target, text
        assert desk.customer.name.text() == "김하늘"
    assert desk.customer.data["orders"][0]["status"] == "delivered"
    assert desk.customer.mobile.text() == "010-****-6666"


def test_order_number_in_the_reservation_field_shows_the_reason(make_desk, db, qtbot) -> None:
    ingest(db, customer_journey(3))
    desk = make_desk()
    search(qtbot, desk, make_order_no(3), kind_index=1)  # the reservation-number field
    qtbot.waitUntil(desk.search_error.isVisible, timeout=5000)
    text = desk.search_error.text().lower()
    assert "reservation number" in text and "order number" in text
    assert desk.customer.customer_id is None
    bad_check = make_reservation_no(3)[:-1] + str((int(make_reservation_no(3)[-1]) + 1) % 10)
    search(qtbot, desk, bad_check)
    qtbot.waitUntil(lambda: "check digit" in desk.search_error.text(), timeout=5000)


def test_two_agents_taking_next_get_different_callbacks(make_desk, db, qtbot) -> None:
    for serial in (1, 2):
        ingest(db, customer_journey(serial))
    with db.write() as s:
        for serial in (1, 2):
            cid = s.scalar(select(Customer.id).where(Customer.ref == f"T{serial:08d}"))
            callbacks.request(s, customer_id=cid, topic="delivery", actor="test")
    a, b = make_desk(), make_desk()
    assert a.next_action.shortcut().toString() == "Ctrl+N"
    a.next_action.trigger()  # what Ctrl+N does
    qtbot.mouseClick(b.take_next, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: a.customer.customer_id is not None and b.customer.customer_id is not None,
        timeout=5000,
    )
    assert a.customer.customer_id != b.customer.customer_id
    assert a.customer.focus_callback != b.customer.focus_callback
    qtbot.waitUntil(
        lambda: len(a.mine_model.rows) == 1 and len(b.mine_model.rows) == 1, timeout=5000
    )


def test_note_from_one_console_appears_in_another_within_two_seconds(make_desk, db, qtbot) -> None:
    ingest(db, customer_journey(5))
    cid = customer_id_for(db, 5)
    a, b = make_desk(), make_desk()
    run(qtbot, a.customer.open(cid))
    run(qtbot, b.customer.open(cid))
    qtbot.wait(300)  # both follow the feed
    a.customer.note.setPlainText("배송지 변경 요청 — 경비실 보관")
    a.customer.note_reason.setCurrentIndex(a.customer.note_reason.findData("delivery"))
    qtbot.mouseClick(a.customer.add_note_button, Qt.MouseButton.LeftButton)
    began = time.monotonic()
    qtbot.waitUntil(
        lambda: any(
            r.get("detail") == "배송지 변경 요청 — 경비실 보관"
            for r in b.customer.timeline_model.rows
        ),
        timeout=2000,
    )
    assert time.monotonic() - began < 2.0


def test_refused_action_shows_the_backends_reason_and_refreshes(make_desk, db, qtbot) -> None:
    ingest(db, customer_journey(9, order=["received"]))
    cid = customer_id_for(db, 9)
    desk = make_desk()
    desk.customer.confirm = lambda _text: True
    run(qtbot, desk.customer.open(cid))
    button = desk.customer.action_buttons[f"cancel_order:{make_order_no(9)}"]
    assert button.isEnabled()
    # meanwhile the order system moves the order on
    ingest(
        db,
        [
            {
                "source": "order_system",
                "event_id": "moved-on",
                "occurred_at": "2030-01-01T09:00:00+09:00",
                "type": "order.status",
                "order_no": make_order_no(9),
                "status": "preparing",
            }
        ],
    )
    desk.customer._reload_timer.stop()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(desk.customer.error.isVisible, timeout=5000)
    assert "preparing" in desk.customer.error.text()
    qtbot.waitUntil(lambda: desk.customer.data["orders"][0]["status"] == "preparing", timeout=5000)
    qtbot.waitUntil(
        lambda: not desk.customer.action_buttons[f"cancel_order:{make_order_no(9)}"].isEnabled(),
        timeout=5000,
    )


def test_gui_thread_never_stalls_during_search_and_customer_load(make_desk, db, qtbot) -> None:
    ingest(
        db,
        customer_journey(
            11, order=FULL_ORDER, shipment=FULL_SHIPMENT, activation=["requested", "in_progress"]
        ),
    )
    desk = make_desk()
    probe = StallProbe()
    lateness = probe.lateness
    # As the console does after start-up (console.app): objects that live for the whole
    # session leave the collector's young generations, so a full collection stays short.
    gc.collect()
    gc.freeze()
    probe.start()
    qtbot.wait(50)
    lateness.clear()  # measure only what the search and the load do
    for _ in range(3):
        desk.customer.customer_id = desk.customer.data = None
        search(qtbot, desk, make_order_no(11))
        qtbot.waitUntil(
            lambda: desk.customer.data is not None and desk.customer.customer_id is not None,
            timeout=5000,
        )
        qtbot.wait(100)
    probe.stop()
    gc.unfreeze()
    assert lateness and max(lateness) < 0.100, f"worst GUI stall {max(lateness) * 1000:.0f} ms"


def test_backend_down_banner_then_recovery_keeps_the_notes(make_desk, db, server, qtbot) -> None:
    from services.server import ThreadedServer

    ingest(db, customer_journey(12, order=["received"]))
    cid = customer_id_for(db, 12)
    desk = make_desk()
    run(qtbot, desk.customer.open(cid))
    cancel = desk.customer.action_buttons[f"cancel_order:{make_order_no(12)}"]
    assert cancel.isEnabled()
    server.stop()
    began = time.monotonic()
    qtbot.waitUntil(desk.offline.isVisible, timeout=2000)
    assert time.monotonic() - began < 2.0
    assert not cancel.isEnabled() and not desk.take_next.isEnabled()
    assert "stale" in desk.customer.panels["orders"].title()
    # one note submitted while offline, one still being typed
    desk.customer.note.setPlainText("연결 끊긴 동안 남긴 메모")
    desk.customer.note_reason.setCurrentIndex(desk.customer.note_reason.findData("delivery"))
    qtbot.mouseClick(desk.customer.add_note_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(desk.customer.pending_label.isVisible, timeout=5000)
    desk.customer.note.setPlainText("아직 입력 중인 메모")
    restarted = ThreadedServer(db, port=server.port, outbox=False).start()
    try:
        qtbot.waitUntil(lambda: not desk.offline.isVisible(), timeout=15000)
        qtbot.waitUntil(
            lambda: any(
                r.get("detail") == "연결 끊긴 동안 남긴 메모"
                for r in desk.customer.timeline_model.rows
            ),
            timeout=5000,
        )
        assert desk.customer.note.toPlainText() == "아직 입력 중인 메모"
        assert not desk.customer.pending_label.isVisible()
        qtbot.waitUntil(
            lambda: desk.customer.action_buttons[f"cancel_order:{make_order_no(12)}"].isEnabled(),
            timeout=5000,
        )
        assert "stale" not in desk.customer.panels["orders"].title()
    finally:
        restarted.stop()
