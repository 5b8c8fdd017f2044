from __future__ import annotations

from sqlalchemy import select

from console.client import BackendClient
from console.worker import Worker
from services.models import User
from tests.console.conftest import run
from views.admin import AdminWindow


def test_admin_adds_an_account_sets_its_role_and_disables_it(api, db, loop, qtbot) -> None:
    name = api.make_user("admin")
    client = BackendClient(api.url)
    client.login(name, "secret-pass-1")
    worker = Worker()
    window = AdminWindow(client, worker)
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: len(window.users_model.rows) == 1, timeout=5000)
    window.username.setText("park.agent")
    window.display_name.setText("상담원 박")
    window.role.setCurrentIndex(window.role.findData("agent"))
    window._generate()
    password = window.password.text()
    assert len(password) >= 12
    run(qtbot, window.add())
    qtbot.waitUntil(lambda: len(window.users_model.rows) == 2, timeout=5000)
    assert api.login("park.agent", password).role == "agent"
    row = next(i for i, r in enumerate(window.users_model.rows) if r["username"] == "park.agent")
    window.users.selectRow(row)
    window.role.setCurrentIndex(window.role.findData("lead"))
    run(qtbot, window.apply_role())
    run(qtbot, window.toggle_disabled())
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == "park.agent"))
        assert (user.role, user.disabled) == ("lead", True)
    window.username.setText("x")
    window.password.setText("short")
    run(qtbot, window.add())
    assert "characters" in window.message.text() or "8" in window.message.text()
    worker.shutdown()
