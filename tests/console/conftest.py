"""Console tests: real widgets offscreen, a qasync loop on pytest-qt's QApplication, and a
real backend on loopback."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import qasync
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication

from console import resources
from console.client import BackendClient
from console.worker import Worker
from views.desk import AgentDesk
from views.widgets import alive


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["launchdesk-tests"]


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path) -> None:
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )


@pytest.fixture(autouse=True)
def _leftovers_freed_between_tests(qapp: QApplication) -> Iterator[None]:
    """What a test leaves behind (widgets pytest-qt closed, wrappers held in reference
    cycles) is freed here, between tests, not by whichever garbage collection runs next:
    a widget's wrapper freed while Qt walks every widget (a style sheet being applied, in
    a later test) deletes the widget under it, and the process dies (seen once in CI)."""
    yield
    gc.collect()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    resources.load_fonts(qapp)
    resources.install_language(qapp, "en")
    event_loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)
    # A loop made with already_running=True is closed by its user; qasync offers no
    # public way to mark it stopped without quitting the application.
    event_loop._QEventLoop__is_running = False  # type: ignore[attr-defined]
    event_loop.close()


@pytest.fixture
def make_desk(api, loop, qtbot) -> Iterator[Callable[..., AgentDesk]]:
    desks: list[AgentDesk] = []
    workers: list[Worker] = []

    def make(username: str | None = None, role: str = "agent") -> AgentDesk:
        name = username or api.make_user(role)
        client = BackendClient(api.url)
        client.login(name, "secret-pass-1")
        worker = Worker()
        desk = AgentDesk(client, worker, feed_wait=1.0)
        qtbot.addWidget(desk)
        desk.show()
        desk.start()
        desks.append(desk)
        workers.append(worker)
        return desk

    yield make
    for desk in desks:
        task = asyncio.ensure_future(desk.stop())
        qtbot.waitUntil(task.done, timeout=5000)
        if alive(desk):
            desk.close()
            desk.deleteLater()
    qtbot.wait(50)  # let Qt delete them while the loop is still set
    for worker in workers:
        worker.shutdown()


def run(qtbot, coro, timeout: int = 10_000):
    """Run a coroutine on the qasync loop while Qt keeps processing events."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout)
    return task.result()
