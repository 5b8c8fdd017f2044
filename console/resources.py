"""Fonts, translations and the stylesheet shipped in resources/."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger("launchdesk.console")


def resources_dir() -> Path:
    # In a PyInstaller bundle the data files sit beside the executable's _MEIPASS.
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1]))
    return base / "resources"


def load_fonts(app: QApplication, point_size: int = 10) -> str:
    """Load the shipped Korean font and make it the default, so Hangul renders anywhere."""
    family = ""
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path.name)
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        family = family or (families[0] if families else "")
    if family:
        app.setFont(QFont(family, point_size))
    return family


_translators: list[QTranslator] = []


def install_language(app: QCoreApplication, language: str) -> bool:
    """Korean by default; English is the source language of the strings."""
    for old in _translators:
        app.removeTranslator(old)
    _translators.clear()
    if language != "ko":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return True
    QLocale.setDefault(QLocale(QLocale.Language.Korean, QLocale.Country.SouthKorea))
    translator = QTranslator(app)
    if not translator.load(str(resources_dir() / "translations" / "launchdesk_ko.qm")):
        log.warning("Korean translation missing; showing English")
        return False
    app.installTranslator(translator)
    _translators.append(translator)
    return True


def stylesheet() -> str:
    path = resources_dir() / "style.qss"
    return path.read_text(encoding="utf-8") if path.exists() else ""
