"""Applying a theme, font size or language walks every widget, running their Python
event handlers; a garbage collection set off there must not free a widget under Qt.

Seen once in CI: the test process died in `app.setStyleSheet` while a user's look was
applied at login. The run below sets up exactly that (widgets only a reference cycle
holds, handlers that allocate) in a process of its own, so a crash fails this test
instead of ending the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import gc

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from console import resources

app = QApplication(["walk"])


class Busy(QWidget):
    # allocates, as real handlers do (retranslating, laying out again): past the threshold
    # below, so a collection starts inside the walk, and only there
    def changeEvent(self, event):
        junk = [[i] for i in range(60_000)]
        super().changeEvent(event)


held = []
for _ in range(30):
    widget = Busy()
    QVBoxLayout(widget).addWidget(QLabel("접수완료"))
    widget.show()
    held.append(widget)
gc.disable()  # the orphans wait for the collector, as leftovers in a cycle do
for _ in range(300):
    widget = QWidget()
    QVBoxLayout(widget).addWidget(QLabel("orphan"))
    widget.show()
    widget.cycle = widget
    del widget
gc.set_threshold(50_000)
gc.enable()
for theme, size in (("dark", 12), ("light", 10), ("dark", 14)):
    resources.apply_appearance(app, theme, size)
resources.install_language(app, "ko")
resources.install_language(app, "en")
gc.collect()  # outside the walks: the orphans go now, safely
print("survived", flush=True)
"""


def test_a_collection_during_the_walk_frees_no_widget_under_qt() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "survived" in done.stdout, (
        f"exit {done.returncode}: {done.stderr[-2000:]}"
    )
