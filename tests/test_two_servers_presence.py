"""Presence across two `main.py serve` processes on one database (SPEC: several serve
processes behave as one), seen by a real second console.

Console A is a process of its own running the console's PresenceKeeper against server 1;
console B is a real agent desk against server 2 with the same customer open. A is seen on
B's screen within 2 s of saying it is there; A is then killed (SIGKILL: no goodbye), and B
drops it within the expiry A asked for. The expiry is shortened to keep the test quick
(the console's default is 45 s, renewed every 15 s); the mechanism is the same.

Runs on PostgreSQL (LAUNCHDESK_TEST_DATABASE=postgresql) and on a shared SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.client import BackendClient
from console.worker import Worker
from services import accounts
from services.db import Database
from tests.console.conftest import _isolated_settings, loop, run  # noqa: F401 (fixtures)
from tests.support.launch import customer_id_for, customer_journey, ingest
from tests.support.serving import Served
from views.desk import AgentDesk

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "secret-pass-1"
TTL = 6  # seconds A's presence lives past its last renewal
RENEW_MS = 2000

CONSOLE_A = textwrap.dedent(
    """
    import asyncio, sys
    import qasync
    from PySide6.QtCore import QCoreApplication
    from console.client import BackendClient
    from console.live import PresenceKeeper
    from console.worker import Worker

    url, user, password, customer, ttl, renew = sys.argv[1:7]
    app = QCoreApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    client = BackendClient(url)
    client.login(user, password)
    worker = Worker()
    keeper = PresenceKeeper(client, worker, renew_ms=int(renew), ttl_seconds=int(ttl))

    async def main():
        await keeper.enter(int(customer))
        print("present", flush=True)
        await asyncio.Event().wait()

    with loop:
        loop.run_until_complete(main())
    """
)


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[Served, Served]]:
    servers = [Served(database_url, tmp_path) for _ in (1, 2)]
    try:
        yield servers[0].wait_ready(), servers[1].wait_ready()
    finally:
        for server in servers:
            server.stop()


@pytest.mark.usefixtures("loop")
def test_presence_is_seen_across_serve_processes_and_lapses_when_a_console_is_killed(
    database_url: str, two_servers: tuple[Served, Served], qtbot, tmp_path: Path
) -> None:
    first, second = two_servers
    db = Database(database_url, pool_size=2)
    try:
        ingest(db, customer_journey(1))
        cid = customer_id_for(db, 1)
        with db.write() as s:
            for name in ("kim.a", "lee.b"):
                accounts.add_user(s, username=name, role="agent", password=PASSWORD)
    finally:
        db.dispose()

    # console B: a real desk on the second server, with the customer open
    client = BackendClient(second.url)
    client.login("lee.b", PASSWORD)
    worker = Worker()
    desk = AgentDesk(client, worker, feed_wait=1.0)
    qtbot.addWidget(desk)
    desk.show()
    desk.start()
    try:
        run(qtbot, desk.customer.open(cid))
        assert desk.customer.others == []

        # console A: its own process, on the first server
        console_a = subprocess.Popen(
            [
                sys.executable,
                "-c",
                CONSOLE_A,
                first.url,
                "kim.a",
                PASSWORD,
                str(cid),
                str(TTL),
                str(RENEW_MS),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=(tmp_path / "console_a.log").open("w"),
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        try:
            assert console_a.stdout is not None
            assert console_a.stdout.readline().strip() == "present", "console A did not start"
            present_at = time.monotonic()
            qtbot.waitUntil(
                lambda: [p["username"] for p in desk.customer.others] == ["kim.a"], timeout=2000
            )
            seen_after = time.monotonic() - present_at
            assert desk.customer.presence_strip.isVisible()
            # a renewal or two later, A is still there (renewals keep it alive)
            qtbot.wait(RENEW_MS + 500)
            assert [p["username"] for p in desk.customer.others] == ["kim.a"]
        finally:
            console_a.send_signal(signal.SIGKILL)  # killed: it never says goodbye
            console_a.wait(10)
        killed_at = time.monotonic()
        qtbot.waitUntil(lambda: desk.customer.others == [], timeout=(TTL + 3) * 1000)
        gone_after = time.monotonic() - killed_at
        assert not desk.customer.presence_strip.isVisible()
        print(
            f"seen after {seen_after:.2f} s; gone {gone_after:.2f} s after the kill (TTL {TTL} s)"
        )
        assert seen_after < 2.0
        assert gone_after <= TTL + 1.0  # the expiry, plus the half second B waits past it
    finally:
        task = asyncio.ensure_future(desk.stop())
        qtbot.waitUntil(task.done, timeout=5000)
        desk.close()
        worker.shutdown()
