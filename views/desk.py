"""The agent desk: search, the customer screen, callbacks, the official line — live."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMainWindow,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels, timefmt
from console.client import ApiError, BackendClient, BackendUnavailable
from console.live import FeedFollower
from console.models import ROW_ROLE, CallbacksModel, SearchResultsModel
from console.worker import Worker
from views.board import BoardView
from views.customer import CustomerView
from views.messages import MessagesView
from views.notices import NoticesBar
from views.reasons import ReasonsView
from views.settings import SettingsDialog
from views.triage import TriageView
from views.widgets import Banner, BusyIndicator, alive

log = logging.getLogger("launchdesk.console.desk")
HEARTBEAT_MS = 60_000


class AgentDesk(QMainWindow):
    logout_requested = Signal()
    language_requested = Signal(str)

    def __init__(self, client: BackendClient, worker: Worker, *, feed_wait: float = 20.0) -> None:
        super().__init__()
        self.client = client
        self.worker = worker
        user = client.user or {}
        self.setObjectName("desk")
        self.setWindowTitle(
            self.tr("Launchdesk — %1 (%2)")
            .replace("%1", user.get("display_name", ""))
            .replace("%2", labels.role(user.get("role")))
        )
        self.feed = FeedFollower(client, worker, wait=feed_wait)
        self._build()
        self._wire()
        self.last_read: str | None = None

    # --- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.notices = NoticesBar(self.client, self.worker)
        self.offline = Banner("offline")
        self.offline.setObjectName("offline-banner")

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(
            self.tr("Reservation no., order no., mobile, tracking no. or name (Ctrl+K)")
        )
        self.search.setClearButtonEnabled(True)
        self.kind = QComboBox()
        self.kind.setObjectName("search-kind")
        for label, kind in (
            (self.tr("Any"), None),
            (self.tr("Reservation no."), "reservation"),
            (self.tr("Order no."), "order"),
            (self.tr("Mobile"), "mobile"),
            (self.tr("Tracking no."), "tracking"),
            (self.tr("Name"), "name"),
        ):
            self.kind.addItem(label, kind)
        self.kind.setToolTip(
            self.tr("What the caller gave: a field for one kind refuses the others")
        )
        self.search_button = QPushButton(self.tr("Search"))
        self.search_button.setObjectName("search-button")
        self.take_next = QPushButton(self.tr("Take next callback"))
        self.take_next.setObjectName("take-next")
        self.take_next.setToolTip(self.tr("Claim the next due callback (Ctrl+N)"))
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.kind)
        search_row.addWidget(self.search_button)
        search_row.addSpacing(16)
        search_row.addWidget(self.take_next)
        self.search_error = QLabel()
        self.search_error.setObjectName("search-error")
        self.search_error.setWordWrap(True)
        self.search_error.hide()

        self.results_model = SearchResultsModel(self)
        self.results = QListView()
        self.results.setObjectName("results")
        self.results.setModel(self.results_model)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mine_model = CallbacksModel(self)
        self.mine = QTableView()
        self.mine.setObjectName("my-callbacks")
        self.mine.setModel(self.mine_model)
        self.mine.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.mine.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.mine.verticalHeader().hide()
        self.mine.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.side = QTabWidget()
        self.side.addTab(self.results, self.tr("Matches"))
        self.side.addTab(self.mine, self.tr("My callbacks"))

        self.customer = CustomerView(self.client, self.worker)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.side)
        split.addWidget(self.customer)
        split.setStretchFactor(1, 3)
        split.setSizes([320, 960])

        desk_page = QWidget()
        desk_layout = QVBoxLayout(desk_page)
        desk_layout.setContentsMargins(0, 0, 0, 0)
        desk_layout.addLayout(search_row)
        desk_layout.addWidget(self.search_error)
        desk_layout.addWidget(split, 1)
        # What a user sees depends on their role; the backend enforces it either way.
        self.workspaces = QTabWidget()
        self.workspaces.setObjectName("workspaces")
        self.workspaces.addTab(desk_page, self.tr("Agent desk"))
        role = (self.client.user or {}).get("role", "agent")
        self.triage: TriageView | None = None
        if role in ("lead", "supervisor"):
            self.triage = TriageView(self.client, self.worker)
            self.workspaces.addTab(self.triage, self.tr("Triage"))
        self.messages: MessagesView | None = None
        if role in ("lead", "supervisor"):
            self.messages = MessagesView(self.client, self.worker, can_approve=role == "supervisor")
            self.workspaces.addTab(self.messages, self.tr("Messages and notices"))
        self.board: BoardView | None = None
        if role == "supervisor":
            self.board = BoardView(self.client, self.worker)
            self.workspaces.addTab(self.board, self.tr("Callback board"))
        self.reasons: ReasonsView | None = None
        if role in ("lead", "supervisor"):
            self.reasons = ReasonsView(self.client, self.worker)
            self.workspaces.addTab(self.reasons, self.tr("Contact reasons"))
        self.workspaces.tabBar().setVisible(self.workspaces.count() > 1)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.notices)
        layout.addWidget(self.offline)
        layout.addWidget(self.workspaces, 1)
        self.setCentralWidget(central)

        self.busy = BusyIndicator()
        self.connection = QLabel()
        self.connection.setObjectName("connection")
        self.statusBar().addPermanentWidget(self.busy)
        self.statusBar().addPermanentWidget(self.connection)
        self._show_connection(True)

        self.setTabOrder(self.search, self.kind)
        self.setTabOrder(self.kind, self.search_button)
        self.setTabOrder(self.search_button, self.take_next)
        self.setTabOrder(self.take_next, self.side)
        self.setTabOrder(self.side, self.customer)
        self._menus()
        self.resize(1320, 860)

    def _menus(self) -> None:
        def action(text: str, shortcut: str | None, slot: Any, name: str) -> QAction:
            act = QAction(text, self)
            act.setObjectName(name)
            if shortcut:
                act.setShortcut(QKeySequence(shortcut))
                act.setToolTip(
                    f"{text} ({QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)})"
                )
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.find_action = action(self.tr("Find customer"), "Ctrl+K", self.focus_search, "act-find")
        self.next_action = action(
            self.tr("Take next callback"), "Ctrl+N", self.claim_next, "act-next"
        )
        self.mine_action = action(self.tr("My callbacks"), "Ctrl+M", self.show_mine, "act-mine")
        self.refresh_action = action(self.tr("Refresh"), "F5", self.refresh_all, "act-refresh")
        self.logout_action = action(
            self.tr("Log out"), None, self.logout_requested.emit, "act-logout"
        )
        self.quit_action = action(self.tr("Quit"), "Ctrl+Q", self.close, "act-quit")
        self.settings_action = action(
            self.tr("Settings…"), "Ctrl+,", self.open_settings, "act-settings"
        )
        korean = action("한국어", None, lambda: self.language_requested.emit("ko"), "act-ko")
        english = action("English", None, lambda: self.language_requested.emit("en"), "act-en")
        menu = self.menuBar().addMenu(self.tr("&Desk"))
        for act in (self.find_action, self.next_action, self.mine_action, self.refresh_action):
            menu.addAction(act)
        menu.addSeparator()
        menu.addAction(self.settings_action)
        menu.addAction(self.logout_action)
        menu.addAction(self.quit_action)
        view = self.menuBar().addMenu(self.tr("&Language"))
        view.addAction(korean)
        view.addAction(english)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self, username=(self.client.user or {}).get("username"))
        # The desk is rebuilt in the new language by whoever opened it (console/app.py).
        dialog.language_changed.connect(self.language_requested.emit)
        dialog.open()
        return dialog

    def _wire(self) -> None:
        self.search.returnPressed.connect(self.run_search)
        self.search_button.clicked.connect(self.run_search)
        self.take_next.clicked.connect(self.claim_next)
        self.results.activated.connect(self.open_match)
        self.results.clicked.connect(self.open_match)
        self.mine.activated.connect(self.open_mine)
        self.mine.doubleClicked.connect(self.open_mine)
        self.worker.online_changed.connect(self.on_online)
        self.worker.busy_changed.connect(self.busy.set_busy)
        self.feed.changed.connect(self.on_changes)
        self.feed.resync.connect(self.refresh_all)
        self.customer.status_message.connect(lambda text: self.statusBar().showMessage(text, 5000))
        if self.triage is not None:
            self.triage.status_message.connect(
                lambda text: self.statusBar().showMessage(text, 8000)
            )
            self.triage.open_customer.connect(self.open_customer_from_workspace)
        self.notices.announced.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.heartbeat_timer = QTimer(self)
        self.heartbeat_timer.setInterval(HEARTBEAT_MS)
        self.heartbeat_timer.timeout.connect(self.heartbeat)
        self._mine_timer = QTimer(self)
        self._mine_timer.setSingleShot(True)
        self._mine_timer.setInterval(200)
        self._mine_timer.timeout.connect(self.reload_mine)

    def start(self) -> None:
        """Begin following the backend: the feed, notices, my callbacks, heartbeats."""
        self.feed.start()
        self.heartbeat_timer.start()
        self.notices.reload()
        self.reload_mine()
        if self.triage is not None:
            self.triage.start()
        if self.messages is not None:
            self.messages.status_message.connect(
                lambda text: self.statusBar().showMessage(text, 8000)
            )
            self.messages.reload()
        if self.board is not None:
            self.board.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            self.board.reload()
        if self.reasons is not None:
            self.reasons.status_message.connect(
                lambda text: self.statusBar().showMessage(text, 8000)
            )
            self.reasons.open_customer.connect(self.open_customer_from_workspace)
            self.reasons.start()
        self.load_reasons()

    @asyncSlot()
    async def open_customer_from_workspace(self, customer_id: int) -> None:
        self.workspaces.setCurrentIndex(0)
        await self.customer.open(customer_id)

    async def stop(self) -> None:
        if alive(self):
            for timer in (self.heartbeat_timer, self._mine_timer, self.customer._reload_timer):
                timer.stop()
            if self.reasons is not None:
                self.reasons.stop()
            await self.customer.leave()  # no longer shown on that customer's screens
        await self.feed.stop()

    # --- search ------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    @asyncSlot()
    async def run_search(self) -> None:
        text = self.search.text().strip()
        if not text:
            return
        kind = self.kind.currentData()
        self.search_error.hide()
        try:
            body = await self.worker.call(self.client.search, text, kind)
        except BackendUnavailable:
            self.show_search_error(
                self.tr("The backend cannot be reached; try again when it is back.")
            )
            return
        except ApiError as exc:
            self.show_search_error(labels.refusal(exc.message, exc.details))
            self.results_model.set_matches([])
            return
        if not alive(self):
            return
        matches = body["matches"]
        self.results_model.set_matches(matches)
        self.side.setCurrentWidget(self.results)
        if not matches:
            self.show_search_error(self.tr("No customer matches %1.").replace("%1", text))
        elif len({m["customer_id"] for m in matches}) == 1:
            await self.customer.open(matches[0]["customer_id"])

    def show_search_error(self, text: str) -> None:
        self.search_error.setText(text)
        self.search_error.show()

    @asyncSlot()
    async def open_match(self, index: Any) -> None:
        match = index.data(ROW_ROLE)
        if match:
            await self.customer.open(match["customer_id"])

    # --- callbacks ---------------------------------------------------------------------

    @asyncSlot()
    async def claim_next(self) -> None:
        if not self.worker.online:
            return
        try:
            claimed = await self.worker.call(self.client.claim_next)
        except BackendUnavailable:
            return
        except ApiError as exc:
            self.statusBar().showMessage(exc.message, 8000)
            return
        if claimed is None:
            self.statusBar().showMessage(self.tr("No callback is due right now."), 5000)
            return
        self.statusBar().showMessage(
            self.tr("Callback #%1 is yours: %2")
            .replace("%1", str(claimed["id"]))
            .replace("%2", labels.topic(claimed["topic"])),
            8000,
        )
        await self.customer.open(claimed["customer_id"], focus_callback=claimed["id"])
        await self._reload_mine()

    def show_mine(self) -> None:
        self.side.setCurrentWidget(self.mine)
        self.mine.setFocus()
        self.reload_mine()

    @asyncSlot()
    async def reload_mine(self) -> None:
        await self._reload_mine()

    async def _reload_mine(self) -> None:
        try:
            body = await self.worker.call(self.client.my_callbacks)
        except (BackendUnavailable, ApiError):
            return
        if alive(self):
            self.mine_model.set_rows(body["callbacks"])

    @asyncSlot()
    async def open_mine(self, index: Any) -> None:
        row = self.mine_model.row(index)
        if row:
            await self.customer.open(row["customer_id"], focus_callback=row["id"])

    @asyncSlot()
    async def heartbeat(self) -> None:
        me = (self.client.user or {}).get("username")
        for cb in list(self.mine_model.rows):
            if cb["status"] == "claimed" and cb.get("claimed_by") == me:
                try:
                    await self.worker.call(self.client.heartbeat, cb["id"])
                except ApiError as exc:
                    self.statusBar().showMessage(exc.message, 10000)
                    self._mine_timer.start()
                except BackendUnavailable:
                    return

    # --- live --------------------------------------------------------------------------

    def on_changes(self, changes: list[dict[str, Any]]) -> None:
        current = self.customer.customer_id
        kinds = {c["kind"] for c in changes}
        mine = [c for c in changes if current is not None and c.get("customer_id") == current]
        # Someone arriving or leaving changes only the presence strip, not the whole screen.
        notices_moved = current is not None and "notice" in kinds  # the caller's line
        if notices_moved or any(c["kind"] != "presence" for c in mine):
            self.customer.schedule_reload()
        elif mine:
            self.customer.refresh_presence()
        if kinds & {"notice", "notice_ack"}:
            self.notices.reload()
        if self.messages is not None and kinds & {"notice", "campaign", "message"}:
            self.messages.reload()
        if "callback" in kinds:
            self._mine_timer.start()
            if self.board is not None:
                self.board.schedule_reload()
            if self.triage is not None:
                self.triage.schedule_topics()
        if self.triage is not None and kinds & {"order", "contradiction"}:
            self.triage.refresh_side()
        if self.triage is not None and "order" in kinds:
            self.triage.orders_changed()
        if self.reasons is not None and kinds & {"note", "contact_reason"}:
            self.reasons.schedule_reload()
        if "contact_reason" in kinds:
            self.load_reasons()

    @asyncSlot()
    async def load_reasons(self) -> None:
        """The contact reasons a note is logged with (a lead may extend the list)."""
        try:
            body = await self.worker.call(self.client.contact_reasons)
        except (BackendUnavailable, ApiError):
            return  # the built-in list stays on offer
        if alive(self):
            self.customer.set_reasons(body["reasons"])

    def on_online(self, online: bool) -> None:
        self._show_connection(online)
        self.customer.set_online(online)
        self.take_next.setEnabled(online)
        self.next_action.setEnabled(online)
        if online:
            self.offline.hide()
            self.refresh_all()
        else:
            shown = timefmt.clock((self.customer.data or {}).get("as_of"))
            self.offline.say(
                self.tr(
                    "The backend cannot be reached. What you see is as of %1 and may be out of date; "
                    "actions are disabled. Reconnecting by itself — notes you add are kept and sent when it is back."
                ).replace("%1", shown)
            )

    def _show_connection(self, online: bool) -> None:
        self.connection.setText(self.tr("● online") if online else self.tr("● offline"))
        self.connection.setProperty("online", online)

    @asyncSlot()
    async def refresh_all(self) -> None:
        if self.customer.pending_notes:
            await self.customer.flush_pending()
        else:
            await self.customer.reload()
        self.notices.reload()
        await self._reload_mine()

    def closeEvent(self, event: Any) -> None:
        self.heartbeat_timer.stop()
        self.feed.cancel()
        self.customer.presence.leave_on_close()
        super().closeEvent(event)
