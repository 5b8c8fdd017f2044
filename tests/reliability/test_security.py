"""Security across real `serve` processes: where it listens, what it logs, what it lists.

(Per-endpoint 401/403, logout, expired tokens, the login limit within one process and
passwords in the database and the in-process logs are in tests/api/test_permissions.py.)

- `serve` without --host listens on 127.0.0.1 only: TLS and any exposure are a proxy's job.
- Sessions and the login limit live in the database: a token logged out on one process is
  dead on the other, and failed logins on one count on the other.
- Neither process's output (its whole log) ever holds a password or a full mobile number,
  whatever was sent to it: logins right and wrong, new accounts, resets, upstream events
  with mobile numbers, a mobile number typed where an order number belongs.
- Every GET endpoint of the route table, called for a customer who has a stuck order, a
  callback, a message and a campaign, shows that customer's mobile number masked or not at
  all.
"""

from __future__ import annotations

import re
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from services.db import Database
from services.identifiers import make_order_no, make_reservation_no
from tests.api.test_permissions import ALLOWED_ROLE, ENDPOINTS
from tests.reliability.staff import staff
from tests.support.client import Api
from tests.support.launch import (
    FULL_SHIPMENT,
    customer_id_for,
    customer_journey,
    ingest,
)
from tests.support.serving import Served

TIMEOUT = 30
SERIAL = 31337
MOBILE = "01098761234"
LEAKS = ("98761234", "9876-1234", "9876 1234", "010-9876", "1098761234")


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (Linux /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/net/tcp")
def test_serve_listens_on_loopback_only_by_default(
    database_url: str, serve: Callable[..., Served]
) -> None:
    served = serve(database_url)  # no --host given
    addresses = _listening_addresses(served.port)
    assert addresses == {"0100007F"}, f"listening on {addresses}, not 127.0.0.1 alone"


def test_sessions_and_login_limit_hold_across_processes(
    db: Database, serve: Callable[..., Served]
) -> None:
    a, b = serve(db.url), serve(db.url)
    Api(a.url, db).make_user("agent", username="roamer", password="roamer-pass-1")
    login = requests.post(
        a.base + "/auth/login", json={"username": "roamer", "password": "roamer-pass-1"},
        timeout=TIMEOUT,
    )
    token = login.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(b.base + "/auth/me", headers=auth, timeout=TIMEOUT).status_code == 200
    assert requests.post(a.base + "/auth/logout", headers=auth, timeout=TIMEOUT).status_code == 204
    gone = requests.get(b.base + "/auth/me", headers=auth, timeout=TIMEOUT)
    assert gone.status_code == 401 and gone.json()["error"]["code"] == "token_revoked"

    for i in range(5):
        wrong = requests.post(
            (a if i % 2 else b).base + "/auth/login",
            json={"username": "roamer", "password": f"guess-{i}"},
            timeout=TIMEOUT,
        )
        assert wrong.status_code == 401
    for served in (a, b):
        limited = requests.post(
            served.base + "/auth/login",
            json={"username": "roamer", "password": "roamer-pass-1"},
            timeout=TIMEOUT,
        )
        assert limited.status_code == 429, limited.text
        assert "token" not in limited.json()


def test_no_password_or_mobile_number_in_any_server_output(
    db: Database, serve: Callable[..., Served]
) -> None:
    a, b = serve(db.url), serve(db.url)
    secrets_sent = [f"Pw-{secrets.token_hex(6)}-{i}" for i in range(4)]
    first, second, wrong, refused = secrets_sent
    [admin] = staff(db, "admin", 1).values()
    [integration] = staff(db, "integration", 1).values()
    [agent] = staff(db, "agent", 1).values()

    def post(served: Served, path: str, token: str | None, body: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(served.base + path, json=body, headers=headers, timeout=TIMEOUT)

    assert post(a, "/admin/users", admin, {"username": "logcheck", "role": "agent",
                                            "password": first}).status_code == 201
    assert post(b, "/auth/login", None, {"username": "logcheck", "password": first}).ok
    assert post(a, "/auth/login", None,
                {"username": "logcheck", "password": wrong}).status_code == 401
    assert post(b, "/admin/users/logcheck/password", admin, {"password": second}).ok
    assert post(a, "/admin/users/logcheck/password", admin,
                {"password": refused + "x" * 300}).status_code == 422
    events = customer_journey(SERIAL, order=["received"], mobile=MOBILE)
    assert post(b, "/ingest/events", integration, {"events": events}).ok
    bad_mobile = {**events[0], "event_id": "bad-mobile",
                  "customer": {**events[0]["customer"], "mobile": MOBILE + "9"}}
    assert post(a, "/ingest/events", integration, {"events": [bad_mobile]}).ok
    mistyped = requests.get(
        a.base + "/search", params={"q": "010-9876-1234", "kind": "order"},
        headers={"Authorization": f"Bearer {agent}"}, timeout=TIMEOUT,
    )
    assert mistyped.status_code == 422
    for leak in LEAKS:
        assert leak not in mistyped.text, "an error message echoed the mobile number"
    # A broken request of every kind, so that whatever the server logs, it logs now.
    requests.post(a.base + "/auth/login", data=b"\xff" + first.encode(), timeout=TIMEOUT)
    for served in (a, b):
        served.stop()
        output = served.log()
        assert output.strip(), "the server wrote nothing at all: the check would prove nothing"
        for secret in secrets_sent:
            assert secret not in output, "a password is in the server's output"
        for leak in LEAKS:
            assert leak not in output, f"a mobile number is in the server's output ({leak})"


# --- masked in every list -----------------------------------------------------------------------


def _concrete(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def test_every_get_endpoint_masks_the_mobile_number(api: Api, db: Database) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    ingest(db, customer_journey(SERIAL, start=start, order=["received"], mobile=MOBILE))
    ingest(
        db,
        customer_journey(
            SERIAL + 1, start=start, order=["received", "preparing", "shipped"],
            shipment=FULL_SHIPMENT[:2], mobile="01098761235",
        ),
    )
    cid = customer_id_for(db, SERIAL)
    agent, lead, sup = api.as_role("agent"), api.as_role("lead"), api.as_role("supervisor")
    cb = agent.post("/callbacks", json={"customer_id": cid, "topic": "delivery"}).json()["id"]
    agent.post(f"/customers/{cid}/notes", json={"body": "전화 요청"})
    sent = agent.post(
        f"/orders/{make_order_no(SERIAL + 1)}/resend-tracking",
        json={"override_reason": "masking check"},
    )
    assert sent.status_code == 201, sent.text
    lead.post("/templates", json={"key": "delay", "title": "지연", "body": "{name}님 지연"})
    campaign = lead.post(
        "/campaigns",
        json={"name": "mask", "template_key": "delay",
              "segment": {"kind": "stuck", "min_age_hours": 24}},
    )
    assert campaign.status_code == 201, campaign.text
    notice = lead.post("/notices", json={"topic": "t", "title": "t", "body": "b"}).json()["id"]
    ids = {
        "customer_id": cid, "callback_id": cb, "campaign_id": campaign.json()["id"],
        "notice_id": notice, "order_no": make_order_no(SERIAL), "username": agent.username,
        "key": "delivery",
    }
    callers = {"agent": agent, "lead": lead, "supervisor": sup}
    checked = []
    for endpoint in ENDPOINTS:
        if endpoint.method != "GET" or endpoint.role in (None, "admin", "integration"):
            continue
        caller = callers.get(ALLOWED_ROLE[endpoint.role], agent)
        params: dict[str, Any] = {}
        for p in endpoint.operation.get("parameters", []):
            if p["in"] == "query" and p["name"] in ("wait",):
                params["wait"] = 0
            elif p["in"] == "query" and p.get("required"):
                params[p["name"]] = make_reservation_no(SERIAL) if p["name"] == "q" else "x"
        resp = caller.get(_concrete(endpoint.id.split(" ", 1)[1], ids), params=params)
        assert resp.status_code < 500, f"{endpoint.id}: {resp.status_code} {resp.text[:200]}"
        for leak in LEAKS:
            assert leak not in resp.text, f"{endpoint.id} shows a full mobile number: {leak}"
        if resp.status_code == 200:
            checked.append(endpoint.id)
    # the lists that show customers were among those that answered
    for must in ("GET /customers/{customer_id}", "GET /callbacks", "GET /orders/stuck",
                 "GET /campaigns/{campaign_id}", "GET /callbacks/mine", "GET /search"):
        assert must in checked, f"{must} was not checked: {sorted(checked)}"
    masked = agent.get(f"/customers/{cid}").json()["customer"]["mobile"]
    assert masked == "010-****-1234"
