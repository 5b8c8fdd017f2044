"""Following the change feed: what changed reaches the views without a click.

One long poll at a time (GET /changes?after=N&wait=W). When the backend cannot be
reached the follower says so at once and retries with growing pauses; when it is back,
the views are told to reload everything they show (they may have missed changes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from PySide6.QtCore import QObject, Signal

from console.client import ApiError, BackendClient, BackendUnavailable
from console.worker import Worker

log = logging.getLogger("launchdesk.console.live")
BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)


class FeedFollower(QObject):
    changed = Signal(list)  # [{seq, kind, id, customer_id?}, ...]
    resync = Signal()  # reconnected: reload everything shown

    def __init__(self, client: BackendClient, worker: Worker, *, wait: float = 20.0) -> None:
        super().__init__()
        self.client = client
        self.worker = worker
        self.wait = wait
        self.last_seq: int | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    def cancel(self) -> None:
        if self._task and not self._task.done():
            self._task.cancel()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                if self.last_seq is None:
                    body = await self.worker.call(self.client.changes, 0, 0.0, feed=True)
                    self.last_seq = int(body["last_seq"])
                    continue
                body = await self.worker.call(
                    self.client.changes, self.last_seq, self.wait, feed=True
                )
                if failures:
                    failures = 0
                    self.resync.emit()
                if body["changes"]:
                    self.changed.emit(body["changes"])
                self.last_seq = int(body["last_seq"])
            except asyncio.CancelledError:
                raise
            except BackendUnavailable:
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF) - 1)])
                failures += 1
            except ApiError as exc:
                log.warning("change feed refused: %s", exc.message)
                await asyncio.sleep(BACKOFF[-1])
