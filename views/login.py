"""The login window: backend URL, user name, password; demo accounts as a hint on the
embedded default only."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import settings
from console.client import ApiError, BackendClient, BackendUnavailable
from console.worker import Worker

CONSOLE_ROLES = ("agent", "lead", "supervisor", "admin")


class LoginWindow(QDialog):
    logged_in = Signal(object)  # the logged-in BackendClient

    def __init__(
        self,
        worker: Worker,
        *,
        backend_url: str | None = None,
        demo_accounts: dict[str, str] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.setWindowTitle(self.tr("Launchdesk — log in"))
        self.setObjectName("login")
        store = settings.store()
        self.url = QLineEdit(backend_url or settings.BACKEND_URL.read(store))
        self.url.setObjectName("backend-url")
        self.username = QLineEdit(settings.LAST_USERNAME.read(store))
        self.username.setObjectName("username")
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setObjectName("login-error")
        self.error.setWordWrap(True)
        self.error.hide()

        title = QLabel(self.tr("Launchdesk"))
        title.setObjectName("title")
        form = QFormLayout()
        form.addRow(self.tr("Backend"), self.url)
        form.addRow(self.tr("User name"), self.username)
        form.addRow(self.tr("Password"), self.password)
        # The embedded default's URL is fixed; hiding it avoids a newcomer's confusion.
        self.url.setVisible(backend_url is None or demo_accounts is None)
        form.labelForField(self.url).setVisible(self.url.isVisibleTo(self))

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Log in"))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # Return in either field logs in; the dialog's own default-button handling would
        # fire a second time, so the button is not a default button.
        ok.setAutoDefault(False)
        ok.setDefault(False)
        ok.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.submit)
        self.password.returnPressed.connect(self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        if demo_accounts:
            hint = QLabel(
                self.tr("Demo accounts (embedded demo only):")
                + "\n"
                + "\n".join(
                    f"  {user} / {password}"
                    for user, password in demo_accounts.items()
                    if not user.startswith("integration")
                )
            )
            hint.setObjectName("demo-hint")
            layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.url, self.username)
        self.setTabOrder(self.username, self.password)
        (self.password if self.username.text() else self.username).setFocus()
        self.client: BackendClient | None = None

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    @asyncSlot()
    async def submit(self) -> None:
        url = self.url.text().strip()
        user = self.username.text().strip()
        if not url.startswith(("http://", "https://")):
            self.show_error(self.tr("The backend URL must start with http:// or https://"))
            return
        if not user or not self.password.text():
            self.show_error(self.tr("Enter your user name and password."))
            return
        client = BackendClient(url)
        self.buttons.setEnabled(False)
        try:
            await self.worker.call(client.login, user, self.password.text())
        except BackendUnavailable:
            self.show_error(
                self.tr("The backend at %1 cannot be reached. Check the URL or try again.").replace(
                    "%1", url
                )
            )
            return
        except ApiError as exc:
            self.show_error(exc.message)
            return
        finally:
            self.buttons.setEnabled(True)
        role = (client.user or {}).get("role")
        if role not in CONSOLE_ROLES:
            self.show_error(
                self.tr(
                    "This account (%1) cannot use the console: integration accounts only post events."
                ).replace("%1", role or "?")
            )
            await self.worker.call(client.logout)
            return
        store = settings.store()
        settings.LAST_USERNAME.write(store, user)
        settings.BACKEND_URL.write(store, url)
        self.password.clear()
        self.client = client
        self.logged_in.emit(client)
        self.accept()

    def result_client(self) -> Any:
        return self.client
