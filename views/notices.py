"""The official line, pinned at the top of every window; acknowledged with one click."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from qasync import asyncSlot

from console import timefmt
from console.client import ApiError, BackendClient, BackendUnavailable
from console.worker import Worker
from views.widgets import alive


class NoticesBar(QFrame):
    announced = Signal(str)  # a notice this agent has not seen yet

    def __init__(
        self, client: BackendClient, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("notices")
        self.client = client
        self.worker = worker
        self.notices: list[dict[str, Any]] = []
        self._known: set[int] = set()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 4, 6, 4)
        self.ack_buttons: dict[int, QPushButton] = {}
        self.hide()

    @asyncSlot()
    async def reload(self) -> None:
        try:
            body = await self.worker.call(self.client.notices)
        except (BackendUnavailable, ApiError):
            return
        if alive(self):
            self.show_notices(body["notices"])

    def show_notices(self, notices: list[dict[str, Any]]) -> None:
        fresh = [n for n in notices if n["id"] not in self._known and not n.get("acknowledged")]
        first_load = not self._known and not self.notices
        self.notices = notices
        self._known.update(n["id"] for n in notices)
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
            elif item.layout():
                _clear(item.layout())
        self.ack_buttons = {}
        for notice in notices:
            row = QHBoxLayout()
            text = QLabel(
                f"<b>[{notice['topic']} v{notice['version']}] {notice['title']}</b> — {notice['body']} "
                f"<small>({notice['published_by']}, {timefmt.short(notice['published_at'])})</small>"
            )
            text.setWordWrap(True)
            text.setObjectName("notice-text")
            row.addWidget(text, 1)
            if notice.get("acknowledged"):
                seen = QLabel(self.tr("Acknowledged"))
                seen.setObjectName("notice-acked")
                row.addWidget(seen)
            else:
                button = QPushButton(self.tr("Acknowledge"))
                button.setObjectName(f"ack-{notice['id']}")
                button.setToolTip(self.tr("I have read this notice"))
                button.clicked.connect(lambda _=False, nid=notice["id"]: self.acknowledge(nid))
                self.ack_buttons[notice["id"]] = button
                row.addWidget(button)
            self._layout.addLayout(row)
        self.setVisible(bool(notices))
        if fresh and not first_load:
            for notice in fresh:
                self.announced.emit(self.tr("New notice: %1").replace("%1", notice["title"]))
        elif fresh and first_load:
            self.announced.emit(self.tr("%n notice(s) to read", "", len(fresh)))

    @asyncSlot()
    async def acknowledge(self, notice_id: int) -> None:
        try:
            await self.worker.call(self.client.ack_notice, notice_id)
        except (BackendUnavailable, ApiError):
            return
        await self.reload()


def _clear(layout: Any) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()
