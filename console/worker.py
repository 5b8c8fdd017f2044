"""Backend calls off the GUI thread: awaited on the qasync loop, run in a thread pool.

Every call goes through Worker.call, which also keeps the console honest about the
connection (a failed call marks it offline at once, a successful one online again) and
about being busy (a call running longer than BUSY_AFTER shows the busy indicator).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from console.client import BackendUnavailable

T = TypeVar("T")
BUSY_AFTER_MS = 200


class Worker(QObject):
    online_changed = Signal(bool)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, threads: int = 4) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="backend")
        # Long polls get their own thread so they never hold up a click.
        self._feed_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="feed")
        self.online = True
        self._running = 0
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_AFTER_MS)
        self._busy_timer.timeout.connect(lambda: self.busy_changed.emit(True))

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.online_changed.emit(online)

    async def call(self, fn: Callable[..., T], *args: Any, feed: bool = False, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        pool = self._feed_pool if feed else self._pool
        if not feed:
            self._running += 1
            if self._running == 1:
                self._busy_timer.start()
        try:
            result = await loop.run_in_executor(pool, functools.partial(fn, *args, **kwargs))
        except BackendUnavailable:
            self.set_online(False)
            raise
        finally:
            if not feed:
                self._running -= 1
                if self._running == 0:
                    self._busy_timer.stop()
                    self.busy_changed.emit(False)
        self.set_online(True)
        return result

    def shutdown(self) -> None:
        self._busy_timer.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._feed_pool.shutdown(wait=False, cancel_futures=True)
