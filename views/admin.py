"""The administrator's window: accounts and roles (the backend enforces who may do it)."""

from __future__ import annotations

import secrets

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import labels
from console.client import BackendClient, BackendError
from console.models import RowsModel
from console.worker import Worker
from views.settings import SettingsDialog
from views.widgets import alive

ROLES = ("agent", "lead", "supervisor", "admin", "integration")


class AdminWindow(QMainWindow):
    logout_requested = Signal()
    language_requested = Signal(str)

    def __init__(self, client: BackendClient, worker: Worker) -> None:
        super().__init__()
        self.setObjectName("admin")
        self.client = client
        self.worker = worker
        self.setWindowTitle(self.tr("Launchdesk — accounts"))
        self.users_model = RowsModel(self)
        self.users_model.columns = [
            (self.tr("User name"), lambda r: r["username"]),
            (self.tr("Name"), lambda r: r["display_name"]),
            (
                self.tr("Role"),
                lambda r: labels.role(r["role"]) if r["role"] != "integration" else "integration",
            ),
            (self.tr("Disabled"), lambda r: self.tr("disabled") if r["disabled"] else ""),
        ]
        self.users = QTableView()
        self.users.setObjectName("users")
        self.users.setModel(self.users_model)
        self.users.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.users.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.users.verticalHeader().hide()
        self.users.horizontalHeader().setStretchLastSection(True)
        self.users.clicked.connect(self._pick)

        self.username = QLineEdit()
        self.username.setObjectName("new-username")
        self.display_name = QLineEdit()
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in ROLES:
            self.role.addItem(labels.role(role) if role != "integration" else "integration", role)
        self.password = QLineEdit()
        self.password.setObjectName("new-password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        generate = QPushButton(self.tr("Generate"))
        generate.setToolTip(self.tr("A random password to hand over in person"))
        generate.clicked.connect(self._generate)
        pw_row = QHBoxLayout()
        pw_row.addWidget(self.password, 1)
        pw_row.addWidget(generate)
        form = QFormLayout()
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Name"), self.display_name)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.tr("Password"), pw_row)
        add = QPushButton(self.tr("Add account"))
        add.setObjectName("add-user")
        add.clicked.connect(self.add)
        set_role = QPushButton(self.tr("Set role of selected"))
        set_role.clicked.connect(self.apply_role)
        reset = QPushButton(self.tr("Reset password of selected"))
        reset.clicked.connect(self.reset)
        disable = QPushButton(self.tr("Disable / enable selected"))
        disable.clicked.connect(self.toggle_disabled)
        buttons = QHBoxLayout()
        for b in (add, set_role, reset, disable):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box = QGroupBox(self.tr("Account"))
        box_layout = QVBoxLayout(box)
        box_layout.addLayout(form)
        box_layout.addLayout(buttons)
        self.message = QLabel()
        self.message.setObjectName("admin-message")
        self.message.setWordWrap(True)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.users, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        self.setCentralWidget(central)
        menu = self.menuBar().addMenu(self.tr("&Accounts"))
        settings_action = menu.addAction(self.tr("Settings…"), self.open_settings)
        settings_action.setShortcut("Ctrl+,")
        menu.addAction(self.tr("Log out"), self.logout_requested.emit)
        menu.addAction(self.tr("Quit"), self.close)
        self.resize(900, 640)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self, username=(self.client.user or {}).get("username"))
        # The window is rebuilt in the new language by whoever opened it (console/app.py).
        dialog.language_changed.connect(self.language_requested.emit)
        dialog.open()
        return dialog

    def start(self) -> None:
        self.reload()

    async def stop(self) -> None:
        """Nothing runs in the background here (no change feed: admins see accounts only)."""

    @asyncSlot()
    async def reload(self) -> None:
        try:
            body = await self.worker.call(self.client.users)
        except BackendError as exc:
            self.say(getattr(exc, "message", str(exc)))
            return
        if alive(self):
            keep = self._selected()
            self.users_model.set_rows(body["users"])
            for row, user in enumerate(body["users"]):
                if user["username"] == keep:
                    self.users.selectRow(row)

    def say(self, text: str) -> None:
        self.message.setText(text)

    def _generate(self) -> None:
        self.password.setEchoMode(QLineEdit.EchoMode.Normal)
        self.password.setText(secrets.token_urlsafe(12))

    def _pick(self, index: QModelIndex) -> None:
        row = self.users_model.row(index)
        if row:
            self.username.setText(row["username"])
            self.display_name.setText(row["display_name"])
            self.role.setCurrentIndex(max(0, self.role.findData(row["role"])))

    def _selected(self) -> str | None:
        rows = self.users.selectionModel().selectedRows()
        return self.users_model.rows[rows[0].row()]["username"] if rows else None

    async def _act(self, call: object, done: str) -> None:
        try:
            await self.worker.call(call)  # type: ignore[arg-type]
        except BackendError as exc:
            self.say(getattr(exc, "message", str(exc)))
            return
        self.say(done)
        self.password.clear()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        await self.reload()

    @asyncSlot()
    async def add(self) -> None:
        name, role, pw = self.username.text().strip(), self.role.currentData(), self.password.text()
        display = self.display_name.text().strip() or None
        await self._act(
            lambda: self.client.add_user(name, role, pw, display),
            self.tr("Account %1 added").replace("%1", name),
        )

    @asyncSlot()
    async def apply_role(self) -> None:
        name = self._selected()
        if name:
            role = self.role.currentData()
            await self._act(
                lambda: self.client.set_role(name, role),
                self.tr("%1 is now %2; their sessions were ended")
                .replace("%1", name)
                .replace("%2", role),
            )

    @asyncSlot()
    async def reset(self) -> None:
        name = self._selected()
        if name:
            pw = self.password.text()
            await self._act(
                lambda: self.client.reset_password(name, pw),
                self.tr("Password of %1 reset; their sessions were ended").replace("%1", name),
            )

    @asyncSlot()
    async def toggle_disabled(self) -> None:
        name = self._selected()
        if name:
            row = next(r for r in self.users_model.rows if r["username"] == name)
            await self._act(
                lambda: self.client.set_disabled(name, not row["disabled"]),
                self.tr("%1 updated").replace("%1", name),
            )
