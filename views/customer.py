"""The customer screen: everything about one customer, live, with the actions the
backend says are open now."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels, timefmt
from console.client import ApiError, BackendClient, BackendUnavailable, new_key
from console.models import CallbacksModel, TimelineModel
from console.worker import Worker
from views.widgets import Chips, alive

log = logging.getLogger("launchdesk.console.customer")

CONTACT_REASONS = ("delivery", "order_status", "activation", "cancellation", "promotion", "other")
OUTCOMES = ("resolved", "no_answer", "wrong_number", "cancelled_by_customer")


class Panel(QGroupBox):
    """One lifecycle: its entries (one per reservation/order/...) and when it was read."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.base_title = title
        self.body = QVBoxLayout(self)
        self.as_of = QLabel()
        self.as_of.setObjectName("as-of")
        self.entries: list[QWidget] = []

    def clear(self) -> None:
        for widget in self.entries:
            self.body.removeWidget(widget)
            widget.deleteLater()
        self.entries = []
        self.body.removeWidget(self.as_of)

    def add(self, widget: QWidget) -> None:
        self.body.addWidget(widget)
        self.entries.append(widget)

    def finish(self, as_of_text: str) -> None:
        self.as_of.setText(as_of_text)
        self.body.addWidget(self.as_of)

    def set_stale(self, stale: bool, suffix: str) -> None:
        self.setTitle(self.base_title + (f"  ({suffix})" if stale else ""))
        self.setProperty("stale", stale)
        self.style().unpolish(self)
        self.style().polish(self)


class CustomerView(QWidget):
    opened = Signal(int)
    status_message = Signal(str)

    def __init__(
        self, client: BackendClient, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.worker = worker
        self.customer_id: int | None = None
        self.data: dict[str, Any] | None = None
        self.focus_callback: int | None = None
        self.online = True
        self.pending_notes: list[dict[str, Any]] = []
        self._flushing = False
        self.action_buttons: dict[str, QPushButton] = {}
        # Tests replace this; people get a real question.
        self.confirm: Callable[[str], bool] = self._ask
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self.reload)
        self._build()

    # --- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.name = QLabel(self.tr("No customer open"))
        self.name.setObjectName("customer-name")
        self.mobile = QLabel()
        self.chips = Chips()
        self.error = QLabel()
        self.error.setObjectName("action-error")
        self.error.setWordWrap(True)
        self.error.hide()
        header = QHBoxLayout()
        header.addWidget(self.name)
        header.addWidget(self.mobile)
        header.addWidget(self.chips, 1)

        self.panels = {
            "reservations": Panel(self.tr("Reservation")),
            "orders": Panel(self.tr("Order")),
            "shipments": Panel(self.tr("Shipment")),
            "activations": Panel(self.tr("Activation")),
        }
        grid = QGridLayout()
        for i, panel in enumerate(self.panels.values()):
            grid.addWidget(panel, i // 2, i % 2)
        panels = QWidget()
        panels.setLayout(grid)

        self.timeline_model = TimelineModel(self)
        self.timeline = QTableView()
        self.timeline.setObjectName("timeline")
        self.timeline.setModel(self.timeline_model)
        self._table_defaults(self.timeline)

        self.callbacks_model = CallbacksModel(self)
        self.callbacks = QTableView()
        self.callbacks.setObjectName("customer-callbacks")
        self.callbacks.setModel(self.callbacks_model)
        self._table_defaults(self.callbacks)
        self.outcome = QComboBox()
        for outcome in OUTCOMES:
            self.outcome.addItem(self._outcome_label(outcome), outcome)
        self.complete_button = QPushButton(self.tr("Complete callback"))
        self.complete_button.setObjectName("complete-callback")
        self.complete_button.clicked.connect(self.complete_callback)
        self.schedule_button = QPushButton(self.tr("Schedule callback…"))
        self.schedule_button.setObjectName("schedule-callback")
        self.schedule_button.clicked.connect(self.schedule_callback)
        self.topic = QComboBox()
        for reason in CONTACT_REASONS:
            self.topic.addItem(self._reason_label(reason), reason)
        cb_row = QHBoxLayout()
        cb_row.addWidget(QLabel(self.tr("Outcome")))
        cb_row.addWidget(self.outcome)
        cb_row.addWidget(self.complete_button)
        cb_row.addStretch(1)
        cb_row.addWidget(QLabel(self.tr("Topic")))
        cb_row.addWidget(self.topic)
        cb_row.addWidget(self.schedule_button)
        cb_box = QGroupBox(self.tr("Callbacks"))
        cb_layout = QVBoxLayout(cb_box)
        cb_layout.addWidget(self.callbacks)
        cb_layout.addLayout(cb_row)

        self.note = QPlainTextEdit()
        self.note.setObjectName("note-input")
        self.note.setPlaceholderText(
            self.tr("What did the customer ask? (Ctrl+Enter adds the note)")
        )
        self.note.setMaximumHeight(70)
        self.note_reason = QComboBox()
        for reason in CONTACT_REASONS:
            self.note_reason.addItem(self._reason_label(reason), reason)
        self.add_note_button = QPushButton(self.tr("Add note"))
        self.add_note_button.setObjectName("add-note")
        self.add_note_button.setToolTip(self.tr("Add note (Ctrl+Enter)"))
        self.add_note_button.clicked.connect(self.add_note)
        QShortcut(QKeySequence("Ctrl+Return"), self.note, activated=self.add_note)
        self.pending_label = QLabel()
        self.pending_label.setObjectName("pending-notes")
        self.pending_label.hide()
        note_row = QHBoxLayout()
        note_row.addWidget(self.note, 1)
        side = QVBoxLayout()
        side.addWidget(self.note_reason)
        side.addWidget(self.add_note_button)
        note_row.addLayout(side)

        self.extras = QLabel()
        self.extras.setObjectName("extras")
        self.extras.setWordWrap(True)
        self.extras.setTextFormat(Qt.TextFormat.RichText)

        lower = QSplitter(Qt.Orientation.Vertical)
        timeline_box = QGroupBox(self.tr("Timeline (newest first)"))
        QVBoxLayout(timeline_box).addWidget(self.timeline)
        lower.addWidget(timeline_box)
        lower.addWidget(cb_box)

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.addLayout(header)
        layout.addWidget(self.error)
        layout.addWidget(panels)
        layout.addWidget(lower, 1)
        layout.addWidget(self.extras)
        layout.addLayout(note_row)
        layout.addWidget(self.pending_label)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setTabOrder(self.note, self.note_reason)
        self.setTabOrder(self.note_reason, self.add_note_button)
        self._set_enabled()

    @staticmethod
    def _table_defaults(table: QTableView) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)

    def _reason_label(self, reason: str) -> str:
        return labels.topic(reason)

    def _outcome_label(self, outcome: str) -> str:
        return {
            "resolved": self.tr("Resolved"),
            "no_answer": self.tr("No answer"),
            "wrong_number": self.tr("Wrong number"),
            "cancelled_by_customer": self.tr("Cancelled by customer"),
        }[outcome]

    def _action_label(self, action: str) -> str:
        return {
            "cancel_order": self.tr("Cancel order"),
            "cancel_duplicate_draft": self.tr("Cancel duplicate draft"),
            "request_activation": self.tr("Request activation"),
            "resend_tracking": self.tr("Resend tracking SMS"),
        }.get(action, action)

    def _flag_label(self, flag: str) -> tuple[str, str]:
        return {
            "stuck": (self.tr("Stuck order"), "warn"),
            "duplicate_draft": (self.tr("Duplicate draft"), "info"),
            "contradiction": (self.tr("Contradiction"), "error"),
            "open_callback": (self.tr("Callback open"), "info"),
        }.get(flag, (flag, "info"))

    # --- loading and rendering ---------------------------------------------------------

    async def open(self, customer_id: int, *, focus_callback: int | None = None) -> None:
        self.customer_id = customer_id
        self.focus_callback = focus_callback
        self.note.clear()
        self.error.hide()
        await self._load()
        self.opened.emit(customer_id)

    @asyncSlot()
    async def reload(self) -> None:
        if self.customer_id is not None:
            await self._load()

    def schedule_reload(self) -> None:
        self._reload_timer.start()

    async def _load(self) -> None:
        customer_id = self.customer_id
        if customer_id is None:
            return
        try:
            data = await self.worker.call(self.client.customer, customer_id)
        except BackendUnavailable:
            if alive(self):
                self.set_online(False)
            return
        except ApiError as exc:
            if alive(self):
                self.show_error(exc.message)
            return
        if not alive(self) or customer_id != self.customer_id:
            return  # closed, or another customer was opened meanwhile
        self.data = data
        self.render(data)

    def render(self, data: dict[str, Any]) -> None:
        customer = data["customer"]
        self.name.setText(customer["name"])
        self.mobile.setText(customer["mobile"])
        self.chips.set_chips([self._flag_label(f) for f in customer.get("flags", [])])
        as_of = self.tr("as of %1").replace("%1", timefmt.clock(data.get("as_of")))
        self.action_buttons = {}
        for key, panel in self.panels.items():
            panel.clear()
            entries = data.get(key, [])
            if not entries:
                empty = QLabel(self.tr("none"))
                empty.setObjectName("panel-empty")
                panel.add(empty)
            for entry in entries:
                panel.add(self._entry_widget(key, entry))
            panel.finish(as_of)
        self.timeline_model.set_rows(data.get("timeline", []))
        self.callbacks_model.set_rows(data.get("callbacks", []))
        if self.focus_callback is not None:
            for row, cb in enumerate(self.callbacks_model.rows):
                if cb["id"] == self.focus_callback:
                    self.callbacks.selectRow(row)
        self.extras.setText(self._extras_html(data))
        self._set_enabled()

    def _entry_widget(self, key: str, entry: dict[str, Any]) -> QWidget:
        widget = QWidget()
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 0, 0, 4)
        ident = {
            "reservations": lambda e: self.tr("Reservation no. %1").replace(
                "%1", e["reservation_no"]
            ),
            "orders": lambda e: self.tr("Order no. %1").replace("%1", e["order_no"]),
            "shipments": lambda e: (
                self.tr("Tracking no. %1 (%2)")
                .replace("%1", e["tracking_no"])
                .replace("%2", e["courier"])
            ),
            "activations": lambda e: self.tr("Line for order %1").replace("%1", e["order_no"]),
        }[key](entry)
        status = labels.status(entry)
        lines = [
            f"<b>{html.escape(status)}</b> · {html.escape(ident)}",
            html.escape(self.tr("since %1").replace("%1", timefmt.short(entry.get("since")))),
        ]
        if key == "orders":
            lines.append(
                html.escape(f"{entry.get('model', '')} · {entry.get('delivery_method_label', '')}")
            )
            flags = [self._flag_label(f)[0] for f in entry.get("flags", [])]
            if flags:
                lines.append("<span class='flag'>" + html.escape(", ".join(flags)) + "</span>")
        nxt = entry.get("next") or {}
        if nxt.get("next_status"):
            when = (
                timefmt.short(nxt.get("expected_at"))
                if nxt.get("expected_at")
                else self.tr("no date yet")
            )
            lines.append(
                html.escape(
                    self.tr("Next: %1, expected %2")
                    .replace("%1", nxt.get("next_label") or nxt["next_status"])
                    .replace("%2", when)
                )
            )
        basis = nxt.get("basis") if labels.english() else (nxt.get("basis_ko") or nxt.get("basis"))
        if basis:
            lines.append(f"<small>{html.escape(basis)}</small>")
        label = QLabel("<br>".join(lines))
        label.setObjectName(f"entry-{key}")
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setWordWrap(True)
        layout.addWidget(label)
        actions = entry.get("actions") or []
        if actions:
            row = QHBoxLayout()
            for action in actions:
                button = QPushButton(self._action_label(action["action"]))
                name = f"{action['action']}:{entry.get('order_no')}"
                button.setObjectName(name)
                button.setProperty("allowed", bool(action["allowed"]))
                if not action["allowed"] and action.get("reason"):
                    button.setToolTip(action["reason"])
                button.clicked.connect(lambda _=False, a=action, e=entry: self.run_action(a, e))
                self.action_buttons[name] = button
                row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        return widget

    def _extras_html(self, data: dict[str, Any]) -> str:
        parts = []
        promos = data.get("promotion_entries") or []
        if promos:
            parts.append(
                "<b>"
                + html.escape(self.tr("Promotion entries"))
                + ":</b> "
                + ", ".join(html.escape(f"{p['promotion']} ({p['status']})") for p in promos)
            )
        messages = data.get("messages") or []
        if messages:
            parts.append(
                "<b>"
                + html.escape(self.tr("Messages sent"))
                + ":</b> "
                + "; ".join(
                    html.escape(f"{timefmt.short(m['created_at'])} {m['template']} [{m['status']}]")
                    for m in messages[:5]
                )
            )
        contradictions = data.get("contradictions") or []
        for c in contradictions:
            parts.append("<span class='flag'>" + html.escape(c["detail"]) + "</span>")
        return "<br>".join(parts)

    # --- online / offline --------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        self.online = online
        stale = self.tr("stale")
        for panel in self.panels.values():
            panel.set_stale(not online, stale)
        self._set_enabled()

    def _set_enabled(self) -> None:
        has_customer = self.data is not None and self.online
        for button in self.action_buttons.values():
            button.setEnabled(has_customer and bool(button.property("allowed")))
        self.schedule_button.setEnabled(has_customer)
        self.complete_button.setEnabled(has_customer and self._my_claimed_callback() is not None)
        # Typing and "add note" stay open offline: the note is kept and sent on reconnect.
        self.add_note_button.setEnabled(self.customer_id is not None)

    def _my_claimed_callback(self) -> dict[str, Any] | None:
        me = (self.client.user or {}).get("username")
        for cb in self.callbacks_model.rows:
            if cb["status"] == "claimed" and cb.get("claimed_by") == me:
                return cb
        return None

    # --- actions ---------------------------------------------------------------------

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, self.tr("Please confirm"), text)
        return answer == QMessageBox.StandardButton.Yes

    @asyncSlot()
    async def run_action(self, action: dict[str, Any], entry: dict[str, Any]) -> None:
        name = action["action"]
        order_no = entry["order_no"]
        if action.get("destructive") and not self.confirm(
            self.tr("%1 for order %2? This cannot be undone.")
            .replace("%1", self._action_label(name))
            .replace("%2", order_no)
        ):
            return
        call = {
            "cancel_order": lambda: self.client.cancel_order(
                order_no, "cancelled by agent at customer's request"
            ),
            "cancel_duplicate_draft": lambda: self.client.cancel_order(order_no, "duplicate draft"),
            "request_activation": lambda: self.client.request_activation(order_no),
            "resend_tracking": lambda: self.client.resend_tracking(order_no),
        }[name]
        await self._act(call, self.tr("Done: %1").replace("%1", self._action_label(name)))

    async def _act(self, call: Callable[[], Any], done_text: str) -> bool:
        self.error.hide()
        try:
            await self.worker.call(call)
        except BackendUnavailable:
            self.show_error(
                self.tr(
                    "The backend cannot be reached; nothing was changed. Try again when it is back."
                )
            )
            return False
        except ApiError as exc:
            # The backend decided; say why in its words, and show what is true now.
            self.show_error(exc.message)
            await self._load()
            self.error.show()
            return False
        self.status_message.emit(done_text)
        await self._load()
        return True

    @asyncSlot()
    async def add_note(self) -> None:
        text = self.note.toPlainText().strip()
        if not text or self.customer_id is None:
            return
        pending = {
            "customer_id": self.customer_id,
            "body": text,
            "reason": self.note_reason.currentData(),
            "key": new_key(),
        }
        self.pending_notes.append(pending)
        self.note.clear()
        await self.flush_pending()

    async def flush_pending(self) -> None:
        # One sender at a time: a reconnect and a click may both ask to flush.
        if self._flushing:
            return
        self._flushing = True
        try:
            await self._flush_pending()
        finally:
            self._flushing = False

    async def _flush_pending(self) -> None:
        while self.pending_notes:
            note = self.pending_notes[0]
            try:
                await self.worker.call(
                    self.client.add_note,
                    note["customer_id"],
                    note["body"],
                    note["reason"],
                    key=note["key"],
                )
            except BackendUnavailable:
                self.pending_label.setText(
                    self.tr(
                        "%n note(s) kept; they will be sent when the backend is back.",
                        "",
                        len(self.pending_notes),
                    )
                )
                self.pending_label.show()
                return
            except ApiError as exc:
                self.pending_notes.pop(0)
                self.show_error(exc.message)
                self.note.setPlainText(note["body"])  # give the text back rather than lose it
                continue
            self.pending_notes.pop(0)
        self.pending_label.hide()
        await self._load()

    @asyncSlot()
    async def schedule_callback(self) -> None:
        if self.customer_id is None:
            return
        customer_id = self.customer_id
        topic = self.topic.currentData()
        note = self.note.toPlainText().strip() or None
        if await self._act(
            lambda: self.client.request_callback(customer_id, topic, note),
            self.tr("Callback scheduled"),
        ):
            self.note.clear()

    @asyncSlot()
    async def complete_callback(self) -> None:
        cb = self._my_claimed_callback()
        if cb is None:
            return
        outcome = self.outcome.currentData()
        note = self.note.toPlainText().strip() or None
        if await self._act(
            lambda: self.client.complete_callback(cb["id"], outcome, note),
            self.tr("Callback completed"),
        ):
            self.note.clear()
            self.focus_callback = None
