"""The change feed's in-memory tail (services.api.live) answers as the database does."""

from __future__ import annotations

import time

from services import changes
from services.api.live import FeedWatcher
from services.db import Database


def _write(db: Database, count: int, start: int = 0) -> None:
    with db.write() as s:
        for i in range(start, start + count):
            changes.record(s, "note", i, None)


def _look(watcher: FeedWatcher) -> None:
    """One look of the poller, as its task makes it (without an event loop)."""
    while watcher._take(watcher._read(watcher.through, watcher.base is None)):
        pass
    watcher.looked_at = time.monotonic()


def _from_database(db: Database, after: int, limit: int) -> tuple[list, int]:
    with db.read() as s:
        entries = changes.read_after(s, after, limit)
        return entries, (entries[-1].seq if entries else max(after, changes.last_seq(s)))


def test_the_tail_answers_every_reader_it_covers_as_the_database_does(db: Database) -> None:
    _write(db, 3)  # before the first look: older than the tail, the database answers
    watcher = FeedWatcher(db, tail=8)
    _look(watcher)
    start = watcher.base
    assert start is not None and watcher.after(start - 1, 100) is None
    assert watcher.after(start, 100) == ([], start)

    for batch in range(4):  # commits of several entries each, one look between them
        _write(db, 3, start=10 * batch)
        _look(watcher)
    assert watcher.through == start + 12
    for after in range(start, watcher.through + 2):
        for limit in (1, 2, 5, 100):
            assert watcher.after(after, limit) == _from_database(db, after, limit), (after, limit)

    # 12 entries held where 8 are kept: trimmed once past twice that, to the latest 8
    _write(db, 6, start=100)
    _look(watcher)
    assert len(watcher.entries) == 8 and watcher.base == watcher.through - 8
    assert watcher.after(watcher.base - 1, 100) is None
    for after in range(watcher.base, watcher.through + 1):
        assert watcher.after(after, 100) == _from_database(db, after, 100)


def test_a_burst_larger_than_one_read_is_caught_up_with(db: Database, monkeypatch) -> None:
    from services.api import live

    monkeypatch.setattr(live, "_READ", 7)
    watcher = FeedWatcher(db, tail=100)
    _look(watcher)
    start = watcher.through
    _write(db, 30)
    _look(watcher)
    assert watcher.through == start + 30
    assert watcher.after(start, 1000) == _from_database(db, start, 1000)


def test_a_stale_tail_is_not_used(db: Database) -> None:
    watcher = FeedWatcher(db)
    _look(watcher)
    assert watcher.after(watcher.through, 10) is not None
    # the poller has not looked for a while (database unreachable, loop held up): the
    # reader must get what the database says, or its error
    watcher.looked_at = time.monotonic() - 5
    assert watcher.after(watcher.through, 10) is None


def test_a_feed_numbered_anew_restarts_the_tail(db: Database) -> None:
    """A database restored or reset under a running server numbers its feed from lower
    than the tail has read: the tail starts again there instead of waiting past it."""
    from sqlalchemy import text

    watcher = FeedWatcher(db)
    _look(watcher)
    _write(db, 5)
    _look(watcher)
    with db.write() as s:
        if db.is_sqlite:  # a rowid table: numbers start again after the highest left
            s.execute(text("DELETE FROM changes"))
        else:
            s.execute(text("TRUNCATE changes RESTART IDENTITY"))
    _write(db, 2)
    _look(watcher)
    assert (watcher.base, watcher.through, watcher.entries) == (2, 2, [])
    _write(db, 3, start=50)
    _look(watcher)
    assert watcher.after(2, 100) == _from_database(db, 2, 100)
    assert [e.seq for e in watcher.after(2, 100)[0]] == [3, 4, 5]
