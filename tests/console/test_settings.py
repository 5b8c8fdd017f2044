"""The settings dialog: what it saves (per user, in QSettings), and that the look changes
at once; the login window and the desk reach it; a new backend is used at the next login."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QVBoxLayout, QWidget

from console import resources, settings
from console.app import Controller
from console.client import BackendClient
from console.worker import Worker
from tests.console.conftest import run
from views.admin import AdminWindow
from views.login import LoginWindow
from views.settings import SettingsDialog


@pytest.fixture(autouse=True)
def _restore_look(qapp: QApplication) -> Iterator[None]:
    yield
    resources.apply_appearance(qapp, "light", resources.BASE_POINT_SIZE)
    resources.install_language(qapp, "en")


def choose(
    dialog: SettingsDialog,
    *,
    url: str | None = None,
    language: str | None = None,
    theme: str | None = None,
    size: int | None = None,
) -> None:
    if url is not None:
        dialog.url.setText(url)
    if language is not None:
        dialog.language.setCurrentIndex(dialog.language.findData(language))
    if theme is not None:
        dialog.theme.setCurrentIndex(dialog.theme.findData(theme))
    if size is not None:
        dialog.font_size.setValue(size)


def save(qtbot, dialog: SettingsDialog) -> None:
    button = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def background(widget: QWidget) -> QColor:
    image = widget.grab().toImage()
    return QColor(image.pixel(image.width() // 2, image.height() - 3))


def test_values_persist_per_user_in_qsettings(loop, qtbot, tmp_path: Path) -> None:
    kim = SettingsDialog(username="kim.agent")
    qtbot.addWidget(kim)
    kim.show()
    choose(kim, url="https://desk.example.com/ ", language="en", theme="dark", size=14)
    save(qtbot, kim)
    assert not kim.isVisible() and kim.result() == SettingsDialog.DialogCode.Accepted

    lee = SettingsDialog(username="lee.agent")
    qtbot.addWidget(lee)
    assert lee.url.text() == "https://desk.example.com"  # the machine's backend, trimmed
    choose(lee, theme="light", size=11)
    save(qtbot, lee)

    # Read back from the file on disk, as the next start of the console would.
    files = list((tmp_path / "settings").rglob("*.ini"))
    assert len(files) == 1, files
    store = QSettings(str(files[0]), QSettings.Format.IniFormat)
    assert settings.THEME.read(store, "kim.agent") == "dark"
    assert settings.FONT_SIZE.read(store, "kim.agent") == 14
    assert settings.LANGUAGE.read(store, "kim.agent") == "en"
    assert settings.THEME.read(store, "lee.agent") == "light"
    assert settings.FONT_SIZE.read(store, "lee.agent") == 11
    # Before anyone logs in: the last choice made on this machine.
    assert (settings.THEME.read(store), settings.FONT_SIZE.read(store)) == ("light", 11)
    assert settings.BACKEND_URL.read(store) == "https://desk.example.com"
    # Someone who never chose gets the machine's values.
    assert settings.FONT_SIZE.read(store, "park.agent") == 11

    again = SettingsDialog(username="kim.agent")
    qtbot.addWidget(again)
    assert (again.theme.currentData(), again.font_size.value()) == ("dark", 14)
    assert again.language.currentData() == "en"


def test_stored_values_that_make_no_sense_fall_back_to_defaults() -> None:
    store = settings.store()
    store.setValue("ui/theme", "purple")
    store.setValue("ui/font_size", "200")
    store.setValue("users/kim/ui/font_size", "huge")
    assert settings.THEME.read(store) == "light"
    assert settings.FONT_SIZE.read(store) == 10
    assert settings.FONT_SIZE.read(store, "kim") == 10


def test_theme_and_font_size_apply_at_once(loop, qtbot, qapp) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    QVBoxLayout(window).addWidget(QLineEdit("접수완료"))
    window.resize(300, 120)
    window.show()
    assert background(window).lightness() > 200

    dialog = SettingsDialog(window)
    choose(dialog, theme="dark", size=16)
    with qtbot.waitSignal(dialog.appearance_changed) as changed:
        save(qtbot, dialog)
    assert changed.args == ["dark", 16]
    assert qapp.font().pointSize() == 16
    assert "Nanum" in qapp.font().family()  # the shipped font stays, only bigger
    assert "#1e2227" in qapp.styleSheet()
    assert "font-size: 32pt" in qapp.styleSheet()  # the 20 pt title grew with the font
    qtbot.waitUntil(lambda: background(window).lightness() < 60, timeout=3000)
    assert window.font().pointSize() == 16

    back = SettingsDialog(window)
    choose(back, theme="light", size=10)
    save(qtbot, back)
    qtbot.waitUntil(lambda: background(window).lightness() > 200, timeout=3000)
    assert "#1e2227" not in qapp.styleSheet()
    assert qapp.font().pointSize() == 10


def test_a_backend_url_that_is_not_http_is_refused_and_nothing_is_saved(loop, qtbot) -> None:
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    choose(dialog, url="desk.example.com", theme="dark")
    save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.error.isVisible()
    assert "http://" in dialog.error.text() and "desk.example.com" in dialog.error.text()
    store = settings.store()
    assert settings.BACKEND_URL.read(store) == settings.BACKEND_URL.default
    assert settings.THEME.read(store) == "light"


def test_login_window_settings_switch_language_live_and_set_the_backend(loop, qtbot) -> None:
    worker = Worker()
    login = LoginWindow(
        worker, backend_url="http://127.0.0.1:8750", demo_accounts={"agent1": "agent1-demo"}
    )
    qtbot.addWidget(login)
    login.show()
    ok = login.login_button
    assert ok.text() == "Log in"
    assert not login.url.isVisible()  # the embedded default hides its fixed URL

    qtbot.mouseClick(login.settings_button, Qt.MouseButton.LeftButton)
    dialog = login.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    choose(dialog, language="ko", url="https://desk.example.com")
    save(qtbot, dialog)

    qtbot.waitUntil(lambda: ok.text() == "로그인", timeout=3000)
    assert login.windowTitle() != "Launchdesk — log in"
    assert login.url.isVisible() and login.url.text() == "https://desk.example.com"
    assert login.hint is not None and not login.hint.isVisible()
    worker.shutdown()


def test_desk_opens_settings_from_its_menu_and_asks_for_the_new_language(
    api, make_desk, qtbot, qapp
) -> None:
    desk = make_desk(api.make_user("agent", "kim.agent"))
    act = desk.findChild(QAction, "act-settings")
    assert act is not None and act.shortcut() == QKeySequence("Ctrl+,")
    assert act in desk.menuBar().actions()[0].menu().actions()
    act.trigger()
    dialog = desk.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.username == "kim.agent"
    choose(dialog, theme="dark", language="ko", size=12)
    with qtbot.waitSignal(desk.language_requested) as asked:
        save(qtbot, dialog)
    assert asked.args == ["ko"]
    assert "#1e2227" in qapp.styleSheet() and qapp.font().pointSize() == 12
    store = settings.store()
    assert settings.THEME.read(store, "kim.agent") == "dark"
    assert settings.LANGUAGE.read(store, "kim.agent") == "ko"


def test_each_user_gets_their_look_at_login_and_a_new_backend_at_the_next_login(
    api, loop, qtbot, qapp
) -> None:
    api.make_user("agent", "kim.agent")
    store = settings.store()
    settings.THEME.write(store, "dark", "kim.agent")
    settings.FONT_SIZE.write(store, 14, "kim.agent")
    settings.THEME.write(store, "light")
    settings.FONT_SIZE.write(store, 10)
    worker = Worker()
    controller = Controller(qapp, worker, backend_url=api.url, feed_wait=1.0)
    login = controller.show_login()
    qtbot.addWidget(login)
    login.username.setText("kim.agent")
    login.password.setText("secret-pass-1")
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.desk is not None, timeout=10_000)
    desk = controller.desk
    qtbot.addWidget(desk)
    assert qapp.font().pointSize() == 14 and "#1e2227" in qapp.styleSheet()

    dialog = desk.open_settings()
    assert (dialog.theme.currentData(), dialog.font_size.value()) == ("dark", 14)
    choose(dialog, url="http://127.0.0.1:1")
    save(qtbot, dialog)
    assert controller.desk is desk  # the backend in use does not change under the agent

    run(qtbot, controller.logout())
    qtbot.waitUntil(lambda: controller.login is not login and controller.login.isVisible())
    qtbot.addWidget(controller.login)
    assert controller.login.url.text() == "http://127.0.0.1:1"
    assert controller.login.url.isVisible()
    worker.shutdown()


def test_charts_follow_the_theme(loop, qtbot, qapp) -> None:
    from PySide6.QtCharts import QChart, QChartView

    view = QChartView(QChart())
    qtbot.addWidget(view)
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    choose(dialog, theme="dark")
    save(qtbot, dialog)
    assert view.chart().theme() == QChart.ChartTheme.ChartThemeDark
    resources.apply_appearance(qapp, "light", 10)
    assert view.chart().theme() == QChart.ChartTheme.ChartThemeLight


def test_admin_window_opens_settings_and_asks_for_the_new_language(api, loop, qtbot) -> None:
    name = api.make_user("admin", "lee.admin")
    client = BackendClient(api.url)
    client.login(name, "secret-pass-1")
    worker = Worker()
    window = AdminWindow(client, worker)
    qtbot.addWidget(window)
    act = next(
        a
        for a in window.menuBar().actions()[0].menu().actions()
        if a.shortcut() == QKeySequence("Ctrl+,")
    )
    act.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible() and dialog.username == "lee.admin"
    choose(dialog, language="ko")
    with qtbot.waitSignal(window.language_requested) as asked:
        save(qtbot, dialog)
    assert asked.args == ["ko"]
    assert settings.LANGUAGE.read(settings.store(), "lee.admin") == "ko"
    worker.shutdown()
