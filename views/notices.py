"""The official line, pinned at the top of every window; acknowledged with one click.

Also the pieces the lead's and supervisor's notice panels use: the target a notice is
aimed at (model, delivery method, order status, stuck cause, received dates) as a form
and in words, and who has read each version.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QCoreApplication, QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels, timefmt
from console.client import ApiError, BackendClient, BackendUnavailable
from console.worker import Worker
from views.widgets import alive

ORDER_STATUSES = ("draft", "received", "preparing", "shipped", "delivered", "cancelled")


def order_status_label(code: str | None) -> str:
    names = {
        "draft": QCoreApplication.translate("NoticeTargetForm", "In cart"),
        "received": QCoreApplication.translate("NoticeTargetForm", "Received"),
        "preparing": QCoreApplication.translate("NoticeTargetForm", "Preparing"),
        "shipped": QCoreApplication.translate("NoticeTargetForm", "Shipped"),
        "delivered": QCoreApplication.translate("NoticeTargetForm", "Delivered"),
        "cancelled": QCoreApplication.translate("NoticeTargetForm", "Order cancelled"),
    }
    return names.get(code or "", code or "")


def describe_target(target: dict[str, Any] | None) -> str:
    """A notice's target in words ("Galaxy Z Fold8 · Dawn delivery · from 11-20"), or ""."""
    if not target:
        return ""
    parts = []
    if target.get("model"):
        parts.append(str(target["model"]))
    if target.get("delivery_method"):
        parts.append(labels.delivery_method(target["delivery_method"]))
    if target.get("order_status"):
        parts.append(order_status_label(target["order_status"]))
    if target.get("cause"):
        parts.append(labels.cause(target["cause"]))
    start, end = target.get("received_from"), target.get("received_to")
    if start and end:
        parts.append(
            QCoreApplication.translate("NoticeTargetForm", "received %1 to %2")
            .replace("%1", start)
            .replace("%2", end)
        )
    elif start:
        parts.append(
            QCoreApplication.translate("NoticeTargetForm", "received from %1").replace("%1", start)
        )
    elif end:
        parts.append(
            QCoreApplication.translate("NoticeTargetForm", "received until %1").replace("%1", end)
        )
    return " · ".join(parts)


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
            aim = describe_target(notice.get("target"))
            aimed = (
                " <i>" + html.escape(self.tr("for: %1").replace("%1", aim)) + "</i>" if aim else ""
            )
            text = QLabel(
                f"<b>[{notice['topic']} v{notice['version']}] {notice['title']}</b>{aimed} — {notice['body']} "
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


class NoticeTargetForm(QWidget):
    """Whom a notice is for; empty fields mean anyone. The backend checks the values."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice-target")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.model = QComboBox()
        self.model.setObjectName("target-model")
        self.model.setEditable(True)
        self.model.addItem("")
        self.model.lineEdit().setPlaceholderText(self.tr("Any model"))
        self.delivery = self._choices(
            "target-delivery",
            self.tr("Any delivery"),
            labels.DELIVERY_METHODS,
            labels.delivery_method,
        )
        self.status = self._choices(
            "target-status", self.tr("Any order status"), ORDER_STATUSES, order_status_label
        )
        self.cause = self._choices(
            "target-cause", self.tr("Any cause"), labels.CAUSES, labels.cause
        )
        self.use_from, self.received_from = self._day("target-from")
        self.use_to, self.received_to = self._day("target-to")
        dates = QHBoxLayout()
        dates.addWidget(self.use_from)
        dates.addWidget(self.received_from)
        dates.addWidget(QLabel("–"))
        dates.addWidget(self.use_to)
        dates.addWidget(self.received_to)
        dates.addStretch(1)
        form.addRow(self.tr("Model"), self.model)
        form.addRow(self.tr("Delivery"), self.delivery)
        form.addRow(self.tr("Order status"), self.status)
        form.addRow(self.tr("Stuck cause"), self.cause)
        form.addRow(self.tr("Received (Seoul days)"), dates)

    @staticmethod
    def _choices(name: str, anything: str, codes: Any, word: Any) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        box.addItem(anything, None)
        for code in codes:
            box.addItem(word(code), code)
        return box

    def _day(self, name: str) -> tuple[QCheckBox, QDateEdit]:
        use = QCheckBox()
        use.setObjectName(f"{name}-on")
        day = QDateEdit(QDate.currentDate())
        day.setObjectName(name)
        day.setCalendarPopup(True)
        day.setDisplayFormat("yyyy-MM-dd")
        day.setEnabled(False)
        use.toggled.connect(day.setEnabled)
        return use, day

    def set_models(self, models: list[str]) -> None:
        current = self.model.currentText()
        self.model.clear()
        self.model.addItem("")
        self.model.addItems(models)
        self.model.setCurrentText(current)

    def target(self) -> dict[str, Any] | None:
        """The target to send, or None for everyone."""
        out: dict[str, Any] = {}
        if self.model.currentText().strip():
            out["model"] = self.model.currentText().strip()
        for key, box in (
            ("delivery_method", self.delivery),
            ("order_status", self.status),
            ("cause", self.cause),
        ):
            if box.currentData():
                out[key] = box.currentData()
        if self.use_from.isChecked():
            out["received_from"] = self.received_from.date().toString("yyyy-MM-dd")
        if self.use_to.isChecked():
            out["received_to"] = self.received_to.date().toString("yyyy-MM-dd")
        return out or None

    def set_target(self, target: dict[str, Any] | None) -> None:
        target = target or {}
        self.model.setCurrentText(target.get("model") or "")
        for key, box in (
            ("delivery_method", self.delivery),
            ("order_status", self.status),
            ("cause", self.cause),
        ):
            box.setCurrentIndex(max(0, box.findData(target.get(key))) if target.get(key) else 0)
        for key, use, day in (
            ("received_from", self.use_from, self.received_from),
            ("received_to", self.use_to, self.received_to),
        ):
            value = target.get(key)
            use.setChecked(bool(value))
            if value:
                day.setDate(QDate.fromString(value, "yyyy-MM-dd"))


class NoticeAcks(QLabel):
    """Who has read each version of a notice's topic (the supervisor's view)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice-acks-by-version")
        self.setWordWrap(True)

    def show_acks(self, acks: dict[str, Any]) -> None:
        lines = []
        for version in acks.get("versions") or [acks.get("notice", {}) | acks]:
            read = ", ".join(
                f"{a['username']} ({timefmt.short(a.get('acked_at'))})"
                for a in version.get("acknowledged", [])
            )
            status = self.tr("active") if version.get("status") == "active" else self.tr("retired")
            aim = describe_target(version.get("target"))
            head = f"v{version.get('version', '?')} · {status}" + (f" · {aim}" if aim else "")
            lines.append(
                f"<b>{html.escape(head)}</b><br>"
                + html.escape(
                    self.tr("Read by %1; not yet: %2")
                    .replace("%1", read or "—")
                    .replace("%2", ", ".join(version.get("not_acknowledged", [])) or "—")
                )
            )
        self.setText("<br>".join(lines))
