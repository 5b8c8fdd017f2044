from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from console import settings
from console.worker import Worker
from services import callbacks, notices
from services.accounts import Principal
from services.models import Callback, User
from tests.console.conftest import run
from tests.support.launch import customer_id_for, customer_journey, ingest
from views.login import LoginWindow


def test_login_refuses_wrong_password_then_remembers_the_user(api, loop, qtbot) -> None:
    api.make_user("agent", "kim.agent")
    worker = Worker()
    window = LoginWindow(worker, backend_url=api.url, demo_accounts={"agent1": "agent1-demo"})
    qtbot.addWidget(window)
    window.show()
    assert window.findChild(type(window.error), "demo-hint") is not None
    qtbot.keyClicks(window.username, "kim.agent")
    qtbot.keyClicks(window.password, "wrong-password")
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    qtbot.waitUntil(window.error.isVisible, timeout=5000)
    assert "wrong user name or password" in window.error.text()
    window.password.clear()
    qtbot.keyClicks(window.password, "secret-pass-1")
    with qtbot.waitSignal(window.logged_in, timeout=5000) as signal:
        qtbot.keyClick(window.password, Qt.Key.Key_Return)
    client = signal.args[0]
    assert client.user["username"] == "kim.agent" and client.token
    assert settings.LAST_USERNAME.read(settings.store()) == "kim.agent"
    again = LoginWindow(worker, backend_url=api.url)
    qtbot.addWidget(again)
    assert again.username.text() == "kim.agent"
    assert again.findChild(type(window.error), "demo-hint") is None  # not the embedded default
    worker.shutdown()


def test_unreachable_backend_at_login_is_said_in_words(loop, qtbot) -> None:
    worker = Worker()
    window = LoginWindow(worker, backend_url="http://127.0.0.1:1")
    qtbot.addWidget(window)
    window.show()
    window.url.setText("http://127.0.0.1:1")
    window.username.setText("someone")
    window.password.setText("whatever-pass")
    window.submit()
    qtbot.waitUntil(window.error.isVisible, timeout=10000)
    assert "cannot be reached" in window.error.text()
    worker.shutdown()


def test_callback_worked_end_to_end_from_the_desk(make_desk, db, qtbot) -> None:
    ingest(db, customer_journey(21))
    cid = customer_id_for(db, 21)
    with db.write() as s:
        cb, _ = callbacks.request(
            s, customer_id=cid, topic="delivery", actor="test", note="언제 오나요"
        )
        cb_id = cb.id
    desk = make_desk()
    desk.next_action.trigger()
    qtbot.waitUntil(
        lambda: desk.customer.customer_id == cid and desk.customer.data is not None, timeout=5000
    )
    qtbot.waitUntil(desk.customer.complete_button.isEnabled, timeout=5000)
    assert desk.customer.callbacks.selectionModel().selectedRows()[0].row() == 0
    desk.customer.outcome.setCurrentIndex(desk.customer.outcome.findData("no_answer"))
    desk.customer.note.setPlainText("부재중 — 문자 남김")
    qtbot.mouseClick(desk.customer.complete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not desk.customer.complete_button.isEnabled(), timeout=5000)
    with db.read() as s:
        row = s.get(Callback, cb_id)
        assert (row.status, row.attempts, row.outcome) == ("queued", 1, "no_answer")
    qtbot.waitUntil(lambda: desk.mine_model.rows == [], timeout=5000)
    assert any(r.get("detail") == "부재중 — 문자 남김" for r in desk.customer.timeline_model.rows)


def test_new_notice_appears_live_and_is_acknowledged_with_one_click(make_desk, db, qtbot) -> None:
    desk = make_desk()
    qtbot.wait(300)
    with db.write() as s:
        lead = User(
            username="lead-x", display_name="리드", role="lead", password_hash="-", disabled=False
        )
        s.add(lead)
        s.flush()
        notice = notices.publish(
            s,
            topic="activation hours",
            title="개통 가능 시간",
            body="개통은 09:00–21:00에 처리됩니다.",
            principal=Principal(lead.id, "lead-x", "lead", "리드"),
        )
        notice_id = notice.id
    qtbot.waitUntil(lambda: notice_id in desk.notices.ack_buttons, timeout=3000)
    assert desk.notices.isVisible()
    qtbot.mouseClick(desk.notices.ack_buttons[notice_id], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: notice_id not in desk.notices.ack_buttons, timeout=5000)
    with db.read() as s:
        from services.models import NoticeAck

        assert s.scalar(select(NoticeAck.notice_id)) == notice_id


def test_schedule_callback_and_duplicate_draft_cancel(make_desk, db, qtbot) -> None:
    from services.identifiers import make_order_no, make_reservation_no

    events = customer_journey(31, order=["draft", "received"])
    events.append(
        {
            "source": "order_system",
            "event_id": "dup-draft",
            "occurred_at": events[-1]["occurred_at"],
            "type": "order.created",
            "order_no": make_order_no(4031),
            "reservation_no": make_reservation_no(31),
            "model": "iPhone",
            "delivery_method": "dawn",
            "status": "draft",
        }
    )
    ingest(db, events)
    cid = customer_id_for(db, 31)
    desk = make_desk()
    asked: list[str] = []
    desk.customer.confirm = lambda text: asked.append(text) or True
    run(qtbot, desk.customer.open(cid))
    assert "duplicate_draft" in desk.customer.data["customer"]["flags"]
    button = desk.customer.action_buttons[f"cancel_duplicate_draft:{make_order_no(4031)}"]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "duplicate_draft" not in desk.customer.data["customer"]["flags"], timeout=5000
    )
    assert asked, "a destructive action asks first"
    desk.customer.topic.setCurrentIndex(desk.customer.topic.findData("delivery"))
    qtbot.mouseClick(desk.customer.schedule_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(desk.customer.callbacks_model.rows) == 1, timeout=5000)
    assert desk.customer.callbacks_model.rows[0]["topic"] == "delivery"
