"""The settings dialog: backend URL, language, theme and font size.

OK saves and applies at once: the theme and font size restyle every open window, the
language retranslates them (the desk is rebuilt by the controller), and a new backend
URL is used from the next login on. The look is saved for the logged-in user when
there is one (console/settings.py).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console import resources, settings

# Each language is named in itself, so it can be found whichever one is showing.
LANGUAGES = (("ko", "한국어"), ("en", "English"))


class SettingsDialog(QDialog):
    language_changed = Signal(str)
    backend_url_changed = Signal(str)
    appearance_changed = Signal(str, int)  # theme, font size

    def __init__(self, parent: QWidget | None = None, *, username: str | None = None) -> None:
        super().__init__(parent)
        self.username = username
        self.setObjectName("settings")
        self.setWindowTitle(self.tr("Settings"))
        store = settings.store()
        self.initial = {
            "url": settings.BACKEND_URL.read(store),
            "language": resources.current_language(),  # what is showing now
            "theme": settings.THEME.read(store, username),
            "font_size": settings.FONT_SIZE.read(store, username),
        }

        self.url = QLineEdit(self.initial["url"])
        self.url.setObjectName("settings-url")
        self.url.setToolTip(self.tr("Used from the next login on"))
        self.language = QComboBox()
        self.language.setObjectName("settings-language")
        for code, name in LANGUAGES:
            self.language.addItem(name, code)
        self.theme = QComboBox()
        self.theme.setObjectName("settings-theme")
        self.theme.addItem(self.tr("Light"), "light")
        self.theme.addItem(self.tr("Dark"), "dark")
        self.font_size = QSpinBox()
        self.font_size.setObjectName("settings-font-size")
        minimum, maximum = settings.FONT_SIZE.minimum, settings.FONT_SIZE.maximum
        self.font_size.setRange(minimum or 8, maximum or 24)
        self.font_size.setSuffix(" pt")
        self.sample = QLabel(self.tr("Sample text: order no. 12345678903"))
        self.sample.setObjectName("settings-sample")
        self.error = QLabel()
        self.error.setObjectName("settings-error")
        self.error.setWordWrap(True)
        self.error.hide()
        self._select(self.language, self.initial["language"])
        self._select(self.theme, self.initial["theme"])
        self.font_size.setValue(int(self.initial["font_size"]))
        self.font_size.valueChanged.connect(self._preview)
        self._preview(self.font_size.value())

        form = QFormLayout()
        form.addRow(self.tr("Backend URL"), self.url)
        note = QLabel(self.tr("A new backend URL is used from the next login on."))
        note.setObjectName("settings-note")
        note.setWordWrap(True)
        form.addRow("", note)
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Theme"), self.theme)
        form.addRow(self.tr("Font size"), self.font_size)
        form.addRow(self.tr("Preview"), self.sample)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Save"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    @staticmethod
    def _select(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    def _preview(self, size: int) -> None:
        font = QFont(self.sample.font())
        font.setPointSize(size)
        self.sample.setFont(font)

    def save(self) -> bool:
        """Validate, store and apply; False (with the reason shown) when a value is wrong."""
        url = self.url.text().strip().rstrip("/")
        if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
            self.error.setText(
                self.tr("The backend URL must start with http:// or https://; received %1").replace(
                    "%1", url or "—"
                )
            )
            self.error.show()
            return False
        language = str(self.language.currentData())
        theme = str(self.theme.currentData())
        size = self.font_size.value()
        store = settings.store()
        settings.BACKEND_URL.write(store, url)
        settings.LANGUAGE.write(store, language, self.username)
        settings.THEME.write(store, theme, self.username)
        settings.FONT_SIZE.write(store, size, self.username)
        store.sync()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            resources.apply_appearance(app, theme, size)
            if language != resources.current_language():
                # Every open widget gets a LanguageChange event and retranslates itself.
                resources.install_language(app, language)
        if (theme, size) != (self.initial["theme"], self.initial["font_size"]):
            self.appearance_changed.emit(theme, size)
        if url != self.initial["url"]:
            self.backend_url_changed.emit(url)
        if language != self.initial["language"]:
            self.language_changed.emit(language)
        return True

    def accept(self) -> None:
        if self.save():
            super().accept()
