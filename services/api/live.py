"""Wakes long-polling change-feed readers soon after a commit, in any serve process.

One poller per process reads the feed's highest number ten times a second (an index
lookup) and wakes the waiters; the feed itself lives in the database, so several serve
processes on one PostgreSQL all see every change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import anyio

from services import changes
from services.db import Database

log = logging.getLogger("launchdesk.live")
POLL_SECONDS = 0.1


class FeedWatcher:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.last_seq = 0
        self._event = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _read(self) -> int:
        # a bare connection: an ORM session costs ten times the lookup, twenty times a second
        with self.db.read_connection() as connection:
            return changes.last_seq(connection)

    async def _run(self) -> None:
        while True:
            try:
                seq = await anyio.to_thread.run_sync(self._read)
                if seq != self.last_seq:
                    self.last_seq = seq
                    event, self._event = self._event, asyncio.Event()
                    event.set()
            except Exception as exc:  # database down: keep trying, the readers time out
                log.debug("feed watcher: %s", type(exc).__name__)
            await asyncio.sleep(POLL_SECONDS)

    def start(self) -> None:
        self._event = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait_beyond(self, seq: int, timeout: float) -> None:
        if self.last_seq > seq:
            return
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout)
