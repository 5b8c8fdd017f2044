"""Following the change feed: what changed reaches the views without a click; and
keeping this console's presence on the customer it has open.

One long poll at a time (GET /changes?after=N&wait=W). When the backend cannot be
reached the follower says so at once and retries with growing pauses; when it is back,
the views are told to reload everything they show (they may have missed changes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console import timefmt
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


class PresenceKeeper(QObject):
    """Tells the backend which customer this console has open, while it stays open.

    The backend keeps the row for ttl seconds past each renewal, so a console that is
    killed drops out by itself. Every answer lists who else is on the customer; besides the
    renewals, the list is asked for again just after the earliest of the others' rows would
    expire, so a killed colleague disappears from this screen within the expiry too.
    """

    updated = Signal(int, list)  # customer id, the others on it

    def __init__(
        self,
        client: BackendClient,
        worker: Worker,
        *,
        renew_ms: int = 15_000,
        ttl_seconds: int | None = None,
    ) -> None:
        super().__init__()
        self.client = client
        self.worker = worker
        self.ttl_seconds = ttl_seconds
        self.customer_id: int | None = None
        self._renew = QTimer(self)
        self._renew.setInterval(renew_ms)
        self._renew.timeout.connect(self._on_renew)
        self._expiry = QTimer(self)
        self._expiry.setSingleShot(True)
        self._expiry.timeout.connect(self._on_expiry)
        self._tasks: set[asyncio.Task[None]] = set()

    def _spawn(self, coro: object) -> None:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def enter(self, customer_id: int) -> None:
        """This console now has customer_id open (and no longer the previous one)."""
        previous, self.customer_id = self.customer_id, customer_id
        if previous is not None and previous != customer_id:
            self._spawn(self._leave(previous))
        self._renew.start()
        await self._touch()

    async def leave(self) -> None:
        """The screen is closed: stop renewing and say so (it would lapse by itself)."""
        self._renew.stop()
        self._expiry.stop()
        previous, self.customer_id = self.customer_id, None
        if previous is not None:
            await self._leave(previous)

    async def stop(self) -> None:
        await self.leave()
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def leave_on_close(self) -> None:
        """The window is closing and the loop may not run again: say so from a thread of
        its own (the interpreter waits for it, at most the request's timeout)."""
        self._renew.stop()
        self._expiry.stop()
        previous, self.customer_id = self.customer_id, None
        if previous is not None:
            threading.Thread(
                target=self._leave_blocking, args=(previous,), name="presence-leave"
            ).start()

    def _leave_blocking(self, customer_id: int) -> None:
        with contextlib.suppress(BackendUnavailable, ApiError):
            self.client.leave_presence(customer_id)

    def _on_renew(self) -> None:
        self._spawn(self._touch())

    def _on_expiry(self) -> None:
        self.schedule_refresh()

    def schedule_refresh(self) -> None:
        """Ask again soon who else is on the open customer (the feed said someone moved)."""
        self._spawn(self.refresh())

    async def _leave(self, customer_id: int) -> None:
        with contextlib.suppress(BackendUnavailable, ApiError):
            await self.worker.call(self.client.leave_presence, customer_id)

    async def _touch(self) -> None:
        customer_id = self.customer_id
        if customer_id is None:
            return
        try:
            body = await self.worker.call(self.client.touch_presence, customer_id, self.ttl_seconds)
        except BackendUnavailable:
            return  # the next renewal tries again; the offline banner says the rest
        except ApiError as exc:
            log.info("presence refused: %s", exc.message)
            return
        self._publish(customer_id, body)

    async def refresh(self) -> None:
        """Ask again who else is on the open customer (a change in the feed, an expiry)."""
        customer_id = self.customer_id
        if customer_id is None:
            return
        try:
            body = await self.worker.call(self.client.presence, customer_id)
        except (BackendUnavailable, ApiError):
            return
        self._publish(customer_id, body)

    def _publish(self, customer_id: int, body: dict[str, Any]) -> None:
        if customer_id != self.customer_id:
            return  # another customer was opened meanwhile
        others = list(body.get("others") or [])
        expiries = [timefmt.parse(p.get("expires_at")) for p in others if p.get("viewing")]
        soonest = min((e for e in expiries if e is not None), default=None)
        if soonest is not None:
            wait = (soonest - datetime.now(UTC)).total_seconds() + 0.5
            self._expiry.start(max(100, int(wait * 1000)))
        else:
            self._expiry.stop()
        self.updated.emit(customer_id, others)
