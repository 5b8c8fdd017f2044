"""PostgreSQL going away under load, and a transaction that never ends.

Restart: a `serve` process on a private PostgreSQL cluster takes notes and claims from a
dozen clients while the cluster is killed (immediate shutdown: a crash) and started again.
While it is down the server answers 503 with Retry-After, never 500; the clients retry
with the same Idempotency-Key, as the console does. When it is back, the same server
process (not restarted) serves again, and every write it acknowledged is there, once.

Held xmin: a transaction left open elsewhere (an analyst's forgotten psql session) keeps
old row versions alive; the queue and the feed get slower, never stuck or wrong.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import func, select, text

from services.db import Database
from services.migrate import upgrade
from services.models import Callback, Note, User
from tests.reliability.private_pg import PrivateCluster, binaries
from tests.reliability.staff import queue_callbacks, staff
from tests.support.people import make_customers
from tests.support.serving import Served

TIMEOUT = 60


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (/usr/lib/postgresql/*/bin) are not installed")
    made = PrivateCluster(bindir).init()
    try:
        yield made
    finally:
        made.destroy()


class Load:
    """Clients that write until told to stop, retrying what was not acknowledged."""

    def __init__(self, served: Served, tokens: dict[str, str], customers: list[int]) -> None:
        self.served = served
        self.tokens = tokens
        self.customers = customers
        self.stop = threading.Event()
        self.acked_notes: dict[int, str] = {}
        self.acked_claims: dict[int, str] = {}
        self.statuses = Counter[str]()
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def _send(self, http: requests.Session, method: str, path: str, **kw: Any) -> Any:
        """One write, retried with its key until the server answers it (or we stop)."""
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        while True:
            try:
                resp = http.request(
                    method, self.served.base + path, headers=headers, timeout=TIMEOUT, **kw
                )
                status = str(resp.status_code)
            except requests.RequestException as exc:
                resp, status = None, type(exc).__name__
            with self.lock:
                self.statuses[status] += 1
            if resp is not None and resp.status_code not in (503, 409):
                return resp
            if resp is not None and resp.status_code == 503:
                assert resp.headers.get("Retry-After"), "a 503 says when to retry"
            if self.stop.is_set():
                return None
            time.sleep(0.1)

    def note_writer(self, name: str, n: int) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.tokens[name]}"
        i = 0
        while not self.stop.is_set():
            body = f"{name} note {i}"
            cid = self.customers[(n + i) % len(self.customers)]
            resp = self._send(http, "POST", f"/customers/{cid}/notes", json={"body": body})
            if resp is not None:
                assert resp.status_code == 201, resp.text
                with self.lock:
                    self.acked_notes[resp.json()["id"]] = body
            i += 1

    def claimer(self, name: str) -> None:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {self.tokens[name]}"
        while not self.stop.is_set():
            resp = self._send(http, "POST", "/callbacks/next")
            if resp is None:
                return
            if resp.status_code == 204:
                time.sleep(0.1)
                continue
            assert resp.status_code == 200, resp.text
            with self.lock:
                self.acked_claims[resp.json()["id"]] = name

    def start(self) -> None:
        names = list(self.tokens)
        for n, name in enumerate(names[:8]):
            self.threads.append(threading.Thread(target=self.note_writer, args=(name, n)))
        for name in names[8:]:
            self.threads.append(threading.Thread(target=self.claimer, args=(name,)))
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(TIMEOUT * 2)


def _acked_writes_are_there(db: Database, load: Load) -> None:
    with db.read() as s:
        notes = dict(s.execute(select(Note.id, Note.body)).all())
        per_body = Counter(notes.values())
        owners = dict(
            s.execute(
                select(Callback.id, User.username).join(User, User.id == Callback.claimed_by)
            ).all()
        )
    lost = {i: b for i, b in load.acked_notes.items() if notes.get(i) != b}
    assert not lost, f"{len(lost)} acknowledged notes are gone: {list(lost.items())[:5]}"
    doubled = [b for b, n in per_body.items() if n > 1]
    assert not doubled, f"retried notes stored twice: {doubled[:5]}"
    assert {i: owners.get(i) for i in load.acked_claims} == load.acked_claims


@pytest.mark.postgres
def test_postgres_restart_under_load_loses_no_acknowledged_write(
    cluster: PrivateCluster, serve: Callable[..., Served]
) -> None:
    db = Database(cluster.url)
    try:
        upgrade(db.engine)
        customers = make_customers(db, 40)
        queue_callbacks(db, 400)
        tokens = staff(db, "agent", 12)
        served = serve(cluster.url)
        load = Load(served, tokens, customers)
        load.start()
        time.sleep(2)
        before = (len(load.acked_notes), len(load.acked_claims))
        cluster.stop("immediate")  # a crash: no checkpoint, recovery from the WAL
        time.sleep(2)
        during = requests.get(served.url + "/healthz", timeout=10)
        cluster.start()
        time.sleep(1)
        after_restart = (len(load.acked_notes), len(load.acked_claims))
        time.sleep(3)
        load.finish()
        after = (len(load.acked_notes), len(load.acked_claims))
        print(
            f"\nrestart under load: acknowledged notes/claims {before} before the crash, "
            f"{after_restart} just after restart, {after} at the end; answers: "
            f"{dict(load.statuses)}"
        )
        assert during.status_code == 503 and during.json()["status"] == "degraded"
        assert served.proc.poll() is None, "the server process died"
        assert load.statuses["503"] > 0, "no request saw the database down"
        assert "500" not in load.statuses, served.log()[-3000:]
        assert after[0] > after_restart[0] > 0 and after[1] > 0, "no progress after restart"
        health = requests.get(served.url + "/healthz", timeout=10)
        assert health.status_code == 200, health.text
        _acked_writes_are_there(db, load)
        assert "Traceback" not in served.log(), served.log()[-3000:]
    finally:
        db.dispose()


@pytest.mark.postgres
def test_held_xmin_slows_but_does_not_break_queue_or_feed(
    db: Database, serve: Callable[..., Served]
) -> None:
    customers = make_customers(db, 20)
    ids = queue_callbacks(db, 300)
    tokens = staff(db, "agent", 4)
    served = serve(db.url)
    # The forgotten session: a snapshot taken now and held for the whole test.
    forgotten = db.engine.connect()
    forgotten.execute(text("BEGIN ISOLATION LEVEL REPEATABLE READ"))
    forgotten.execute(text("SELECT count(*) FROM callbacks")).scalar()
    xid = forgotten.execute(text("SELECT txid_current()")).scalar()
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {next(iter(tokens.values()))}"
        after = http.get(served.base + "/changes", params={"after": 0, "wait": 0}).json()[
            "last_seq"
        ]
        claimed: list[int] = []
        began = time.monotonic()
        # Churn: every claim and note leaves dead row versions the held snapshot pins.
        for i in range(len(ids)):
            resp = http.post(served.base + "/callbacks/next", timeout=TIMEOUT)
            assert resp.status_code == 200, resp.text
            claimed.append(resp.json()["id"])
            done = http.post(
                served.base + f"/callbacks/{claimed[-1]}/complete",
                json={"outcome": "no_answer" if i % 3 else "resolved"},
                timeout=TIMEOUT,
            )
            assert done.status_code == 200, done.text
            note = http.post(
                served.base + f"/customers/{customers[i % 20]}/notes",
                json={"body": f"memo {i}"},
                timeout=TIMEOUT,
            )
            assert note.status_code == 201
        seconds = time.monotonic() - began
        assert sorted(claimed) == ids  # each claimed once, none skipped
        seen: list[int] = []
        while True:
            page = http.get(
                served.base + "/changes", params={"after": after, "wait": 0, "limit": 1000}
            ).json()
            if not page["changes"]:
                break
            seen += [c["seq"] for c in page["changes"]]
            after = page["last_seq"]
        with db.read() as s:
            pinned = s.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE backend_xid = :x"),
                {"x": str(xid)},
            )
            total = s.scalar(select(func.count()).select_from(Note))
        print(
            f"\nheld xmin: {len(ids)} claim+complete+note rounds in {seconds:.1f} s "
            f"({len(ids) / seconds:.0f}/s), {len(seen)} feed entries read in order"
        )
        assert pinned == 1, "the forgotten transaction was not open all along"
        assert seen == sorted(set(seen)) and len(seen) >= 3 * len(ids)
        assert total == len(ids)
    finally:
        forgotten.rollback()
        forgotten.close()
