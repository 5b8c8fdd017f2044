"""The login window: backend URL, user name, password; demo accounts as a hint on the
embedded default only; the settings (language, theme, font size, backend URL) before
anyone logs in."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from console import settings
from console.client import ApiError, BackendClient, BackendUnavailable
from console.worker import Worker
from views.settings import SettingsDialog

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
        self.setObjectName("login")
        self.demo_accounts = demo_accounts
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

        self.title = QLabel()
        self.title.setObjectName("title")
        self.url_label, self.username_label, self.password_label = QLabel(), QLabel(), QLabel()
        form = QFormLayout()
        form.addRow(self.url_label, self.url)
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        # The embedded default's URL is fixed; hiding it avoids a newcomer's confusion.
        self._show_url(backend_url is None or demo_accounts is None)

        # Not a standard button: a language change would reset its text to Qt's "OK".
        self.login_button = QPushButton()
        self.login_button.setObjectName("login-button")
        self.buttons = QDialogButtonBox()
        self.buttons.addButton(self.login_button, QDialogButtonBox.ButtonRole.AcceptRole)
        # Return in either field logs in; the dialog's own default-button handling would
        # fire a second time, so the button is not a default button.
        self.login_button.setAutoDefault(False)
        self.login_button.setDefault(False)
        self.login_button.clicked.connect(self.submit)
        self.settings_button = QPushButton()
        self.settings_button.setObjectName("login-settings")
        self.settings_button.setAutoDefault(False)
        self.settings_button.clicked.connect(self.open_settings)
        self.buttons.addButton(self.settings_button, QDialogButtonBox.ButtonRole.ResetRole)
        QShortcut(QKeySequence("Ctrl+,"), self, activated=self.open_settings)
        self.username.returnPressed.connect(self.submit)
        self.password.returnPressed.connect(self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.hint: QLabel | None = None
        if demo_accounts:
            self.hint = QLabel()
            self.hint.setObjectName("demo-hint")
            layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.url, self.username)
        self.setTabOrder(self.username, self.password)
        (self.password if self.username.text() else self.username).setFocus()
        self.retranslate()
        self.client: BackendClient | None = None

    def retranslate(self) -> None:
        """Every text in the current language (again after a language change)."""
        self.setWindowTitle(self.tr("Launchdesk — log in"))
        self.title.setText(self.tr("Launchdesk"))
        self.url_label.setText(self.tr("Backend"))
        self.username_label.setText(self.tr("User name"))
        self.password_label.setText(self.tr("Password"))
        self.login_button.setText(self.tr("Log in"))
        self.settings_button.setText(self.tr("Settings…"))
        self.settings_button.setToolTip(self.tr("Language, theme, font size, backend (Ctrl+,)"))
        if self.hint is not None and self.demo_accounts:
            self.hint.setText(
                self.tr("Demo accounts (embedded demo only):")
                + "\n"
                + "\n".join(
                    f"  {user} / {password}"
                    for user, password in self.demo_accounts.items()
                    if not user.startswith("integration")
                )
            )
        self.error.hide()  # a message from before is in the other language

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _show_url(self, visible: bool) -> None:
        self.url.setVisible(visible)
        self.url_label.setVisible(visible)

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self)
        dialog.backend_url_changed.connect(self.use_backend)
        dialog.open()
        return dialog

    def use_backend(self, url: str) -> None:
        """A backend chosen in the settings: shown, and used by this login."""
        self.url.setText(url)
        self._show_url(True)
        if self.hint is not None:
            self.hint.hide()  # the demo accounts belong to the embedded backend only

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
