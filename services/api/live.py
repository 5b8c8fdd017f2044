"""The change feed's tail, held in each serve process, and the waking of long-polling readers.

One poller per process reads the entries committed since its last look, ten times a second
(an index range scan that usually finds nothing), keeps the latest of them in memory and
wakes the waiters. A reader whose `after` the tail covers is answered from it without a
query: with every console long-polling, one read a tenth of a second replaces one (or two)
per console per commit. The feed itself lives in the database, so several serve processes
on one PostgreSQL all see every change.

Why the tail never misses an entry: sequence numbers are taken under a lock held until
commit (services.changes), so once the poller has seen every entry up to `through`, any
later commit carries a larger number; each look reads everything above `through`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import anyio

from services import changes
from services.changes import ChangeEntry
from services.db import Database

log = logging.getLogger("launchdesk.live")
POLL_SECONDS = 0.1
TAIL = 20_000  # entries held: minutes of a launch's peak, where a console that blinked resumes
_READ = 5_000  # entries a look reads at most (a burst is caught up with in several)
# A tail whose last look is older than this is not used: the database is unreachable or the
# poller is held up, and a reader must get what the database says (or its error).
STALE_SECONDS = 1.0
_seq = itemgetter(0)


class FeedWatcher:
    def __init__(self, db: Database, *, tail: int = TAIL) -> None:
        self.db = db
        self.size = tail
        # Every entry numbered up to `through` has been read; those above `base` are held in
        # `entries` (in order) as the rows read, (seq, kind, id, customer_id): under a flood
        # of ingest a process reads thousands a second, and answers few of them.
        self.through = 0
        self.base: int | None = None
        self.entries: list[Any] = []
        self.answered = 0  # readers answered from the tail (the tests check it is used)
        self.looked_at = float("-inf")  # time.monotonic() of the last look that succeeded
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def last_seq(self) -> int:
        return self.through

    def _read(self, through: int, first: bool) -> Sequence[Any] | int:
        # a bare connection: an ORM session costs ten times the lookup, ten times a second
        with self.db.read_connection() as connection:
            if first:  # the tail starts at the feed's end: older readers ask the database
                return changes.last_seq(connection)
            found = changes.rows_after(connection, through, _READ)
            if not found:
                # A feed numbered lower than what was read (a database restored or reset
                # under a running server) would hide every new entry: start again there.
                last = changes.last_seq(connection)
                if last < through:
                    return last
            return found

    def _take(self, found: Sequence[Any] | int) -> bool:
        """Add what a look found; True when the look may have stopped short."""
        if isinstance(found, int):  # where the tail starts, first or again
            self.base = self.through = found
            self.entries = []
            return False
        if found:
            self.entries.extend(found)
            self.through = found[-1][0]
            if len(self.entries) > 2 * self.size:  # trimmed in steps: amortised, not per look
                drop = len(self.entries) - self.size
                self.base = self.entries[drop - 1][0]
                del self.entries[:drop]
        return len(found) == _READ

    async def _run(self) -> None:
        while True:
            more = False
            try:
                before = self.through
                found = await anyio.to_thread.run_sync(self._read, self.through, self.base is None)
                more = self._take(found)
                self.looked_at = time.monotonic()
                if self.through != before:
                    event, self._event = self._event, asyncio.Event()
                    event.set()
            except Exception as exc:  # database down: keep trying, the readers time out
                log.debug("feed watcher: %s", type(exc).__name__)
            if not more:
                await asyncio.sleep(POLL_SECONDS)

    def start(self) -> None:
        self._event = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def after(self, seq: int, limit: int) -> tuple[list[ChangeEntry], int] | None:
        """The entries after seq and the feed's last number as this process knows it, as
        the database would answer; None when the tail does not reach back to seq."""
        if self.base is None or seq < self.base:
            return None
        if time.monotonic() - self.looked_at > STALE_SECONDS:
            return None
        start = bisect.bisect_right(self.entries, seq, key=_seq)
        found = [ChangeEntry(*row) for row in self.entries[start : start + limit]]
        self.answered += 1
        return found, (found[-1].seq if found else max(seq, self.through))

    async def wait_beyond(self, seq: int, timeout: float) -> None:
        if self.through > seq:
            return
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
