"""The floor under each figure: the same work done directly in SQL on the same database, over
the plain driver (sqlite3, psycopg), with no HTTP, no ORM and no rules in between.

Our figure divided by the floor is the overhead the backend adds; it holds better than the
raw figure on a noisy machine.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from tests.perf.load import run_together

PROGRESSED = ("preparing", "shipped", "delivered")


def connect(url: str) -> Any:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    import psycopg

    return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _q(url: str, sql: str) -> str:
    """Our SQL is written with ? placeholders; psycopg wants %s."""
    return sql if is_sqlite(url) else sql.replace("?", "%s")


def _stamp(url: str, at: datetime) -> Any:
    # SQLite columns hold SQLAlchemy's text form of UTC times
    return at.strftime("%Y-%m-%d %H:%M:%S.%f") if is_sqlite(url) else at


def _fetch(cur: Any, sql: str, params: tuple) -> list[Any]:
    cur.execute(sql, params)
    return cur.fetchall()


def _timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


# --- lookups ------------------------------------------------------------------------------------

SEARCH_SQL = {
    "reservation": "SELECT r.id, c.id, c.name, c.mobile FROM reservations r "
    "JOIN customers c ON c.id = r.customer_id WHERE r.reservation_no = ?",
    "order": "SELECT o.id, c.id, c.name, c.mobile FROM orders o "
    "JOIN customers c ON c.id = o.customer_id WHERE o.order_no = ?",
    "mobile": "SELECT c.id, c.name, c.mobile FROM customers c WHERE c.mobile = ? LIMIT 20",
    "tracking": "SELECT c.id, c.name, c.mobile FROM customers c "
    "JOIN shipments s ON s.customer_id = c.id WHERE s.tracking_no = ? LIMIT 20",
    "name": "SELECT c.id, c.name, c.mobile FROM customers c WHERE c.name >= ? AND c.name < ? "
    "ORDER BY c.name, c.id LIMIT 20",
}


def search(url: str, samples: list[tuple[str, str]]) -> list[tuple[str, float]]:
    """samples: (kind, normalized value) as the backend would look it up."""
    conn = connect(url)
    out = []
    try:
        cur = conn.cursor()
        for kind, value in samples:
            sql = _q(url, SEARCH_SQL[kind])
            params = (value, value + "\uffff") if kind == "name" else (value,)
            out.append((kind, _timed(lambda sql=sql, params=params: _fetch(cur, sql, params))))
            if not is_sqlite(url):
                conn.rollback()
    finally:
        conn.close()
    return out


SCREEN_SQL = (
    "SELECT * FROM customers WHERE id = ?",
    "SELECT * FROM reservations WHERE customer_id = ? ORDER BY id",
    "SELECT * FROM orders WHERE customer_id = ? ORDER BY id",
    "SELECT * FROM shipments WHERE customer_id = ?",
    "SELECT * FROM activations WHERE customer_id = ?",
    "SELECT * FROM status_history WHERE customer_id = ?",
    "SELECT * FROM contradictions WHERE customer_id = ? AND resolved_at IS NULL",
    "SELECT * FROM callbacks WHERE customer_id = ? ORDER BY id DESC LIMIT 50",
    "SELECT * FROM notes WHERE customer_id = ? ORDER BY id DESC LIMIT 200",
    "SELECT * FROM messages WHERE customer_id = ? ORDER BY id DESC LIMIT 100",
    "SELECT * FROM promotion_entries WHERE customer_id = ?",
)


def screen(url: str, customer_ids: list[int], user_id: int) -> list[float]:
    """The customer screen's row reads and its access-log insert, in one transaction."""
    conn = connect(url)
    lite = is_sqlite(url)
    out = []
    try:
        cur = conn.cursor()
        insert = _q(
            url, "INSERT INTO customer_access_log (user_id, customer_id, at) VALUES (?, ?, ?)"
        )

        def one(cid: int) -> None:
            if lite:
                cur.execute("BEGIN IMMEDIATE")
            for sql in SCREEN_SQL:
                cur.execute(_q(url, sql), (cid,))
                cur.fetchall()
            cur.execute(insert, (user_id, cid, _stamp(url, datetime.now(UTC))))
            if lite:
                cur.execute("COMMIT")
            else:
                conn.commit()

        for cid in customer_ids:
            out.append(_timed(lambda cid=cid: one(cid)))
    finally:
        conn.close()
    return out


def triage(url: str, repeats: int = 3) -> list[float]:
    """Stuck triage asked of the database directly: counts by cause, the total, and the first
    page of 50 with each order's overtaken count as a correlated subquery."""
    prog = ", ".join(f"'{s}'" for s in PROGRESSED)
    latest = (
        f"WITH latest AS (SELECT model, MAX(received_at) AS at FROM orders "
        f"WHERE status IN ({prog}) GROUP BY model) "
    )
    stuck = "o.status = 'received' AND (o.received_at < ? OR o.received_at < l.at)"
    counts = latest + (
        "SELECT o.cause, COUNT(*) FROM orders o LEFT JOIN latest l ON l.model = o.model "
        f"WHERE {stuck} GROUP BY o.cause"
    )
    # the page first, then each of its 50 orders' overtaken count
    page = latest + (
        "SELECT p.*, (SELECT COUNT(*) FROM orders q WHERE q.model = p.model "
        f"AND q.status IN ({prog}) AND q.received_at > p.received_at) FROM ("
        "SELECT o.order_no, o.id, o.customer_id, c.name, o.model, o.delivery_method, "
        "o.received_at, o.cause, o.owner FROM orders o "
        "JOIN customers c ON c.id = o.customer_id LEFT JOIN latest l ON l.model = o.model "
        f"WHERE {stuck} ORDER BY o.received_at, o.id LIMIT 50) p ORDER BY p.received_at, p.id"
    )
    conn = connect(url)
    out = []
    try:
        cur = conn.cursor()
        for _ in range(repeats):
            cutoff = _stamp(url, datetime.now(UTC) - timedelta(hours=24))

            def run(cutoff: Any = cutoff) -> None:
                for sql in (counts, page):
                    cur.execute(_q(url, sql), (cutoff,))
                    cur.fetchall()

            out.append(_timed(run))
            if not is_sqlite(url):
                conn.rollback()
    finally:
        conn.close()
    return out


# --- claims -------------------------------------------------------------------------------------


def _claim_loop(
    url: str,
    user_ids: list[int],
    duration: float,
    *,
    prepare_only: bool = False,
    prepared: Any = None,
) -> Any:
    if prepare_only:
        return [connect(url) for _ in user_ids]
    conns = prepared
    lite = is_sqlite(url)
    end = time.monotonic() + duration
    claimed: list[int] = []
    lock = threading.Lock()
    # the queue's own order, as its index has it (weight since revision 0006)
    rank = "weight" if _has_column(conns[0], lite, "callbacks", "weight") else "priority"
    pick = (
        "SELECT id FROM callbacks WHERE status = 'queued' AND not_before <= ? "
        f"AND (assigned_to IS NULL OR assigned_to = ?) ORDER BY {rank} DESC, not_before, id "
        "LIMIT 1"
    )

    def worker(conn: Any, uid: int) -> None:
        mine = []
        cur = conn.cursor()
        while time.monotonic() < end:
            now = datetime.now(UTC)
            lease = now + timedelta(minutes=10)
            if lite:
                cur.execute("BEGIN IMMEDIATE")
                row = cur.execute(pick, (_stamp(url, now), uid)).fetchone()
                if row:
                    cur.execute(
                        "UPDATE callbacks SET status = 'claimed', claimed_by = ?, claimed_at = ?, "
                        "lease_expires_at = ? WHERE id = ?",
                        (uid, _stamp(url, now), _stamp(url, lease), row[0]),
                    )
                cur.execute("COMMIT")
            else:
                cur.execute(
                    "UPDATE callbacks SET status = 'claimed', claimed_by = %s, claimed_at = %s, "
                    "lease_expires_at = %s WHERE id = ("
                    + pick.replace("?", "%s")
                    + " FOR UPDATE SKIP LOCKED) RETURNING id",
                    (uid, now, lease, now, uid),
                )
                row = cur.fetchone()
                conn.commit()
            if row:
                mine.append(row[0])
            else:
                time.sleep(0.05)
        with lock:
            claimed.extend(mine)

    threads = [
        threading.Thread(target=worker, args=(c, u)) for c, u in zip(conns, user_ids, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in conns:
        c.close()
    return claimed


def _has_column(conn: Any, lite: bool, table: str, column: str) -> bool:
    if lite:
        return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))
    with conn.cursor() as cur:
        cur.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            (table, column),
        )
        found = cur.fetchone() is not None
    conn.rollback()
    return found


def claims(url: str, user_ids: list[int], processes: int, duration: float) -> dict[str, Any]:
    per = [user_ids[i::processes] for i in range(processes)]
    results, _started, _ended = run_together(_claim_loop, [(url, p, duration) for p in per])
    ids = [i for r in results for i in r]
    return {
        "claims": len(ids),
        "double": len(ids) - len(set(ids)),
        "rate": len(ids) / duration,
        "connections": len(user_ids),
    }


# --- ingest -------------------------------------------------------------------------------------


def _ingest_loop(
    url: str,
    batches: list[list[dict[str, Any]]],
    *,
    prepare_only: bool = False,
    prepared: Any = None,
) -> Any:
    if prepare_only:
        # the simulator sends the odd event twice; the floor inserts each once
        seen: set[tuple[str, str]] = set()
        unique = []
        for batch in batches:
            keep = []
            for e in batch:
                key = (e["source"], e["event_id"])
                if key not in seen:
                    seen.add(key)
                    keep.append(e)
            unique.append(keep)
        return connect(url), unique
    conn, batches = prepared
    lite = is_sqlite(url)
    cur = conn.cursor()
    now = _stamp(url, datetime.now(UTC))
    ev_sql = _q(
        url,
        "INSERT INTO ingested_events (source, event_id, type, occurred_at, payload, result, "
        "subject_key, received_at) VALUES (?, ?, ?, ?, ?, 'applied', NULL, ?)",
    )
    hist_sql = _q(
        url,
        "INSERT INTO status_history (subject_type, subject_id, customer_id, from_status, "
        "to_status, effect, actor, source_event, occurred_at, recorded_at) "
        "VALUES ('order', ?, ?, NULL, 'received', 'applied', ?, ?, ?, ?)",
    )
    t0 = time.monotonic()
    n = 0
    for batch in batches:
        if lite:
            cur.execute("BEGIN IMMEDIATE")
        cur.executemany(
            ev_sql,
            [
                (e["source"], "floor-" + e["event_id"], e["type"], now, json.dumps(e), now)
                for e in batch
            ],
        )
        cur.executemany(
            hist_sql,
            [
                (i, i, e["source"], "floor-" + e["event_id"], now, now)
                for i, e in enumerate(batch, 1)
            ],
        )
        if lite:
            cur.execute("COMMIT")
        else:
            conn.commit()
        n += len(batch)
    seconds = time.monotonic() - t0
    conn.close()
    return n, seconds


def ingest(url: str, per_process: list[list[list[dict[str, Any]]]]) -> dict[str, Any]:
    """Bare inserts of the same events: one ingested_events and one status_history row
    each, a transaction per batch, from as many processes as post in our figure."""
    results, started, ended = run_together(_ingest_loop, [(url, b) for b in per_process])
    events = sum(n for n, _ in results)
    return {"events": events, "rate": events / (ended - started)}


# --- the change feed ----------------------------------------------------------------------------


def feed(url: str, repeats: int = 30) -> list[float]:
    """A committed change seen by a reader polling `seq > N` on a connection of its own."""
    lite = is_sqlite(url)
    writer, reader = connect(url), connect(url)
    seen: dict[str, float] = {}
    stop = threading.Event()
    rcur = reader.cursor()
    rcur.execute("SELECT COALESCE(MAX(seq), 0) FROM changes")
    last = [rcur.fetchone()[0]]
    if not lite:
        reader.rollback()

    def poll() -> None:
        sql = _q(
            url, "SELECT seq, kind, entity_id FROM changes WHERE seq > ? ORDER BY seq LIMIT 500"
        )
        while not stop.is_set():
            rcur.execute(sql, (last[0],))
            rows = rcur.fetchall()
            if not lite:
                reader.rollback()
            now = time.perf_counter()
            for seq, kind, entity in rows:
                if kind == "floor-note":
                    seen[entity] = now
                last[0] = seq

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    out = []
    wcur = writer.cursor()
    try:
        for i in range(repeats):
            key = f"f{i}-{time.time_ns()}"
            t0 = time.perf_counter()
            at = _stamp(url, datetime.now(UTC))
            if lite:
                wcur.execute("BEGIN IMMEDIATE")
                wcur.execute(
                    "INSERT INTO changes (kind, entity_id, customer_id, at) VALUES ('floor-note', ?, 1, ?)",
                    (key, at),
                )
                wcur.execute("COMMIT")
            else:
                wcur.execute("SELECT pg_advisory_xact_lock(%s)", (0x4C44_4348,))
                wcur.execute(
                    "INSERT INTO changes (kind, entity_id, customer_id, at) VALUES ('floor-note', %s, 1, %s)",
                    (key, at),
                )
                writer.commit()
            deadline = time.perf_counter() + 5
            while key not in seen and time.perf_counter() < deadline:
                time.sleep(0.0002)
            if key in seen:
                out.append((seen[key] - t0) * 1000)
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(2)
        writer.close()
        reader.close()
    return out
