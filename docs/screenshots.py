"""Make the README's screenshots from the real console against a real embedded backend.

    QT_QPA_PLATFORM=offscreen python docs/screenshots.py [--lang ko|en]

Seeds a demo launch into a temporary SQLite file, starts the backend on loopback, drives
the console as an agent would, and saves PNGs under docs/screenshots/.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import qasync  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QSplitter, QWidget  # noqa: E402

from console import resources  # noqa: E402
from console.client import BackendClient  # noqa: E402
from console.worker import Worker  # noqa: E402
from services.db import Database  # noqa: E402
from services.migrate import upgrade  # noqa: E402
from services.seed import demo_held_customer, seed_demo  # noqa: E402
from services.server import ThreadedServer  # noqa: E402
from views.admin import AdminWindow  # noqa: E402
from views.desk import AgentDesk  # noqa: E402
from views.login import LoginWindow  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def save(widget: QWidget, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    widget.grab().save(str(path))
    print(f"wrote {path.relative_to(ROOT)}")


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def shoot(app: QApplication, server: ThreadedServer, accounts: dict[str, str], suffix: str) -> None:
    worker = Worker()
    login = LoginWindow(worker, backend_url=server.url, demo_accounts=accounts)
    login.username.setText("agent1")
    login.resize(460, 420)
    login.show()
    await settle(0.3)
    save(login, f"login{suffix}.png")
    login.password.setText(accounts["agent1"])
    login.submit()
    for _ in range(100):
        if login.client is not None:
            break
        await settle(0.05)
    client: BackendClient = login.client  # type: ignore[assignment]
    desk = AgentDesk(client, worker, feed_wait=2.0)
    desk.show()
    desk.start()
    login.close()
    await settle(0.8)
    await desk.claim_next()
    await settle(1.5)
    save(desk, f"agent-desk{suffix}.png")
    # Who else is here, and the line for this caller: the demo customer agent2 holds a
    # callback for, opened by agent1 while agent3 has it open too.
    with server.db.read() as s:
        held = demo_held_customer(s)
    if held is not None:
        viewer = BackendClient(server.url)
        await worker.call(viewer.login, "agent3", accounts["agent3"])
        await worker.call(viewer.touch_presence, held)
        await desk.customer.open(held)
        await settle(1.0)
        save(desk, f"presence{suffix}.png")
        save(desk.customer, f"targeted-notice{suffix}.png")
    for username, tab, name in (
        ("lead1", 1, "lead-triage"),
        ("lead1", 2, "lead-messages"),
        ("supervisor1", 3, "supervisor-board"),
    ):
        other = BackendClient(server.url)
        await worker.call(other.login, username, accounts[username])
        window = AgentDesk(other, worker, feed_wait=2.0)
        window.show()
        window.start()
        window.workspaces.setCurrentIndex(tab)
        await settle(2.5)
        save(window, f"{name}{suffix}.png")
        await window.stop()
        window.close()
    # Callbacks and triage as one loop, contact reasons (issue 9, parts 3 and 4)
    await desk.claim_next()  # the next stuck customer, first by the waiting bonus
    desk.side.setCurrentWidget(desk.mine)
    await desk.reload_mine()
    split = desk.side.parentWidget()
    if isinstance(split, QSplitter):  # room for the stuck-order column
        split.setSizes([700, 620])
    await settle(1.0)
    save(desk, f"callback-stuck{suffix}.png")
    lead_client = BackendClient(server.url)
    await worker.call(lead_client.login, "lead1", accounts["lead1"])
    lead = AgentDesk(lead_client, worker, feed_wait=2.0)
    lead.show()
    lead.start()
    lead.workspaces.setCurrentWidget(lead.reasons)
    await settle(2.0)
    await lead.reasons.show_reason("delivery")
    await settle(0.5)
    save(lead, f"contact-reasons{suffix}.png")
    lead.workspaces.setCurrentWidget(lead.triage)
    lead.triage.tabs.setCurrentIndex(2)
    await settle(1.5)
    lead.triage.topics.selectRow(0)
    await settle(0.3)
    save(lead, f"waiting-for-callback{suffix}.png")
    await lead.stop()
    lead.close()
    admin_client = BackendClient(server.url)
    await worker.call(admin_client.login, "admin1", accounts["admin1"])
    admin = AdminWindow(admin_client, worker)
    admin.show()
    admin.start()
    await settle(1.0)
    save(admin, f"admin-accounts{suffix}.png")
    admin.close()
    server.stop()
    await settle(3.0)
    save(desk, f"offline-banner{suffix}.png")
    await desk.stop()
    desk.close()
    worker.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lang", choices=("ko", "en"), default="ko")
    parser.add_argument("--customers", type=int, default=800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tmp)
        db = Database(f"sqlite:///{tmp}/demo.sqlite3")
        upgrade(db.engine)
        accounts = seed_demo(db, customers=args.customers)
        server = ThreadedServer(db, outbox=False).start()
        app = QApplication.instance() or QApplication(sys.argv)
        app.setQuitOnLastWindowClosed(False)  # the login closes before the desk opens here
        resources.load_fonts(app)
        resources.install_language(app, args.lang)
        app.setStyleSheet(resources.stylesheet())
        loop = qasync.QEventLoop(app)
        asyncio.set_event_loop(loop)
        suffix = "" if args.lang == "ko" else "-en"
        with loop:
            loop.run_until_complete(shoot(app, server, accounts, suffix))
        db.dispose()
    return 0


if __name__ == "__main__":
    from main import leave  # the console's teardown crash, see there

    leave(main())
