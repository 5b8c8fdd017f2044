"""Console-side figures, measured on the real console offscreen (run as a process of its own).

python -m tests.perf.console_probe startup --backend URL --t0 EPOCH
    main.py's own path (services.cli.main -> console.app.run_console) until the login
    window is on screen; prints the seconds since t0 (taken by the parent just before
    it started this process).
python -m tests.perf.console_probe bare --t0 EPOCH
    the floor: a bare Qt window from a fresh interpreter.
python -m tests.perf.console_probe stall --backend URL --username U --password-stdin Q...
    the agent desk searching for each Q (each opens one customer); a 10 ms timer on the
    GUI thread records how late it fires; prints the lateness figures as JSON.
python -m tests.perf.console_probe memory --backend URL --username LEAD --password-stdin
    the lead's desk with its triage list: resident memory before the desk, with the
    list's first page shown (its total counted), and after scrolling ten pages on.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _when_shown(widget, then) -> None:
    from PySide6.QtCore import QTimer

    def check() -> None:
        handle = widget.windowHandle()
        if widget.isVisible() and handle is not None and handle.isExposed():
            then()
        else:
            QTimer.singleShot(1, check)

    QTimer.singleShot(0, check)


def startup(backend: str, t0: float) -> None:
    from PySide6.QtWidgets import QApplication

    import console.app as console_app

    original = console_app.Controller.show_login

    def show_login(self):
        window = original(self)

        def shown() -> None:
            print(json.dumps({"seconds": time.time() - t0}), flush=True)
            QApplication.instance().quit()

        _when_shown(window, shown)
        return window

    console_app.Controller.show_login = show_login
    from services.cli import main

    main(["--backend", backend])


def bare(t0: float) -> None:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv[:1])
    label = QLabel("Launchdesk")
    label.show()

    def shown() -> None:
        print(json.dumps({"seconds": time.time() - t0}), flush=True)
        app.quit()

    _when_shown(label, shown)
    app.exec()


def stall(backend: str, username: str, password: str, queries: list[str]) -> None:
    import asyncio
    import gc

    import qasync
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from console.app import prepare_application
    from console.client import BackendClient
    from console.worker import Worker
    from tests.support.stall import StallProbe
    from views.desk import AgentDesk

    app = prepare_application([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    client = BackendClient(backend)
    client.login(username, password)
    worker = Worker()
    desk = AgentDesk(client, worker)
    desk.show()
    desk.start()
    per_query: list[float] = []
    probe = StallProbe()
    lateness = probe.lateness

    async def drive() -> None:
        await asyncio.sleep(1.0)  # let start-up requests (notices, my callbacks) settle
        gc.collect()
        gc.freeze()  # as console.app does after start-up
        probe.start()
        await asyncio.sleep(0.05)
        lateness.clear()
        for text in queries:
            desk.customer.customer_id = desk.customer.data = None
            desk.search.setText(text)
            began = time.monotonic()
            QTest.keyClick(desk.search, Qt.Key.Key_Return)
            while desk.customer.data is None or desk.customer.customer_id is None:
                if time.monotonic() - began > 15:
                    raise RuntimeError(f"search for {text!r} did not open a customer")
                await asyncio.sleep(0.005)
            per_query.append(time.monotonic() - began)
            await asyncio.sleep(0.1)
        probe.stop()
        await desk.stop()

    with loop:
        loop.run_until_complete(drive())
    worker.shutdown()
    print(
        json.dumps(
            {
                "lateness_ms": [round(x * 1000, 2) for x in lateness],
                "search_to_screen_ms": [round(x * 1000, 1) for x in per_query],
            }
        ),
        flush=True,
    )


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def memory(backend: str, username: str, password: str, pages: int = 10) -> None:
    import asyncio
    import gc

    import qasync

    from console.app import prepare_application
    from console.client import BackendClient
    from console.worker import Worker
    from views.desk import AgentDesk

    app = prepare_application([sys.argv[0]])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    worker = Worker()
    out: dict[str, float] = {}

    async def drive() -> None:
        client = BackendClient(backend)
        client.login(username, password)
        gc.collect()
        out["before_desk_mib"] = _rss_mib()
        desk = AgentDesk(client, worker)
        desk.show()
        desk.start()
        triage = desk.triage
        if triage is None:
            raise RuntimeError(f"{username} has no triage workspace")
        desk.workspaces.setCurrentWidget(triage)
        began = time.monotonic()
        while triage.model.total == 0 or not triage.model.rows:
            if time.monotonic() - began > 60:
                raise RuntimeError("the triage list did not load")
            await asyncio.sleep(0.01)
        out["first_page_s"] = time.monotonic() - began
        await asyncio.sleep(1.0)  # the side panels (aging chart, contradictions)
        gc.collect()
        out["total_rows"] = triage.model.total
        out["with_list_mib"] = _rss_mib()
        bar = triage.table.verticalScrollBar()
        page = len(triage.model.rows)
        target = min(triage.model.total, page * (pages + 1))
        began = time.monotonic()
        while len(triage.model.rows) < target:  # the view asks for the next page at the end
            if time.monotonic() - began > 120:
                raise RuntimeError("scrolling did not load the next pages")
            bar.setValue(bar.maximum())
            await asyncio.sleep(0.02)
        gc.collect()
        out["rows_loaded"] = len(triage.model.rows)
        out["scrolled_mib"] = _rss_mib()
        await desk.stop()

    with loop:
        loop.run_until_complete(drive())
    worker.shutdown()
    print(json.dumps(out), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("startup")
    p.add_argument("--backend", required=True)
    p.add_argument("--t0", type=float, required=True)
    p = sub.add_parser("bare")
    p.add_argument("--t0", type=float, required=True)
    p = sub.add_parser("stall")
    p.add_argument("--backend", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true", required=True)
    p.add_argument("queries", nargs="+")
    p = sub.add_parser("memory")
    p.add_argument("--backend", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--password-stdin", action="store_true", required=True)
    args = parser.parse_args()
    if args.what == "startup":
        startup(args.backend, args.t0)
    elif args.what == "bare":
        bare(args.t0)
    elif args.what == "memory":
        memory(args.backend, args.username, sys.stdin.readline().rstrip("\n"))
    else:
        stall(args.backend, args.username, sys.stdin.readline().rstrip("\n"), args.queries)


if __name__ == "__main__":
    main()
    # What was measured is printed; Qt objects torn down at interpreter exit can crash
    # PySide6 (a refcount bug at finalization), which is not what is being measured.
    sys.stdout.flush()
    os._exit(0)
