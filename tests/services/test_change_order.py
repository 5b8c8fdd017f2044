"""The change feed's promise under concurrent writers: numbers become visible in order, so
a reader of "after N" never steps past a change that commits later with a smaller number."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, text

from services import changes
from services.models import Change


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
        with db.write() as s:
            changes.record(s, "note", "slow", None)
            changes.flush_pending(s)  # takes its number (and the feed lock) now...
            started.set()
            if db.dialect == "postgresql":
                s.execute(text("SELECT pg_sleep(0.8)"))  # ...and commits late
            else:
                time.sleep(0.8)

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


@pytest.mark.postgres
def test_many_concurrent_appends_are_seen_exactly_once_in_order(db) -> None:
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
        for i in range(250):
            with db.write() as s:
                changes.record(s, "note", f"{w}-{i}", None)

    watcher = threading.Thread(target=reader)
    watcher.start()
    writers = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in writers:
        t.start()
    for t in writers:
        t.join(120)
    stop.set()
    watcher.join(30)
    assert len(seen) == 2000 and seen == sorted(set(seen))
