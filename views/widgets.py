"""Small widgets the windows share: the offline banner, the busy indicator, flag chips."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget


def alive(obj: QObject) -> bool:
    """False once Qt deleted the widget (its window closed while a call was under way)."""
    return shiboken6.isValid(obj)


class Banner(QLabel):
    """A full-width message strip; hidden until there is something to say."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"banner-{kind}")
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMargin(6)
        self.hide()

    def say(self, text: str) -> None:
        self.setText(text)
        self.show()


class BusyIndicator(QProgressBar):
    """An indeterminate bar shown while a backend call runs longer than ~200 ms."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, 0)
        self.setMaximumWidth(120)
        self.setMaximumHeight(12)
        self.setTextVisible(False)
        self.hide()

    def set_busy(self, busy: bool) -> None:
        self.setVisible(busy)


class Chips(QWidget):
    """Flags such as "stuck order" as coloured chips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self.texts: list[str] = []

    def set_chips(self, chips: list[tuple[str, str]]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.texts = [text for text, _ in chips]
        for text, kind in chips:
            label = QLabel(text)
            label.setObjectName(f"chip-{kind}")
            self._layout.addWidget(label)
        self._layout.addStretch(1)
