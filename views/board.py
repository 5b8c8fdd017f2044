"""The supervisor's callback board: queue depth and age, each agent's load, and moving
callbacks between agents, all following the change feed."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import timefmt
from console.client import BackendClient, BackendError
from console.models import CallbacksModel, RowsModel
from console.worker import Worker
from views.widgets import alive


class AgentsModel(RowsModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        tr = QCoreApplication.translate
        self.columns = [
            (tr("Board", "Agent"), lambda r: r["display_name"]),
            (
                tr("Board", "Available"),
                lambda r: tr("Board", "yes") if r["available"] else tr("Board", "no"),
            ),
            (tr("Board", "Claimed"), lambda r: r["claimed"]),
            (tr("Board", "Assigned"), lambda r: r["assigned"]),
            (tr("Board", "Completed today"), lambda r: r["completed_today"]),
            (
                tr("Board", "Avg handle (min)"),
                lambda r: (
                    "" if r["avg_handle_seconds"] is None else f"{r['avg_handle_seconds'] / 60:.1f}"
                ),
            ),
        ]


def rank_text(row: dict[str, Any]) -> str:
    """Its place in the queue: the weight, and how much of it is the waiting bonus."""
    weight = int(row.get("weight", row.get("priority", 0)))
    bonus = weight - int(row.get("priority", 0))
    if not bonus:
        return str(weight)
    return (
        QCoreApplication.translate("Board", "%1 (+%2 waiting)")
        .replace("%1", str(weight))
        .replace("%2", str(bonus))
    )


class QueueModel(CallbacksModel):
    """The queue in claim order (services.loop): rank, then the callback and its customer's
    stuck order."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns.insert(1, (QCoreApplication.translate("Board", "Rank"), rank_text))


class BoardView(QWidget):
    status_message = Signal(str)

    def __init__(
        self, client: BackendClient, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("board")
        self.client = client
        self.worker = worker
        self.data: dict[str, Any] | None = None
        self.summary = QLabel()
        self.summary.setObjectName("board-summary")
        self.error = QLabel()
        self.error.setObjectName("action-error")
        self.error.hide()
        self.agents_model = AgentsModel(self)
        self.agents = QTableView()
        self.agents.setObjectName("board-agents")
        self.agents.setModel(self.agents_model)
        self.queue_model = QueueModel(self)
        self.queue = QTableView()
        self.queue.setObjectName("board-queue")
        self.queue.setModel(self.queue_model)
        for table in (self.agents, self.queue):
            table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            table.verticalHeader().hide()
            table.horizontalHeader().setStretchLastSection(True)
        self.queue.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # rank and the customer's stuck order are read at a glance, not elided
        self.queue.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.target = QComboBox()
        self.target.setObjectName("reassign-target")
        reassign = QPushButton(self.tr("Give selected to"))
        reassign.clicked.connect(self.reassign_selected)
        rebalance = QPushButton(self.tr("Rebalance evenly"))
        rebalance.setObjectName("rebalance")
        rebalance.setToolTip(
            self.tr("Spread queued callbacks over the agents who are available now")
        )
        rebalance.clicked.connect(self.rebalance)
        self.priority = QSpinBox()
        self.priority.setRange(-100, 100)
        priority = QPushButton(self.tr("Set priority"))
        priority.clicked.connect(self.set_priority)
        actions = QHBoxLayout()
        for w in (
            reassign,
            self.target,
            rebalance,
            QLabel(self.tr("Priority")),
            self.priority,
            priority,
        ):
            actions.addWidget(w)
        actions.addStretch(1)
        split = QSplitter()
        split.addWidget(self.agents)
        split.addWidget(self.queue)
        split.setSizes([420, 860])
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.error)
        layout.addWidget(split, 1)
        layout.addLayout(actions)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.reload)

    def schedule_reload(self) -> None:
        self._timer.start()

    @asyncSlot()
    async def reload(self) -> None:
        try:
            board = await self.worker.call(self.client.board)
            queued = await self.worker.call(self.client.queued_callbacks)
        except BackendError:
            return
        if not alive(self):
            return
        self.data = board
        q = board["queue"]
        self.summary.setText(
            self.tr(
                "Queue: %1 waiting, %2 due now, oldest due %3 min ago, %4 past the %5-minute SLA — as of %6"
            )
            .replace("%1", str(q["depth"]))
            .replace("%2", str(q["due_now"]))
            .replace("%3", str(q["oldest_waiting_minutes"]))
            .replace("%4", str(q["sla_breaches"]))
            .replace("%5", str(q["sla_minutes"]))
            .replace("%6", timefmt.clock(board["as_of"]))
        )
        self.agents_model.set_rows(board["agents"])
        self.queue_model.set_rows(queued["callbacks"])
        current = self.target.currentData()
        self.target.clear()
        self.target.addItem(self.tr("the pool"), None)
        for agent in board["agents"]:
            self.target.addItem(agent["display_name"], agent["username"])
        if current:
            self.target.setCurrentIndex(max(0, self.target.findData(current)))

    def _selected_ids(self) -> list[int]:
        return sorted(
            {
                self.queue_model.rows[i.row()]["id"]
                for i in self.queue.selectionModel().selectedRows()
            }
        )

    async def _act(self, call: Any, done: str) -> None:
        self.error.hide()
        try:
            await self.worker.call(call)
        except BackendError as exc:
            self.error.setText(getattr(exc, "message", str(exc)))
            self.error.show()
        else:
            self.status_message.emit(done)
        await self.reload()

    @asyncSlot()
    async def reassign_selected(self) -> None:
        ids = self._selected_ids()
        if ids:
            target = self.target.currentData()
            await self._act(
                lambda: self.client.reassign(ids, target),
                self.tr("%1 callbacks reassigned").replace("%1", str(len(ids))),
            )

    @asyncSlot()
    async def rebalance(self) -> None:
        await self._act(self.client.rebalance, self.tr("Queue rebalanced"))

    @asyncSlot()
    async def set_priority(self) -> None:
        ids = self._selected_ids()
        if ids:
            value = self.priority.value()
            await self._act(
                lambda: self.client.set_priority(ids, value),
                self.tr("Priority set for %1 callbacks").replace("%1", str(len(ids))),
            )
