"""How long the GUI thread was kept from running: a 10 ms timer that records how late it fires.

Used by the console test that bounds a GUI stall and by the benchmark's console probe.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

INTERVAL = 0.010


class StallProbe:
    def __init__(self) -> None:
        self.lateness: list[float] = []  # seconds each tick came later than due
        self._last = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(int(INTERVAL * 1000))
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.monotonic()
        self.lateness.append(now - self._last - INTERVAL)
        self._last = now

    def start(self) -> None:
        self._last = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
