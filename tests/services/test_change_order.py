"""The change feed's promise under concurrent writers: numbers become visible in order, so
a reader of "after N" never steps past a change that commits later with a smaller number."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from services import changes
from services.models import Change
from services.timeutil import utcnow


def test_a_slow_committer_holds_back_later_numbers(db) -> None:
    seen: list[int] = []
    stop = threading.Event()
    started = threading.Event()

    def reader() -> None:
        after = 0
        while not stop.is_set():
            with db.read() as s:
                for entry in changes.read_after(s, after, 100):
                    seen.append(entry.seq)
                    after = entry.seq
            time.sleep(0.005)

    def slow_writer() -> None:
        if db.dialect == "postgresql":
            # The feed's own append statement (lock and number), then a commit held back
            # by pg_sleep: a server that stalls between taking a number and committing.
            # (flush_pending sends the COMMIT right behind the append, so it cannot be
            # held open through it.)
            with db.engine.connect() as conn:
                raw = conn.connection.driver_connection
                raw.execute(
                    changes._PG_APPEND,
                    {
                        "k": changes.FEED_LOCK_KEY,
                        "kinds": ["note"],
                        "ids": ["slow"],
                        "customers": [None],
                        "at": utcnow(),
                    },
                )
                started.set()
                raw.execute("SELECT pg_sleep(0.8)")
                raw.commit()
            return
        with db.write() as s:
            changes.record(s, "note", "slow", None)
            changes.flush_pending(s)  # takes its number (and the feed lock) now...
            started.set()
            time.sleep(0.8)  # ...and commits late

    def fast_writer(i: int) -> None:
        with db.write() as s:
            changes.record(s, "note", f"fast-{i}", None)

    watcher = threading.Thread(target=reader)
    watcher.start()
    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert started.wait(10)
    fast = [threading.Thread(target=fast_writer, args=(i,)) for i in range(20)]
    for t in fast:
        t.start()
    for t in [slow, *fast]:
        t.join(30)
    time.sleep(0.1)
    stop.set()
    watcher.join(10)
    with db.read() as s:
        committed = list(s.scalars(select(Change.seq).order_by(Change.seq)))
        slow_seq = s.scalar(select(Change.seq).where(Change.entity_id == "slow"))
    assert seen == committed, "the reader missed or repeated a change"
    assert slow_seq == committed[0], "the slow committer's number came first"
    assert len(committed) == 21


def _appends_seen_once_in_order(db, writers: int, per_writer: int) -> None:
    seen: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        after = 0
        while True:
            done = stop.is_set()
            with db.read() as s:
                batch = changes.read_after(s, after, 1000)
            seen.extend(e.seq for e in batch)
            if batch:
                after = batch[-1].seq
            elif done:
                return

    def writer(w: int) -> None:
        for i in range(per_writer):
            with db.write() as s:
                changes.record(s, "note", f"{w}-{i}", None)

    watcher = threading.Thread(target=reader)
    watcher.start()
    began = time.monotonic()
    threads = [threading.Thread(target=writer, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(1800)
    stop.set()
    watcher.join(60)
    seconds = time.monotonic() - began
    total = writers * per_writer
    print(f"\n{total} appends by {writers} writers in {seconds:.1f} s ({total / seconds:.0f}/s)")
    with db.read() as s:
        committed = list(s.scalars(select(Change.seq).order_by(Change.seq)))
    assert len(committed) == total
    repeated = len(seen) - len(set(seen))
    skipped = len(set(committed) - set(seen))
    assert (repeated, skipped) == (0, 0), f"{repeated} repeated, {skipped} skipped"
    assert seen == committed


@pytest.mark.postgres
def test_many_concurrent_appends_are_seen_exactly_once_in_order(db) -> None:
    _appends_seen_once_in_order(db, writers=8, per_writer=250)


@pytest.mark.postgres
@pytest.mark.slow
def test_100000_concurrent_appends_are_seen_exactly_once_in_order(db) -> None:
    _appends_seen_once_in_order(db, writers=16, per_writer=6250)
