from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from services import callbacks
from tests.console.conftest import run
from tests.support.people import make_customers


def test_board_shows_the_queue_live_and_rebalances(make_desk, api, db, qtbot) -> None:
    customers = make_customers(db, 6)
    with db.write() as s:
        for c in customers:
            callbacks.request(
                s,
                customer_id=c,
                topic="delivery",
                actor="t",
                not_before=datetime.now(UTC) - timedelta(minutes=45),
            )
    agents = [api.as_role("agent") for _ in range(2)]
    for agent in agents:
        agent.get("/callbacks/mine")
    desk = make_desk(role="supervisor")
    board = desk.board
    assert board is not None
    qtbot.waitUntil(
        lambda: board.data is not None and len(board.queue_model.rows) == 6, timeout=10_000
    )
    assert board.data["queue"]["sla_breaches"] == 6
    assert "6 waiting" in board.summary.text()
    # an agent claims one elsewhere: the board follows without a click
    assert agents[0].post("/callbacks/next").status_code == 200
    qtbot.waitUntil(lambda: len(board.queue_model.rows) == 5, timeout=5_000)
    qtbot.mouseClick(board.findChild(QPushButton, "rebalance"), Qt.MouseButton.LeftButton)
    names = {x.username for x in agents}

    def loads() -> list[int]:
        return sorted(
            a["assigned"] + a["claimed"] for a in board.agents_model.rows if a["username"] in names
        )

    # 5 queued + 1 claimed, spread over two available agents: 3 and 3
    qtbot.waitUntil(lambda: loads() == [3, 3], timeout=5_000)
    # reassign one back to the pool
    board.queue.selectRow(0)
    board.target.setCurrentIndex(0)
    run(qtbot, board.reassign_selected())
    assert any(r.get("assigned_to") is None for r in board.queue_model.rows)


def test_lead_and_agent_do_not_get_the_board(make_desk) -> None:
    assert make_desk(role="lead").board is None
    assert make_desk(role="agent").board is None
