"""Fonts, translations and the style sheets shipped in resources/, and applying the look
(theme, font size, language) to the running application."""

from __future__ import annotations

import gc
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from console import settings

log = logging.getLogger("launchdesk.console")
BASE_POINT_SIZE = 10  # the size style.qss was written for
_family = ""


@contextmanager
def qt_walk() -> Iterator[None]:
    """No automatic garbage collection while Qt sends an event to every widget (a font,
    palette, style sheet or language applied to the whole application). Python code runs
    inside that walk (widgets' event handlers); a collection it set off could free the
    wrapper of a widget nothing else holds, deleting the widget under Qt's feet: the
    process dies (seen once in CI; tests/console/test_appearance_walk.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def resources_dir() -> Path:
    # In a PyInstaller bundle the data files sit beside the executable's _MEIPASS.
    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[1]))
    return base / "resources"


def load_fonts(app: QApplication, point_size: int = BASE_POINT_SIZE) -> str:
    """Load the shipped Korean font and make it the default, so Hangul renders anywhere."""
    global _family
    if _family:  # Qt keeps application fonts for the life of the process
        app.setFont(QFont(_family, point_size))
        return _family
    family = ""
    for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("could not load font %s", path.name)
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        family = family or (families[0] if families else "")
    if family:
        _family = family
        app.setFont(QFont(family, point_size))
    return family


_translators: list[QTranslator] = []


def install_language(app: QCoreApplication, language: str) -> bool:
    """Korean by default; English is the source language of the strings."""
    with qt_walk():  # each translator added or removed is a LanguageChange to every widget
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


def icon() -> QIcon:
    """The window and task-bar icon (a null icon when the file is missing)."""
    return QIcon(str(resources_dir() / "icons" / "launchdesk.png"))


def current_language() -> str:
    return "ko" if _translators else "en"


_POINTS = re.compile(r"(\d+(?:\.\d+)?)pt\b")


def stylesheet(theme: str = "light", point_size: int = BASE_POINT_SIZE) -> str:
    """style.qss, with style-dark.qss over it for the dark theme.

    The sheets give a few labels (titles, "as of" stamps) sizes of their own in points;
    they are scaled with the chosen font size, so a larger font enlarges everything.
    """
    names = ["style.qss"] + (["style-dark.qss"] if theme == "dark" else [])
    sheets = [resources_dir() / name for name in names]
    text = "\n".join(path.read_text(encoding="utf-8") for path in sheets if path.exists())
    if point_size == BASE_POINT_SIZE:
        return text
    scale = point_size / BASE_POINT_SIZE
    return _POINTS.sub(lambda m: f"{max(1, round(float(m.group(1)) * scale))}pt", text)


def palette(theme: str) -> QPalette:
    """The palette under the style sheet: what the sheet does not style still matches."""
    if theme != "dark":
        return QApplication.style().standardPalette()
    colours = {
        QPalette.ColorRole.Window: "#1e2227",
        QPalette.ColorRole.WindowText: "#e6e8eb",
        QPalette.ColorRole.Base: "#16191d",
        QPalette.ColorRole.AlternateBase: "#22262c",
        QPalette.ColorRole.ToolTipBase: "#2b3038",
        QPalette.ColorRole.ToolTipText: "#e6e8eb",
        QPalette.ColorRole.PlaceholderText: "#8b949e",
        QPalette.ColorRole.Text: "#e6e8eb",
        QPalette.ColorRole.Button: "#2b3038",
        QPalette.ColorRole.ButtonText: "#e6e8eb",
        QPalette.ColorRole.BrightText: "#ff8a80",
        QPalette.ColorRole.Highlight: "#3d6fb6",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#8ab4f8",
        QPalette.ColorRole.Mid: "#3a4049",
        QPalette.ColorRole.Dark: "#111316",
        QPalette.ColorRole.Light: "#3a4049",
    }
    result = QPalette()
    for role, colour in colours.items():
        result.setColor(role, QColor(colour))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b737d"))
    return result


def apply_appearance(app: QApplication, theme: str, point_size: int) -> None:
    """Theme and font size, live: Qt re-polishes every open window."""
    with qt_walk():
        load_fonts(app, point_size)
        app.setPalette(palette(theme))
        app.setStyleSheet(stylesheet(theme, point_size))
    app.setProperty("launchdesk_theme", theme)
    # Charts draw themselves, untouched by style sheets: give the open ones the theme too.
    if "PySide6.QtCharts" in sys.modules:
        from PySide6.QtCharts import QChartView

        for widget in app.allWidgets():
            if isinstance(widget, QChartView):
                style_chart(widget.chart())


def style_chart(chart: object) -> None:
    """A QChart in the current theme (views call it on the charts they make)."""
    from PySide6.QtCharts import QChart

    if not isinstance(chart, QChart):
        return
    app = QApplication.instance()
    dark = app is not None and app.property("launchdesk_theme") == "dark"
    chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)


def apply_preferences(app: QApplication, username: str | None = None) -> None:
    """The saved look of this user (or the machine's last one before anyone logs in)."""
    store = settings.store()
    language = settings.LANGUAGE.read(store, username)
    if language != current_language() or not username:
        install_language(app, language)
    apply_appearance(
        app, settings.THEME.read(store, username), settings.FONT_SIZE.read(store, username)
    )
