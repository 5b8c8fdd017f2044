"""Change-feed fan-out: many consoles long-polling one `serve` while commits arrive.

    python tests/perf/fanout.py [--consoles 300] [--seconds 20] [--rate 10] [--workers 2]

Every console (a thread with a session of its own, in client processes of their own)
follows GET /changes as the console's FeedFollower does; a writer adds a note `--rate`
times a second. Printed: polls answered a second, CPU of the serve processes and of
PostgreSQL per answered poll, how late the consoles saw each note, and any note a console
never saw. It works in a PostgreSQL database of its own (`launchdesk_fanout`), made afresh.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

CTX = multiprocessing.get_context("spawn")


def _follow(
    base: str, tokens: list[str], window: tuple[float, float], stop: float, start: int, out: Any
) -> None:
    """One client process: a thread per console, each long-polling until `stop`; the polls
    answered within `window` are counted."""
    seen: list[tuple[str, float]] = []
    polls = [0]
    errors: list[str] = []
    lock = threading.Lock()

    def console(token: str) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        after = start
        mine: list[tuple[str, float]] = []
        count = 0
        while time.time() < stop:
            try:
                resp = http.get(base + "/changes", params={"after": after, "wait": 5}, timeout=30)
            except requests.RequestException as exc:
                errors.append(type(exc).__name__)
                continue
            if resp.status_code != 200:
                errors.append(str(resp.status_code))
                continue
            now = time.time()
            body = resp.json()
            count += window[0] <= now <= window[1]
            mine += [(c["id"], now) for c in body["changes"] if c["kind"] == "note"]
            after = body["last_seq"]
        with lock:
            seen.extend(mine)
            polls[0] += count

    threads = [threading.Thread(target=console, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((seen, polls[0], errors))


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def _postgres() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in ("postgres",)]


def main() -> int:
    from services.db import Database
    from services.migrate import upgrade
    from tests.reliability.staff import staff
    from tests.support.people import make_customers
    from tests.support.serving import Served

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--consoles", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=10.0, help="notes a second")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=6, help="client processes")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1")
    args = parser.parse_args()

    admin = create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text("DROP DATABASE IF EXISTS launchdesk_fanout WITH (FORCE)"))
        c.execute(text("CREATE DATABASE launchdesk_fanout"))
    url = f"{args.pg}/launchdesk_fanout"
    db = Database(url)
    upgrade(db.engine)
    tokens = list(staff(db, "agent", args.consoles + 1).values())
    writer_token = tokens.pop()
    [customer] = make_customers(db, 1)
    log_dir = Path("/tmp/launchdesk-bench")
    log_dir.mkdir(exist_ok=True)
    server = Served(url, log_dir, workers=args.workers, log_name="serve-fanout.log").wait_ready()
    try:
        base = server.base
        writer = requests.Session()
        writer.headers["Authorization"] = f"Bearer {writer_token}"
        start = writer.get(base + "/changes", params={"after": 0, "wait": 0}).json()["last_seq"]
        began = time.time() + 3.0  # the consoles connect and settle first
        until = began + args.seconds
        out = CTX.Queue()
        share = -(-len(tokens) // args.processes)
        procs = [
            CTX.Process(
                target=_follow,
                args=(base, tokens[i : i + share], (began, until), until + 6, start, out),
            )
            for i in range(0, len(tokens), share)
        ]
        for p in procs:
            p.start()
        while time.time() < began:
            time.sleep(0.05)
        serve = [psutil.Process(server.proc.pid), *psutil.Process(server.proc.pid).children(True)]
        pg = _postgres()
        cpu_serve, cpu_pg = _cpu(serve), _cpu(pg)
        written: dict[str, float] = {}
        tick = 1.0 / args.rate
        next_at = time.time()
        while time.time() < until:
            resp = writer.post(base + f"/customers/{customer}/notes", json={"body": "fan-out"})
            written[str(resp.json()["id"])] = time.time()
            next_at += tick
            time.sleep(max(0.0, next_at - time.time()))
        cpu_serve, cpu_pg = _cpu(serve) - cpu_serve, _cpu(pg) - cpu_pg
        elapsed = time.time() - began
        results = [out.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(30)
    finally:
        server.stop()
        db.dispose()
    seen = [item for r in results for item in r[0]]
    polls = sum(r[1] for r in results)
    errors = [e for r in results for e in r[2]]
    late = [(at - written[nid]) * 1000 for nid, at in seen if nid in written]
    per_note: dict[str, int] = {}
    for nid, _at in seen:
        per_note[nid] = per_note.get(nid, 0) + 1
    missed = sum(args.consoles - per_note.get(nid, 0) for nid in written)
    late.sort()
    answered = polls / elapsed
    print(
        f"fan-out: {args.consoles} consoles, {len(written)} notes in {elapsed:.1f} s "
        f"({args.rate:g}/s), serve --workers {args.workers}"
    )
    print(f"  polls answered {answered:,.0f}/s; errors {len(errors)}; missed {missed}")
    print(
        f"  note seen by a console: p50 {statistics.median(late):.0f} · "
        f"p95 {late[int(len(late) * 0.95)]:.0f} · max {late[-1]:.0f} ms"
    )
    print(
        f"  CPU per answered poll: serve {cpu_serve / polls * 1000:.2f} ms, "
        f"PostgreSQL {cpu_pg / polls * 1000:.2f} ms "
        f"(serve {cpu_serve / elapsed:.2f} cores, PostgreSQL {cpu_pg / elapsed:.2f} cores)"
    )
    return 0 if missed == 0 and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
