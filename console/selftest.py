"""`main.py --self-test`: prove a build works end to end, then exit.

Starts the embedded backend (a demo launch in a temporary data directory unless
--data-dir says otherwise), opens the login window, logs in as a demo agent through the
real backend client, waits for the desk to render and load, takes the next callback,
logs out and exits 0. Any failure prints what failed and exits non-zero; a watchdog
bounds the whole run, so a hung build never hangs the pipeline that checks it.

It joins the backend and the console in one process on purpose, as the embedded default
does (services/cli.py): it checks the shipped bundle, where both live together.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

EXIT_FAILED = 1
EXIT_HUNG = 3
DEMO_AGENT = "agent1"
log = logging.getLogger("launchdesk.selftest")


class SelfTestFailure(Exception):
    pass


def _process_age() -> float:
    """Seconds since this process started (the bundle's unpacking and imports included)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.monotonic() - _STARTED


_STARTED = time.monotonic()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="main.py --self-test",
        description="start the embedded backend and the console, log in as a demo agent, exit",
    )
    parser.add_argument("--self-test", action="store_true", required=True)
    parser.add_argument(
        "--data-dir", metavar="DIR", help="data directory to use (default: a temporary one)"
    )
    parser.add_argument(
        "--timeout", type=float, default=90.0, help="seconds before the self-test gives up"
    )
    parser.add_argument("--customers", type=int, default=500, help=argparse.SUPPRESS)
    return parser.parse_args(list(argv))


def main(argv: Sequence[str]) -> int:
    args = _parse(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # A watchdog outside the event loop: a deadlock in Qt or the backend still ends the run.
    watchdog = threading.Timer(args.timeout + 15, _hung, args=(args.timeout + 15,))
    watchdog.daemon = True
    watchdog.start()
    with tempfile.TemporaryDirectory(prefix="launchdesk-selftest-") as scratch:
        data_dir = Path(args.data_dir) if args.data_dir else Path(scratch)
        try:
            timings = _run(data_dir, timeout=args.timeout, customers=args.customers)
        except SelfTestFailure as exc:
            print(f"self-test FAILED: {exc}", file=sys.stderr)
            return EXIT_FAILED
        except Exception as exc:
            log.exception("self-test crashed")
            print(f"self-test FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
            return EXIT_FAILED
        finally:
            watchdog.cancel()
    print(
        "self-test passed: "
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
    )
    return 0


def _hung(after: float) -> None:
    print(f"self-test FAILED: still running after {after:.0f} s", file=sys.stderr, flush=True)
    os._exit(EXIT_HUNG)


def _run(data_dir: Path, *, timeout: float, customers: int) -> dict[str, float]:
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["LAUNCHDESK_DATA_DIR"] = str(data_dir)
    timings: dict[str, float] = {"started": _process_age()}
    from PySide6.QtCore import QSettings

    # The user's own console settings are never read or changed by a self-test.
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(data_dir))
    server, db, accounts = _start_backend(data_dir, customers)
    timings["backend up"] = _process_age()
    try:
        _run_console(server.url, accounts, timeout=timeout, timings=timings)
    finally:
        server.stop()
        db.dispose()
    return timings


def _start_backend(data_dir: Path, customers: int) -> tuple[Any, Any, dict[str, str]]:
    from sqlalchemy import func, select

    from services.db import Database
    from services.migrate import upgrade
    from services.models import Customer
    from services.seed import demo_passwords, seed_demo
    from services.server import ThreadedServer

    db = Database(f"sqlite:///{data_dir / 'launchdesk.sqlite3'}")
    upgrade(db.engine)  # the migrations are read from files: proves they were shipped
    with db.read() as s:
        empty = (s.scalar(select(func.count()).select_from(Customer)) or 0) == 0
    accounts = seed_demo(db, customers=customers) if empty else demo_passwords()
    return ThreadedServer(db).start(), db, accounts


def _run_console(
    backend_url: str, accounts: dict[str, str], *, timeout: float, timings: dict[str, float]
) -> None:
    import qasync
    from PySide6.QtCore import QCoreApplication

    from console import resources
    from console.app import Controller, prepare_application
    from console.worker import Worker

    errors: list[str] = []

    def record(exc_type: type[BaseException], exc: BaseException, _tb: Any) -> None:
        log.error("uncaught error", exc_info=(exc_type, exc, _tb))
        errors.append(f"{exc_type.__name__}: {exc}")

    sys.excepthook = record
    app = prepare_application([sys.argv[0]])
    app.setQuitOnLastWindowClosed(False)  # the login closes before the desk opens
    if "Nanum" not in app.font().family():
        raise SelfTestFailure(
            f"the shipped Korean font did not load (font is {app.font().family()!r}; "
            f"looked in {resources.resources_dir() / 'fonts'})"
        )
    if QCoreApplication.translate("AgentDesk", "Take next callback") == "Take next callback":
        raise SelfTestFailure("the Korean translation did not load")
    if not resources.stylesheet() or not resources.stylesheet("dark"):
        raise SelfTestFailure("a style sheet is missing")
    if app.windowIcon().isNull():
        raise SelfTestFailure("the window icon is missing")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    worker = Worker()
    # A short change-feed poll: the backend stops without waiting out a 20 s long poll.
    controller = Controller(
        app, worker, backend_url=backend_url, demo_accounts=accounts, feed_wait=1.0
    )
    try:
        with loop:
            loop.set_exception_handler(
                lambda _loop, context: errors.append(str(context.get("exception") or context))
            )
            loop.run_until_complete(
                asyncio.wait_for(_drive(controller, accounts, timings, errors), timeout)
            )
    except TimeoutError:
        raise SelfTestFailure(
            f"did not finish within {timeout:.0f} s (reached: {', '.join(timings) or 'nothing'})"
        ) from None
    finally:
        worker.shutdown()
    if errors:
        raise SelfTestFailure("uncaught error(s): " + "; ".join(errors))


async def _until(what: str, ready: Callable[[], bool], errors: list[str], within: float) -> None:
    deadline = time.monotonic() + within
    while not ready():
        if errors:
            raise SelfTestFailure(f"while waiting for {what}: {errors[0]}")
        if time.monotonic() > deadline:
            raise SelfTestFailure(f"{what} did not happen within {within:.0f} s")
        await asyncio.sleep(0.02)


async def _drive(
    controller: Any, accounts: dict[str, str], timings: dict[str, float], errors: list[str]
) -> None:
    from views.desk import AgentDesk

    login = controller.show_login()
    await _until("the login window to show", login.isVisible, errors, 10)
    timings["login window"] = _process_age()
    login.username.setText(DEMO_AGENT)
    login.password.setText(accounts[DEMO_AGENT])
    login.login_button.click()  # the user's path: the Log in button
    await _until(
        "the desk to open after logging in",
        lambda: controller.desk is not None or login.error.isVisible(),
        errors,
        20,
    )
    if controller.desk is None:
        raise SelfTestFailure(f"login refused: {login.error.text()}")
    desk = controller.desk
    if not isinstance(desk, AgentDesk):
        raise SelfTestFailure(f"{DEMO_AGENT} got {type(desk).__name__}, not the agent desk")
    await _until("the desk to show", desk.isVisible, errors, 10)
    await _until(
        "the official line (the demo's notices) to load",
        lambda: bool(desk.notices.notices),
        errors,
        15,
    )
    timings["desk"] = _process_age()
    await _awaited(desk.claim_next())
    await _until(
        "the claimed callback's customer to open",
        lambda: desk.customer.customer_id is not None and bool(desk.customer.name.text()),
        errors,
        15,
    )
    if not desk.worker.online:
        raise SelfTestFailure("the console marked the backend offline")
    _check_rendered(desk)
    timings["customer open"] = _process_age()
    await _awaited(controller.logout())  # ends the session on the backend, back to login
    await _until("the login window after logging out", _login_shown(controller), errors, 10)
    controller.login.close()


def _login_shown(controller: Any) -> Callable[[], bool]:
    return lambda: (
        controller.desk is None and controller.login is not None and controller.login.isVisible()
    )


async def _awaited(step: Awaitable[Any] | None) -> None:
    if step is not None:
        await step


def _check_rendered(window: Any) -> None:
    """Something was drawn: a real window paints many colours (text, frames, banners)."""
    image = window.grab().toImage()
    if image.isNull() or image.width() < 200 or image.height() < 200:
        raise SelfTestFailure(f"the desk rendered as a {image.width()}x{image.height()} image")
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    if len(colours) < 8:
        raise SelfTestFailure(f"the desk looks blank ({len(colours)} colours on screen)")
