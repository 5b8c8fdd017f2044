from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from tests.console.conftest import run
from tests.support.launch import customer_journey, ingest


def test_lead_publishes_a_notice_that_reaches_an_agent_live(make_desk, qtbot) -> None:
    lead = make_desk(role="lead")
    agent = make_desk(role="agent")
    view = lead.messages
    assert view is not None and not view.approve_button.isVisibleTo(view)
    view.topic.setText("delivery_dates")
    view.title.setText("새벽배송 도착일")
    view.body.setPlainText("출고 다음 날 오전 7시 이전 도착")
    qtbot.mouseClick(
        view.findChild(type(view.approve_button), "publish-notice"), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: len(agent.notices.notices) == 1, timeout=5000)
    assert agent.notices.notices[0]["title"] == "새벽배송 도착일"
    # a new version of the same topic replaces it everywhere
    view.title.setText("새벽배송 도착일 (수정)")
    qtbot.mouseClick(
        view.findChild(type(view.approve_button), "publish-notice"), Qt.MouseButton.LeftButton
    )
    qtbot.waitUntil(lambda: [n["version"] for n in agent.notices.notices] == [2], timeout=5000)


def test_supervisor_sees_the_preview_and_approves_a_leads_campaign(
    make_desk, api, db, qtbot
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    for serial in (1, 2, 3):
        ingest(db, customer_journey(serial, start=start, order=["received"]))
    lead = api.as_role("lead")
    lead.post(
        "/templates",
        json={"key": "delay", "title": "지연", "body": "{name}님 주문 {order_no} 지연 안내"},
    )
    created = lead.post(
        "/campaigns",
        json={
            "name": "지연 안내",
            "template_key": "delay",
            "segment": {"kind": "stuck", "min_age_hours": 24},
        },
    ).json()
    desk = make_desk(role="supervisor")
    view = desk.messages
    qtbot.waitUntil(lambda: len(view.campaigns_model.rows) == 1, timeout=5000)
    run(qtbot, view.show_campaign(view.campaigns_model.index(0, 0)))
    assert "3" in view.preview.text() and "고객1님 주문" in view.preview.text()
    view.override.setText("테스트: 시간과 무관하게 발송")
    run(qtbot, view.approve())
    qtbot.waitUntil(lambda: view.campaigns_model.rows[0]["status"] == "approved", timeout=5000)
    assert (
        lead.get(f"/campaigns/{created['id']}").json()["approved_by"]
        == desk.client.user["username"]
    )


def test_lead_writes_a_template_and_prepares_campaign_and_correction(
    make_desk, api, db, qtbot
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    for serial in (1, 2):
        ingest(db, customer_journey(serial, start=start, order=["received"]))
    desk = make_desk(role="lead")
    view = desk.messages
    view.template_key.setText("delay")
    view.template_title.setText("지연 안내")
    view.template_body.setPlainText("{name}님, 주문 {order_no} 지연 안내")
    run(qtbot, view.save_template())
    qtbot.waitUntil(lambda: view.campaign_template.count() == 1, timeout=5000)
    view.template_body.setPlainText("{name}님 {nickname}")
    run(qtbot, view.save_template())
    assert "{nickname}" in view.error.text()
    view.campaign_name.setText("48시간 지연")
    view.min_age.setValue(48)
    run(qtbot, view.new_from_filter())
    qtbot.waitUntil(lambda: len(view.campaigns_model.rows) == 1, timeout=5000)
    assert view.campaigns_model.rows[0]["recipient_count"] == 2
    # approved by a supervisor elsewhere, then corrected from here
    sup = api.as_role("supervisor")
    cid = view.campaigns_model.rows[0]["id"]
    assert (
        sup.post(f"/campaigns/{cid}/approve", json={"override_reason": "test"}).status_code == 200
    )
    run(qtbot, view.show_campaign(view.campaigns_model.index(0, 0)))
    view.campaign_name.setText("")
    run(qtbot, view.correct_selected())
    qtbot.waitUntil(lambda: len(view.campaigns_model.rows) == 2, timeout=5000)
    fix = view.campaigns_model.rows[0]
    assert fix["corrects_id"] == cid and fix["recipient_count"] == 2
