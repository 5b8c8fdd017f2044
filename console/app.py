"""Console start-up: Qt, the shipped font, the language, qasync, and the windows."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
import traceback
from typing import Any

import qasync
from PySide6.QtCore import QObject, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox

from console import resources, settings
from console.client import BackendClient
from console.worker import Worker
from views.admin import AdminWindow
from views.desk import AgentDesk
from views.login import LoginWindow
from views.widgets import alive

log = logging.getLogger("launchdesk.console")


def _qt_messages(kind: QtMsgType, _context: Any, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
    }.get(kind, logging.ERROR)
    logging.getLogger("launchdesk.qt").log(level, "%s", message)


def install_error_handlers() -> None:
    """Nothing dies silently: every uncaught error is logged and shown once."""

    def show(exc_type: type[BaseException], exc: BaseException, tb: Any) -> None:
        log.error("uncaught error", exc_info=(exc_type, exc, tb))
        app = QApplication.instance()
        if app is not None and threading.current_thread() is threading.main_thread():
            text = "".join(traceback.format_exception_only(exc_type, exc)).strip()
            QMessageBox.critical(
                None, "Launchdesk", f"An unexpected error occurred and was logged:\n{text}"
            )

    sys.excepthook = show
    threading.excepthook = lambda args: log.error(
        "uncaught error in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
    qInstallMessageHandler(_qt_messages)


def prepare_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setOrganizationName(settings.ORGANISATION)
    app.setApplicationName(settings.APPLICATION)
    app.setWindowIcon(resources.icon())
    resources.apply_preferences(app)  # language, theme and font size as last chosen
    return app


class Controller(QObject):
    """Login, then the desk; logout goes back to login; a language change rebuilds."""

    def __init__(
        self,
        app: QApplication,
        worker: Worker,
        *,
        backend_url: str,
        demo_accounts: dict[str, str] | None = None,
        feed_wait: float = 20.0,
    ) -> None:
        super().__init__()
        self.app = app
        self.worker = worker
        self.backend_url = backend_url
        self.demo_accounts = demo_accounts
        self.embedded_url = backend_url if demo_accounts else None
        self.feed_wait = feed_wait
        self.login: LoginWindow | None = None
        self.desk: AgentDesk | AdminWindow | None = None

    def show_login(self) -> LoginWindow:
        embedded = self.backend_url == self.embedded_url
        old = self.login
        if old is not None and alive(old):
            # Deleted by the event loop now, not when the garbage collector next finds its
            # wrapper: that may be in the middle of Qt walking every widget (a theme being
            # applied), which would delete a widget under Qt's feet.
            old.close()
            old.deleteLater()
        self.login = LoginWindow(
            self.worker,
            backend_url=self.backend_url,
            demo_accounts=self.demo_accounts if embedded else None,
        )
        self.login.logged_in.connect(self.open_desk)
        self.login.show()
        return self.login

    def open_desk(self, client: BackendClient) -> QMainWindow:
        resources.apply_preferences(self.app, (client.user or {}).get("username"))
        if (client.user or {}).get("role") == "admin":
            admin = AdminWindow(client, self.worker)
            admin.logout_requested.connect(self.logout)
            admin.language_requested.connect(self.change_language)
            self.desk = admin
            admin.show()
            admin.start()
            return admin
        return self._open_agent_desk(client)

    def _open_agent_desk(self, client: BackendClient) -> AgentDesk:
        desk = AgentDesk(client, self.worker, feed_wait=self.feed_wait)
        desk.logout_requested.connect(self.logout)
        desk.language_requested.connect(self.change_language)
        desk.show()
        desk.start()
        self.desk = desk
        return desk

    @qasync.asyncSlot()
    async def logout(self) -> None:
        if self.desk is None:
            return
        desk, self.desk = self.desk, None
        await desk.stop()
        try:
            await self.worker.call(desk.client.logout)
        except Exception:  # already gone: the token expires on its own
            log.info("logout could not reach the backend")
        desk.close()
        desk.deleteLater()
        # A backend URL changed in the settings takes effect at this next login.
        self.backend_url = settings.BACKEND_URL.read(settings.store())
        self.show_login()

    @qasync.asyncSlot()
    async def change_language(self, language: str) -> None:
        user = (self.desk.client.user or {}).get("username") if self.desk else None
        settings.LANGUAGE.write(settings.store(), language, user)
        resources.install_language(self.app, language)
        if isinstance(self.desk, AdminWindow):
            admin = self.desk
            await admin.stop()
            self.open_desk(admin.client)
            admin.close()
            admin.deleteLater()
            return
        if not isinstance(self.desk, AgentDesk):
            return
        desk = self.desk
        await desk.stop()
        customer = desk.customer.customer_id
        fresh = self._open_agent_desk(desk.client)
        desk.close()
        desk.deleteLater()
        if customer is not None:
            await fresh.customer.open(customer)


def run_console(
    backend_url: str,
    *,
    embedded_accounts: dict[str, str] | None = None,
    argv: list[str] | None = None,
) -> int:
    install_error_handlers()
    app = prepare_application(argv)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closing = asyncio.Event()
    app.aboutToQuit.connect(closing.set)
    worker = Worker()
    controller = Controller(app, worker, backend_url=backend_url, demo_accounts=embedded_accounts)
    controller.show_login()
    # Everything loaded so far lives as long as the console: keep it out of the cyclic
    # collector's way, so a full collection never stalls the GUI for long.
    gc.collect()
    gc.freeze()
    with loop:
        loop.run_until_complete(closing.wait())
    worker.shutdown()
    return 0
