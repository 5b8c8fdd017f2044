"""The customer screen: everything about one customer, live, with the actions the
backend says are open now; who else is on this customer; the official line meant for
this caller."""

from __future__ import annotations

import asyncio
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
from console.live import PresenceKeeper
from console.models import CallbacksModel, TimelineModel
from console.worker import Worker
from views.notices import describe_target
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
        # Who else is on this customer, and the warnings already answered for them.
        self.others: list[dict[str, Any]] = []
        self._warned: set[tuple[int, str, int]] = set()
        self.presence = PresenceKeeper(client, worker)
        self.presence.updated.connect(self._on_presence)
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
        self.presence_strip = QLabel()
        self.presence_strip.setObjectName("presence-strip")
        self.presence_strip.setWordWrap(True)
        self.presence_strip.setTextFormat(Qt.TextFormat.RichText)
        self.presence_strip.setMargin(4)
        self.presence_strip.hide()
        self.customer_notices = QLabel()
        self.customer_notices.setObjectName("customer-notices")
        self.customer_notices.setWordWrap(True)
        self.customer_notices.setTextFormat(Qt.TextFormat.RichText)
        self.customer_notices.setMargin(4)
        self.customer_notices.hide()

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
        # Every contact is logged with a reason (services.reasons): none is preselected.
        self.note_reason = QComboBox()
        self.note_reason.setObjectName("note-reason")
        self.note_reason.addItem(self.tr("Contact reason…"), None)
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
        layout.addWidget(self.presence_strip)
        layout.addWidget(self.error)
        layout.addWidget(self.customer_notices)
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
        if customer_id != self.customer_id:
            self._warned = set()
            self._show_presence([])
        self.customer_id = customer_id
        self.focus_callback = focus_callback
        self.note.clear()
        self.error.hide()
        # Say "I am here" alongside the load, not after it: others see it sooner.
        entering = asyncio.ensure_future(self.presence.enter(customer_id))
        await self._load()
        await entering
        self.opened.emit(customer_id)

    async def leave(self) -> None:
        """The screen goes away (logout, window closed): no longer on this customer."""
        await self.presence.stop()

    def refresh_presence(self) -> None:
        """Someone arrived at or left this customer (the change feed said so)."""
        self.presence.schedule_refresh()

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
        self._show_notices(data.get("notices") or [])
        self._show_presence(data.get("presence") or [])
        self._set_enabled()

    # --- who else is here ----------------------------------------------------------------

    def _on_presence(self, customer_id: int, others: list[dict[str, Any]]) -> None:
        if alive(self) and customer_id == self.customer_id:
            self._show_presence(others)

    def _show_presence(self, others: list[dict[str, Any]]) -> None:
        self.others = list(others)
        if not others:
            self.presence_strip.hide()
            self.presence_strip.clear()
            return
        held = [p for p in others if p.get("callbacks")]
        lines = []
        for person in others:
            doing = []
            if person.get("viewing"):
                doing.append(
                    self.tr("has this customer open since %1").replace(
                        "%1", timefmt.short(person.get("viewing_since"))
                    )
                )
            for cb in person.get("callbacks") or []:
                how = self.tr("claimed") if cb.get("how") == "claimed" else self.tr("assigned")
                doing.append(
                    self.tr("callback #%1 (%2, %3) since %4")
                    .replace("%1", str(cb["id"]))
                    .replace("%2", labels.topic(cb.get("topic")))
                    .replace("%3", how)
                    .replace("%4", timefmt.short(cb.get("since")))
                )
            who = f"{person.get('display_name') or person['username']} ({labels.role(person.get('role'))})"
            lines.append(f"<b>{html.escape(who)}</b>: " + html.escape("; ".join(doing)))
        text = "<b>" + html.escape(self.tr("Also on this customer:")) + "</b> " + " · ".join(lines)
        if held:
            names = ", ".join(p.get("display_name") or p["username"] for p in held)
            text += (
                "<br><b>⚠ "
                + html.escape(
                    self.tr(
                        "%1 holds a callback for this customer: agree with them before you act."
                    ).replace("%1", names)
                )
                + "</b>"
            )
        self.presence_strip.setText(text)
        self.presence_strip.setProperty("held", bool(held))
        # the style sheets colour the strip by this property: re-read it
        self.presence_strip.style().unpolish(self.presence_strip)
        self.presence_strip.style().polish(self.presence_strip)
        self.presence_strip.show()

    def _confirm_despite_holder(self, what: str) -> bool:
        """Before acting: if another agent holds a callback for this customer, say who and
        ask once (per customer, per callback held)."""
        if self.customer_id is None:
            return True
        unanswered = [
            (person, cb)
            for person in self.others
            for cb in person.get("callbacks") or []
            if (self.customer_id, person["username"], cb["id"]) not in self._warned
        ]
        if not unanswered:
            return True
        person, cb = unanswered[0]
        text = (
            self.tr("%1 holds callback #%2 (%3) for this customer. %4 anyway?")
            .replace("%1", person.get("display_name") or person["username"])
            .replace("%2", str(cb["id"]))
            .replace("%3", labels.topic(cb.get("topic")))
            .replace("%4", what)
        )
        if not self.confirm(text):
            self.status_message.emit(
                self.tr("Nothing done: %1 holds a callback for this customer.").replace(
                    "%1", person.get("display_name") or person["username"]
                )
            )
            return False
        self._warned.update((self.customer_id, p["username"], c["id"]) for p, c in unanswered)
        return True

    # --- the official line for this caller -------------------------------------------------

    def _show_notices(self, notices: list[dict[str, Any]]) -> None:
        if not notices:
            self.customer_notices.hide()
            self.customer_notices.clear()
            return
        rows = []
        for notice in notices:
            if notice.get("applies") == "customer":
                mark = self.tr("For this customer (%1)").replace(
                    "%1", describe_target(notice.get("target"))
                )
                style = "color:#8a4b00"
            else:
                mark = self.tr("For everyone")
                style = "color:#555"
            rows.append(
                f"<span style='{style}'><b>[{html.escape(mark)}]</b></span> "
                f"<b>{html.escape(notice['title'])}</b> — {html.escape(notice['body'])}"
            )
        self.customer_notices.setText(
            "<b>"
            + html.escape(self.tr("Official line for this caller"))
            + "</b><br>"
            + "<br>".join(rows)
        )
        self.customer_notices.show()

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
        if not self._confirm_despite_holder(self._action_label(name)):
            return
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
        if self.note_reason.currentData() is None:
            self.show_error(self.tr("Choose the contact reason first: why did the customer call?"))
            self.note_reason.setFocus()
            return
        self.error.hide()
        if not self._confirm_despite_holder(self.tr("Add the note")):
            return
        pending = {
            "customer_id": self.customer_id,
            "body": text,
            "reason": self.note_reason.currentData(),
            "key": new_key(),
        }
        self.pending_notes.append(pending)
        self.note.clear()
        self.note_reason.setCurrentIndex(0)  # the next contact is asked again
        await self.flush_pending()

    def set_reasons(self, reasons: list[dict[str, Any]]) -> None:
        """The contact reasons the backend lists now (a lead may have added one)."""
        current = self.note_reason.currentData()
        self.note_reason.clear()
        self.note_reason.addItem(self.tr("Contact reason…"), None)
        for r in reasons:
            self.note_reason.addItem(r["label_en"] if labels.english() else r["label"], r["key"])
        self.note_reason.setCurrentIndex(max(0, self.note_reason.findData(current)))

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
        if not self._confirm_despite_holder(self.tr("Schedule a callback")):
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
        if not self._confirm_despite_holder(self.tr("Complete your callback")):
            return
        outcome = self.outcome.currentData()
        note = self.note.toPlainText().strip() or None
        if await self._act(
            lambda: self.client.complete_callback(cb["id"], outcome, note),
            self.tr("Callback completed"),
        ):
            self.note.clear()
            self.focus_callback = None
