"""The command line of main.py (SPEC: "How it runs")."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from services.config import DEFAULT_PORT, embedded_database_url, resolve_database_url
from services.errors import DomainError

DEMO_INTEGRATION = ("integration1", "integration1-demo")


class CliError(Exception):
    pass


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparseable URL>"


def _read_password(args: argparse.Namespace) -> str:
    if not getattr(args, "password_stdin", False):
        raise CliError("the password is read from standard input: pass --password-stdin")
    line = sys.stdin.readline()
    if not line:
        raise CliError("no password on standard input")
    return line.rstrip("\r\n")


def _database(args: argparse.Namespace):
    from services.db import Database
    from services.migrate import upgrade

    url = resolve_database_url(getattr(args, "database_url", None))
    try:
        db = Database(url, pool_size=4)
        upgrade(db.engine)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except OperationalError as exc:
        raise CliError(
            f"cannot reach the database at {_safe_url(url)}: {str(exc.orig).strip().splitlines()[0]}"
        ) from None
    return db


# --- commands --------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from services.migrate import current

    db = _database(args)
    print(f"database {_safe_url(db.url)} is at revision {current(db.engine)} (head)")
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from services import accounts

    db = _database(args)
    with db.write() as s:
        if args.user_command == "add":
            password = _read_password(args)
            user = accounts.add_user(
                s,
                username=args.name,
                role=args.role,
                password=password,
                display_name=args.display_name,
                actor="cli",
            )
            print(f"added {user.username} ({user.role})")
        elif args.user_command == "set-role":
            user = accounts.set_role(s, username=args.name, role=args.role, actor="cli")
            print(f"{user.username} is now {user.role}")
        elif args.user_command == "reset-password":
            password = _read_password(args)
            accounts.reset_password(s, username=args.name, password=password, actor="cli")
            print(f"password of {args.name} reset; their sessions were ended")
        elif args.user_command == "disable":
            accounts.set_disabled(s, username=args.name, disabled=True, actor="cli")
            print(f"{args.name} disabled; their sessions were ended")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from services.seed import seed_launch

    db = _database(args)
    start = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"  {done:,}/{total:,} customers ({time.monotonic() - start:.0f} s)", file=sys.stderr)

    try:
        report = seed_launch(db, customers=args.customers, seed=args.seed, progress=progress)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(_report_json(report), ensure_ascii=False, indent=2, default=str))
    return 0


def _report_json(report: object) -> object:
    from dataclasses import asdict, is_dataclass

    return asdict(report) if is_dataclass(report) else report  # type: ignore[arg-type]


def _login(backend: str, username: str, password: str) -> str:
    import requests

    try:
        resp = requests.post(
            f"{backend}/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=10,
        )
    except requests.RequestException as exc:
        raise CliError(f"cannot reach the backend at {backend}: {type(exc).__name__}") from None
    if resp.status_code != 200:
        raise CliError(f"login as {username} refused: {resp.text[:200]}")
    return str(resp.json()["token"])


def _ingest_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return _read_password(args)
    if os.environ.get("LAUNCHDESK_PASSWORD"):
        return os.environ["LAUNCHDESK_PASSWORD"]
    if args.username == DEMO_INTEGRATION[0]:
        return DEMO_INTEGRATION[1]
    raise CliError(
        "give the integration account's password with --password-stdin or LAUNCHDESK_PASSWORD"
    )


def cmd_simulate(args: argparse.Namespace) -> int:
    from services import simulate

    if args.rate <= 0:
        raise CliError("--rate must be a positive number of events per second")
    password = _ingest_password(args)
    _login(args.backend, args.username, password)  # fail fast with a clear message
    sent = simulate.run(
        args.backend.rstrip("/"),
        rate=args.rate,
        username=args.username,
        password=password,
        duration=args.duration,
        seed=args.seed,
    )
    print(f"posted {sent} events")
    return 0


def _event_lines(path: Path) -> Iterator[tuple[int, object]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CliError(f"{path}:{number}: not a JSON line ({exc.msg})") from None


def cmd_ingest(args: argparse.Namespace) -> int:
    import requests

    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    backend = args.backend.rstrip("/")
    token = _login(backend, args.username, _ingest_password(args))
    totals: dict[str, int] = {}
    batch: list[object] = []

    def post() -> None:
        for attempt in range(5):
            try:
                resp = requests.post(
                    f"{backend}/api/v1/ingest/events",
                    json={"events": batch},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )
            except requests.RequestException:
                time.sleep(2**attempt)
                continue
            if resp.status_code >= 500:
                time.sleep(2**attempt)
                continue
            if resp.status_code != 200:
                raise CliError(f"the backend refused a batch: {resp.status_code} {resp.text[:300]}")
            for result in resp.json()["results"]:
                totals[result["result"]] = totals.get(result["result"], 0) + 1
                if result["result"] == "rejected":
                    print(
                        f"rejected {result.get('source')}/{result.get('event_id')}: {result.get('error')}",
                        file=sys.stderr,
                    )
            return
        raise CliError(f"the backend at {backend} did not take a batch after 5 tries")

    for _number, event in _event_lines(path):
        batch.append(event)
        if len(batch) >= args.batch:
            post()
            batch.clear()
    if batch:
        post()
    print(json.dumps(totals))
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """Deliver queued messages (serve runs one of these itself; more may run beside it)."""
    from services.outbox import Outbox

    db = _database(args)
    gateway = args.gateway or os.environ.get("LAUNCHDESK_SMS_GATEWAY_URL") or None
    outbox = Outbox(db, gateway)
    if args.once:
        print(f"delivered {outbox.run_once()} message(s)")
        return 0
    with contextlib.suppress(KeyboardInterrupt):
        outbox.run_forever()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from services.server import serve

    url = resolve_database_url(args.database_url)
    _database(args).dispose()  # reachable and at head, or a clear error now
    serve(url, host=args.host, port=args.port, workers=args.workers)
    return 0


def cmd_embedded(args: argparse.Namespace) -> int:
    """No arguments: the embedded default (SQLite, demo launch, slow simulator)."""
    from services import simulate
    from services.models import Customer
    from services.seed import seed_demo
    from services.server import ThreadedServer

    args.database_url = embedded_database_url()
    db = _database(args)
    with db.read() as s:
        fresh = (s.scalar(select(func.count()).select_from(Customer)) or 0) == 0
    if fresh:
        print("first start: creating the demo launch …", file=sys.stderr)
        accounts = seed_demo(db)
    else:
        from services.seed import demo_passwords

        accounts = demo_passwords()
    server = ThreadedServer(db, port=_embedded_port()).start()
    stop = threading.Event()
    sim = threading.Thread(
        target=simulate.run,
        kwargs={
            "backend": server.url,
            "rate": args.simulate_rate,
            "username": DEMO_INTEGRATION[0],
            "password": DEMO_INTEGRATION[1],
            "stop": stop,
            "log": lambda _line: None,
        },
        name="simulator",
        daemon=True,
    )
    sim.start()
    print(f"Launchdesk backend (embedded) on {server.url}  —  data in {db.url}")
    from console.app import run_console

    try:
        code = run_console(server.url, embedded_accounts=accounts)
    finally:
        stop.set()
        server.stop()
    return code


def _embedded_port() -> int:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", DEFAULT_PORT))
            return DEFAULT_PORT
        except OSError:
            return 0  # taken (another install running): any free port


def cmd_console(args: argparse.Namespace) -> int:
    from console.app import run_console

    backend = args.backend.rstrip("/")
    if not backend.startswith(("http://", "https://")):
        raise CliError(f"--backend must be an http:// or https:// URL; received {backend!r}")
    return int(run_console(backend))


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py", description="Launchdesk: launch-day operations console"
    )
    parser.add_argument(
        "--backend", metavar="URL", help="open the console against a running server"
    )
    parser.add_argument("--simulate-rate", type=float, default=2.0, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--database-url",
            metavar="URL",
            help="database (default: $LAUNCHDESK_DATABASE_URL, else the embedded SQLite file)",
        )
        return p

    p = with_db(sub.add_parser("serve", help="run the shared backend (migrates first)"))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=cmd_serve)

    with_db(sub.add_parser("migrate", help="bring the database to head")).set_defaults(
        func=cmd_migrate
    )

    p = with_db(sub.add_parser("outbox", help="deliver queued SMS to the gateway"))
    p.add_argument(
        "--gateway",
        metavar="URL",
        help="SMS gateway (default: $LAUNCHDESK_SMS_GATEWAY_URL; none: record locally)",
    )
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.set_defaults(func=cmd_outbox)

    user = sub.add_parser("user", help="manage accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    p = with_db(user_sub.add_parser("add", help="add an account"))
    p.add_argument("name")
    p.add_argument(
        "--role", required=True, choices=("agent", "lead", "supervisor", "admin", "integration")
    )
    p.add_argument("--display-name")
    p.add_argument("--password-stdin", action="store_true", required=True)
    p = with_db(user_sub.add_parser("set-role", help="change an account's role"))
    p.add_argument("name")
    p.add_argument("role", choices=("agent", "lead", "supervisor", "admin", "integration"))
    p = with_db(user_sub.add_parser("reset-password", help="set a new password"))
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", required=True)
    p = with_db(user_sub.add_parser("disable", help="disable an account"))
    p.add_argument("name")
    user.set_defaults(func=cmd_user)

    p = with_db(sub.add_parser("seed", help="a deterministic launch data set"))
    p.add_argument("--customers", type=_positive_int, required=True)
    p.add_argument("--seed", type=int, default=2026)
    p.set_defaults(func=cmd_seed)

    for name, helptext in (
        ("simulate", "play a launch day over HTTP"),
        ("ingest", "post a JSON-lines file of events"),
    ):
        p = sub.add_parser(name, help=helptext)
        if name == "ingest":
            p.add_argument("file")
            p.add_argument("--batch", type=_batch_size, default=500)
        else:
            p.add_argument("--rate", type=float, required=True, help="events per second")
            p.add_argument("--duration", type=float, help="seconds (default: until Ctrl+C)")
            p.add_argument("--seed", type=int, default=7)
        p.add_argument("--backend", required=True, metavar="URL")
        p.add_argument("--username", default=DEMO_INTEGRATION[0], help="an integration account")
        p.add_argument("--password-stdin", action="store_true")
        p.set_defaults(func=cmd_simulate if name == "simulate" else cmd_ingest)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, received {value}")
    return value


def _batch_size(text: str) -> int:
    value = _positive_int(text)
    if value > 1000:
        raise argparse.ArgumentTypeError("a batch holds at most 1000 events")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("launchdesk").setLevel(logging.INFO)
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return cmd_console(args) if args.backend else cmd_embedded(args)
        return int(args.func(args))
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(
            f"error: the database is not reachable: {str(exc.orig).strip().splitlines()[0]}",
            file=sys.stderr,
        )
        return 1
    except SQLAlchemyError as exc:
        print(f"error: database error: {type(exc).__name__}", file=sys.stderr)
        return 1
