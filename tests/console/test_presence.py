"""Who else is here, in the console: the presence strip, live; the warning before acting on
a customer another agent holds a callback for; the official line for this caller."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from services import callbacks, notices
from services.accounts import Principal
from services.models import Note, User
from tests.console.conftest import run
from tests.support.launch import customer_id_for, customer_journey, ingest

FOLD = "Galaxy Z Fold8 512GB 실버 섀도우"


def principal(db, username: str) -> Principal:
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        return Principal(user.id, user.username, user.role, user.display_name)


def write_note(view, text: str) -> None:
    """Type a note with its contact reason, as an agent does before adding it."""
    view.note.setPlainText(text)
    reasons = view.note_reason
    reasons.setCurrentIndex(max(1, reasons.findData("delivery")))


def notes_of(db, customer_id: int) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).where(Note.customer_id == customer_id)) or 0)


def test_second_console_sees_the_first_within_two_seconds_and_loses_it_on_close(
    make_desk, db, qtbot
) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    first, second = make_desk(), make_desk()
    run(qtbot, second.customer.open(cid))
    assert not second.customer.presence_strip.isVisible()
    started = time.monotonic()
    run(qtbot, first.customer.open(cid))
    me = first.client.user["username"]
    qtbot.waitUntil(lambda: [p["username"] for p in second.customer.others] == [me], timeout=2000)
    seen_after = time.monotonic() - started
    assert seen_after < 2.0
    strip = second.customer.presence_strip
    assert strip.isVisible() and "open since" in strip.text()
    assert strip.property("held") is False
    # the first one sees the second too, and never itself
    qtbot.waitUntil(lambda: len(first.customer.others) == 1, timeout=3000)
    assert first.customer.others[0]["username"] == second.client.user["username"]
    # closing the first console takes it off the second's screen
    run(qtbot, first.stop())
    qtbot.waitUntil(lambda: second.customer.others == [], timeout=3000)
    assert not strip.isVisible()


def test_warning_before_acting_on_a_customer_another_agent_holds(make_desk, api, db, qtbot) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    holder = api.make_user("agent", "kim.holder")
    boss = api.make_user("supervisor", "boss")
    with db.write() as s:
        cb, _ = callbacks.request(s, customer_id=cid, topic="delivery", actor="t")
        callbacks.reassign(s, callback_ids=[cb.id], to_agent=holder, principal=principal(db, boss))
    desk = make_desk()
    asked: list[str] = []
    answers = [False, True]
    desk.customer.confirm = lambda text: asked.append(text) or answers.pop(0)
    run(qtbot, desk.customer.open(cid))
    strip = desk.customer.presence_strip
    assert strip.isVisible() and strip.property("held") is True
    assert "kim.holder" in strip.text() and f"#{cb.id}" in strip.text()
    # the first attempt is declined: nothing reaches the backend
    write_note(desk.customer, "called about delivery")
    run(qtbot, desk.customer.add_note())
    assert len(asked) == 1 and "kim.holder" in asked[0] and f"#{cb.id}" in asked[0]
    assert notes_of(db, cid) == 0
    assert desk.customer.note.toPlainText() == "called about delivery"  # kept, not lost
    # confirmed: the note goes, and the same holder is not asked about again
    desk.customer.note_reason.setCurrentIndex(
        max(1, desk.customer.note_reason.findData("delivery"))
    )
    run(qtbot, desk.customer.add_note())
    qtbot.waitUntil(lambda: notes_of(db, cid) == 1, timeout=3000)
    write_note(desk.customer, "second note")
    run(qtbot, desk.customer.add_note())
    qtbot.waitUntil(lambda: notes_of(db, cid) == 2, timeout=3000)
    assert len(asked) == 2


def test_no_warning_when_nobody_else_holds_the_customer(make_desk, db, qtbot) -> None:
    ingest(db, customer_journey(1))
    cid = customer_id_for(db, 1)
    desk = make_desk()
    asked: list[str] = []
    desk.customer.confirm = lambda text: asked.append(text) or True
    run(qtbot, desk.customer.open(cid))
    write_note(desk.customer, "hello")
    run(qtbot, desk.customer.add_note())
    qtbot.waitUntil(lambda: notes_of(db, cid) == 1, timeout=3000)
    assert asked == [] and not desk.customer.presence_strip.isVisible()


def test_the_customer_screen_lists_the_notices_meant_for_this_caller_first(
    make_desk, api, db, qtbot
) -> None:
    ingest(db, customer_journey(1, model=FOLD))
    ingest(db, customer_journey(2))
    fold, other = customer_id_for(db, 1), customer_id_for(db, 2)
    lead = principal(db, api.make_user("lead", "lead.kim"))
    with db.write() as s:
        notices.publish(s, topic="hours", title="Activation hours", body="09-21", principal=lead)
    desk = make_desk()
    run(qtbot, desk.customer.open(fold))
    box = desk.customer.customer_notices
    assert box.isVisible() and "Activation hours" in box.text()
    with db.write() as s:
        notices.publish(
            s,
            topic="fold",
            title="Fold8 late",
            body="2-3 days late",
            principal=lead,
            target={"model": FOLD, "order_status": "received"},
        )
    # published elsewhere: the open screen picks it up from the change feed, first
    qtbot.waitUntil(lambda: "Fold8 late" in box.text(), timeout=3000)
    text = box.text()
    assert text.index("Fold8 late") < text.index("Activation hours")
    assert "For this customer" in text and FOLD in text
    run(qtbot, desk.customer.open(other))
    qtbot.waitUntil(lambda: "Fold8 late" not in box.text(), timeout=3000)
    assert "Activation hours" in box.text()


def test_the_target_form_publishes_a_notice_the_backend_accepts(api, loop, qtbot) -> None:
    from console.client import ApiError, BackendClient
    from views.notices import NoticeAcks, NoticeTargetForm, describe_target

    ingest(api.db, customer_journey(1, model=FOLD, delivery_method="dawn"))
    form = NoticeTargetForm()
    qtbot.addWidget(form)
    assert form.target() is None  # nothing chosen: for everyone
    form.model.setCurrentText(FOLD)
    form.delivery.setCurrentIndex(form.delivery.findData("dawn"))
    form.status.setCurrentIndex(form.status.findData("received"))
    form.use_from.setChecked(True)
    form.received_from.setDate(form.received_from.date().addDays(-30))
    target = form.target()
    assert target is not None and set(target) == {
        "model",
        "delivery_method",
        "order_status",
        "received_from",
    }
    lead = BackendClient(api.url)
    lead.login(api.make_user("lead"), "secret-pass-1")
    made = lead.publish_notice("fold", "Fold8 late", "2-3 days", target)
    assert made["target"] == target
    assert "Dawn delivery" in describe_target(made["target"])
    # the form shows a published target again, and a wrong model is refused in words
    again = NoticeTargetForm()
    qtbot.addWidget(again)
    again.set_target(made["target"])
    assert again.target() == target
    again.model.setCurrentText("Nokia 3310")
    try:
        lead.publish_notice("fold", "x", "y", again.target())
    except ApiError as exc:
        assert exc.status == 422 and FOLD in exc.message
    else:
        raise AssertionError("an unknown model was accepted")
    boss = BackendClient(api.url)
    boss.login(api.make_user("supervisor"), "secret-pass-1")
    acks = NoticeAcks()
    qtbot.addWidget(acks)
    acks.show_acks(boss.notice_acks(made["id"]))
    assert "v1" in acks.text() and FOLD in acks.text()
