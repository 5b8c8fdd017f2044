"""Who may call what, generated from the app's own route table (SPEC: roles, HTTP contract).

Every /api/v1 operation in the OpenAPI document is matched to its route, and the role it
needs is read off the route's dependencies (`require_<role>` from services/api/deps.py;
`current_principal` alone means any signed-in user) or, for a route that checks its caller
itself, its declared `x-role`. A new endpoint is covered here
without editing this file.

For every endpoint that needs a caller: no token, a garbage token, an expired token and a
logged-out token each get 401; every role that may not call it gets 403; every role that
may is let through (neither 401 nor 403). All errors in SPEC's shape.

One backend serves the whole module (the checks never change what they do not create), so
the module stays fast; tokens are minted straight into auth_sessions where the test is not
about login itself.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import requests
from fastapi.routing import APIRoute
from sqlalchemy import select, text

from services.accounts import ROLES, hash_token, role_allows
from services.api.app import create_app
from services.db import Database
from services.identifiers import make_reservation_no
from services.models import AuthSession, Base, User
from services.server import ThreadedServer
from services.timeutil import utcnow
from tests.conftest import BACKEND, _fresh_pg
from tests.support.client import Api, Session
from tests.support.launch import customer_id_for, customer_journey, ingest

PREFIX = "/api/v1"
# The only /api/v1 operations anyone may call without a token. A new endpoint that turns
# up here unannounced is a hole, so this list is deliberately written out.
PUBLIC = {("POST", "/api/v1/auth/login"), ("GET", "/api/v1/healthz")}
TIMEOUT = 30


# --- the route table --------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # template, e.g. /api/v1/customers/{customer_id}
    role: str | None  # None: public; "any": any signed-in user; else the role required
    operation: dict[str, Any] = field(compare=False, hash=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path[len(PREFIX) :]}"


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    """Every APIRoute, also inside included routers (FastAPI nests them in newer versions)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes)
        elif getattr(route, "routes", None) is not None and not isinstance(route, APIRoute):
            yield from _api_routes(route.routes)


def _dependency_names(dependant: Any) -> Iterator[str]:
    for dep in dependant.dependencies:
        call = dep.call
        yield getattr(call, "__name__", type(call).__name__)
        yield from _dependency_names(dep)


def _required_role(route: APIRoute) -> str | None:
    names = list(_dependency_names(route.dependant))
    required = [n.removeprefix("require_") for n in names if n.startswith("require_")]
    # A hot route checks its caller on its own thread (services.api.writes.run_write_as)
    # and declares the role it asks for; the calls below check that it does ask.
    declared = (route.openapi_extra or {}).get("x-role")
    if declared is not None:
        assert not names, f"{route.path} declares {declared!r} and has dependencies {names}"
        required = [declared]
    assert len(set(required)) <= 1, f"{route.path} asks for several roles: {required}"
    if required:
        assert required[0] in ROLES, f"{route.path}: unknown role {required[0]!r}"
        return required[0]
    if "current_principal" in names:
        return "any"
    return None


def discover() -> list[Endpoint]:
    # The database is never opened: only the route table and the OpenAPI document are read.
    db = Database(f"sqlite:///{tempfile.gettempdir()}/launchdesk-route-table-never-opened.db")
    app = create_app(db)
    db.dispose()
    by_key: dict[tuple[str, str], APIRoute] = {}
    for route in _api_routes(app.routes):
        for method in route.methods:
            by_key[(method, route.path)] = route
    endpoints = []
    for path, ops in app.openapi()["paths"].items():
        if not path.startswith(PREFIX + "/"):
            continue
        for method, op in ops.items():
            key = (method.upper(), path)
            assert key in by_key, f"{key} is in the OpenAPI document but not in the route table"
            endpoints.append(Endpoint(key[0], path, _required_role(by_key[key]), op))
    return endpoints


ENDPOINTS = discover()
GUARDED = [e for e in ENDPOINTS if e.role is not None]
ALLOWED_ROLE = {"any": "agent", **{r: r for r in ROLES}}


# SPEC's rules, written out here rather than taken from the backend: staff ranks include the
# lower ones; admin and integration stand apart.
STAFF = ("agent", "lead", "supervisor")


def allowed(endpoint: Endpoint, role: str) -> bool:
    if endpoint.role == "any":
        return True
    if endpoint.role in STAFF:
        return role in STAFF and STAFF.index(role) >= STAFF.index(endpoint.role)
    return role == endpoint.role


def concrete(endpoint: Endpoint) -> tuple[str, dict[str, Any]]:
    """A callable URL path (no such record behind it) and harmless, in-range query values.

    Numbers take their minimum, so GET /changes is asked with wait=0 and answers at once.
    """
    path = endpoint.path[len(PREFIX) :]
    params: dict[str, Any] = {}
    for p in endpoint.operation.get("parameters", []):
        schema = p.get("schema", {})
        kind = schema.get("type") or next(
            (s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"), "string"
        )
        if p["in"] == "path":
            value: Any = 987654 if kind == "integer" else "nosuchthing"
            path = path.replace("{" + p["name"] + "}", str(value))
        elif p["in"] == "query" and (p.get("required") or kind in ("integer", "number")):
            if kind in ("integer", "number"):
                params[p["name"]] = schema.get("minimum", 0)
            else:
                params[p["name"]] = "x"
    return path, params


# --- one backend for the module ---------------------------------------------------------------


@pytest.fixture(scope="module", name="shared")
def shared_backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Api]:
    if BACKEND == "postgresql":
        url = request.getfixturevalue("_pg_migrated")
        _fresh_pg(url).dispose()
    else:
        path = tmp_path_factory.mktemp("permissions") / "launchdesk.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    db = Database(url)
    server = ThreadedServer(db, outbox=False).start()
    try:
        yield Api(server.url, db)
    finally:
        server.stop()
        db.dispose()


@pytest.fixture(scope="module", name="users")
def role_users(shared: Api) -> dict[str, str]:
    """One account per role (user name by role)."""
    return {role: shared.make_user(role) for role in ROLES}


def mint(api: Api, username: str, *, expires_in: timedelta = timedelta(hours=1)) -> str:
    """A bearer token for username, written straight into auth_sessions."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with api.db.write() as s:
        user_id = s.scalar(select(User.id).where(User.username == username))
        s.add(
            AuthSession(
                token_hash=hash_token(token),
                user_id=user_id,
                created_at=now - timedelta(hours=2),
                expires_at=now + expires_in,
            )
        )
    return token


def call(api: Api, endpoint: Endpoint, headers: dict[str, str] | None = None) -> requests.Response:
    path, params = concrete(endpoint)
    return requests.request(
        endpoint.method, api.base + path, params=params, headers=headers or {}, timeout=TIMEOUT
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settled(resp: requests.Response) -> requests.Response:
    """After a 5xx, give the backend's thread a moment to finish logging its traceback.

    CPython 3.11 keeps the ast module's recursion counter per process, not per thread; the
    traceback module parses source with ast, so the backend formatting its traceback while
    pytest formats the failed (or xfailed) test's one can end the run with "SystemError:
    AST constructor recursion depth mismatch". Only a response that is a bug pays the wait.
    """
    if resp.status_code >= 500:
        time.sleep(0.5)
    return resp


def assert_error(resp: requests.Response, status: int, what: str) -> dict[str, Any]:
    settled(resp)
    assert resp.status_code == status, (
        f"{what}: expected {status}, got {resp.status_code}: {resp.text[:300]}"
    )
    assert resp.headers.get("content-type", "").startswith("application/json"), what
    body = resp.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"{what}: not SPEC's shape: {body}"
    err = body["error"]
    assert isinstance(err, dict), f"{what}: not SPEC's shape: {body}"
    assert isinstance(err.get("code"), str) and err["code"], f"{what}: no error code: {body}"
    assert isinstance(err.get("message"), str) and err["message"], f"{what}: no message: {body}"
    return err


# --- the route table itself -------------------------------------------------------------------


def test_route_table_is_read_and_complete() -> None:
    ids = {e.id for e in ENDPOINTS}
    # The anchors of SPEC's HTTP contract; if these vanish, discovery broke, not the API.
    for anchor in (
        "POST /auth/login",
        "POST /auth/logout",
        "GET /search",
        "GET /customers/{customer_id}",
        "POST /callbacks",
        "POST /callbacks/next",
        "POST /callbacks/{callback_id}/heartbeat",
        "POST /callbacks/{callback_id}/complete",
        "POST /callbacks/reassign",
        "GET /orders/stuck",
        "POST /ingest/events",
        "GET /changes",
    ):
        assert anchor in ids, f"{anchor} not found in the route table"
    roles = {e.id: e.role for e in ENDPOINTS}
    assert roles["POST /callbacks/reassign"] == "supervisor"
    assert roles["POST /ingest/events"] == "integration"
    assert roles["GET /search"] == "agent"
    assert roles["GET /changes"] == "agent"


def test_only_login_and_health_are_public() -> None:
    public = {(e.method, e.path) for e in ENDPOINTS if e.role is None}
    assert public == PUBLIC, f"endpoints that need no token: {sorted(public)}"


def test_endpoints_open_to_every_signed_in_role_are_few() -> None:
    # Any role, admin and integration included, may call these. A new endpoint that turns up
    # here (typed AnyUser instead of a role) is a hole, so the list is written out.
    anyone = {e.id for e in GUARDED if e.role == "any"}
    assert anyone <= {"POST /auth/logout", "GET /auth/me"}, anyone


@pytest.mark.parametrize("role", ["admin", "integration"])
def test_change_feed_is_for_staff_only(shared: Api, users: dict[str, str], role: str) -> None:
    resp = requests.get(
        shared.base + "/changes",
        params={"after": 0, "wait": 0},
        headers=bearer(mint(shared, users[role])),
        timeout=TIMEOUT,
    )
    assert_error(resp, 403, f"GET /changes as {role}")


# --- 401 --------------------------------------------------------------------------------------

GARBAGE_AUTH = {
    "no header": {},
    "garbage token": bearer("not-a-real-token"),
    "empty bearer": {"Authorization": "Bearer "},
    "wrong scheme": {"Authorization": "Basic YWdlbnQ6c2VjcmV0LXBhc3MtMQ=="},
    "token only": {"Authorization": secrets.token_urlsafe(32)},
    "overlong token": bearer("A" * 5000),
    "non-ascii token": {"Authorization": "Bearer t\u00f6ken\u00e9"},
}


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: e.id)
def test_no_or_garbage_token_is_401(shared: Api, endpoint: Endpoint) -> None:
    for what, headers in GARBAGE_AUTH.items():
        resp = call(shared, endpoint, headers)
        assert_error(resp, 401, f"{endpoint.id} with {what}")


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: e.id)
def test_expired_token_is_401(shared: Api, users: dict[str, str], endpoint: Endpoint) -> None:
    token = mint(shared, users[ALLOWED_ROLE[endpoint.role or "any"]], expires_in=timedelta(hours=1))
    # Expire it in place: update the row's expires_at into the past.
    with shared.db.write() as s:
        row = s.scalar(select(AuthSession).where(AuthSession.token_hash == hash_token(token)))
        row.expires_at = utcnow() - timedelta(seconds=1)
    err = assert_error(call(shared, endpoint, bearer(token)), 401, f"{endpoint.id} expired")
    assert err["code"] == "token_expired"


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: e.id)
def test_logged_out_token_is_401(shared: Api, users: dict[str, str], endpoint: Endpoint) -> None:
    token = mint(shared, users[ALLOWED_ROLE[endpoint.role or "any"]])
    out = requests.post(shared.base + "/auth/logout", headers=bearer(token), timeout=TIMEOUT)
    assert out.status_code == 204, out.text
    err = assert_error(call(shared, endpoint, bearer(token)), 401, f"{endpoint.id} logged out")
    assert err["code"] == "token_revoked"


def test_disabled_account_token_is_401(shared: Api) -> None:
    name = shared.make_user("supervisor")
    token = mint(shared, name)
    assert requests.get(shared.base + "/auth/me", headers=bearer(token), timeout=TIMEOUT).ok
    with shared.db.write() as s:
        s.scalar(select(User).where(User.username == name)).disabled = True
    resp = requests.get(shared.base + "/auth/me", headers=bearer(token), timeout=TIMEOUT)
    assert_error(resp, 401, "disabled account")


# --- 403, and the roles that are let through --------------------------------------------------


@pytest.mark.parametrize("endpoint", GUARDED, ids=lambda e: e.id)
def test_roles_not_allowed_get_403(shared: Api, users: dict[str, str], endpoint: Endpoint) -> None:
    for role in ROLES:
        resp = call(shared, endpoint, bearer(mint(shared, users[role])))
        if allowed(endpoint, role):
            assert resp.status_code not in (401, 403), (
                f"{endpoint.id} refused {role}, which may call it: {resp.status_code} {resp.text[:300]}"
            )
            assert resp.status_code < 500, (
                f"{endpoint.id} as {role}: {resp.status_code} {resp.text[:300]}"
            )
        else:
            err = assert_error(resp, 403, f"{endpoint.id} as {role}")
            assert err["code"] == "forbidden"


def test_role_rules_follow_spec() -> None:
    expected = {
        "agent": ["agent", "lead", "supervisor"],
        "lead": ["lead", "supervisor"],
        "supervisor": ["supervisor"],
        "admin": ["admin"],
        "integration": ["integration"],
    }
    for required, roles in expected.items():
        assert [r for r in ROLES if role_allows(r, required)] == roles, f"backend: {required}"
    for endpoint in GUARDED:
        if endpoint.role != "any":
            assert [r for r in ROLES if allowed(endpoint, r)] == expected[endpoint.role]
    admin_only = {e.id for e in GUARDED if e.role == "admin"}
    assert admin_only and all(i.split(" ", 1)[1].startswith("/admin/") for i in admin_only)
    assert all(e.role == "admin" for e in GUARDED if e.path.startswith(PREFIX + "/admin/"))
    assert {e.id for e in GUARDED if e.role == "integration"} == {"POST /ingest/events"}


def test_agent_may_not_reassign_callbacks(shared: Api) -> None:
    agent = shared.login(shared.make_user("agent"))
    resp = agent.post("/callbacks/reassign", json={"callback_ids": [1], "to_agent": None})
    err = assert_error(resp, 403, "agent reassigning")
    assert "supervisor" in err["message"]
    lead = Session(shared.base, mint(shared, shared.make_user("lead")), "lead", "lead")
    assert_error(
        lead.post("/callbacks/reassign", json={"callback_ids": [1], "to_agent": None}), 403, "lead"
    )


# --- login --------------------------------------------------------------------------------------


def test_login_is_rate_limited_per_user(shared: Api) -> None:
    name = shared.make_user("agent", password="right-pass-123")
    for attempt in range(5):
        resp = requests.post(
            shared.base + "/auth/login",
            json={"username": name, "password": f"wrong-pass-{attempt}"},
            timeout=TIMEOUT,
        )
        assert_error(resp, 401, f"wrong password #{attempt + 1}")
    resp = requests.post(
        shared.base + "/auth/login",
        json={"username": name, "password": "right-pass-123"},
        timeout=TIMEOUT,
    )
    err = assert_error(resp, 429, "right password after five wrong ones")
    assert "token" not in resp.text
    assert err["code"]
    # Another user is not locked out by it.
    other = shared.make_user("agent", password="right-pass-123")
    ok = requests.post(
        shared.base + "/auth/login",
        json={"username": other, "password": "right-pass-123"},
        timeout=TIMEOUT,
    )
    assert ok.status_code == 200, ok.text


def test_login_wrong_password_and_unknown_user_look_alike(shared: Api) -> None:
    name = shared.make_user("agent")
    wrong = requests.post(
        shared.base + "/auth/login",
        json={"username": name, "password": "nope-nope-1"},
        timeout=TIMEOUT,
    )
    unknown = requests.post(
        shared.base + "/auth/login",
        json={"username": "nobody-here", "password": "nope-nope-1"},
        timeout=TIMEOUT,
    )
    assert assert_error(wrong, 401, "wrong password") == assert_error(unknown, 401, "unknown user")


def _table_text(db: Database, table: str) -> str:
    with db.read() as s:
        rows = s.execute(text(f'SELECT * FROM "{table}"')).all()
    return json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)


def test_password_never_in_audit_log_nor_logs(
    shared: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # SQL and its parameters too: the plain password must not even reach the database layer.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    first = "Pw-first-" + secrets.token_hex(8)
    second = "Pw-second-" + secrets.token_hex(8)
    wrong = "Pw-wrong-" + secrets.token_hex(8)
    admin = Session(shared.base, mint(shared, shared.make_user("admin")), "admin", "admin")
    name = "pwcheck" + secrets.token_hex(3)

    made = admin.post("/admin/users", json={"username": name, "role": "agent", "password": first})
    assert made.status_code in (200, 201), made.text
    assert first not in made.text
    assert shared.login(name, first).token
    bad = requests.post(
        shared.base + "/auth/login", json={"username": name, "password": wrong}, timeout=TIMEOUT
    )
    assert bad.status_code == 401 and wrong not in bad.text
    reset = admin.post(f"/admin/users/{name}/password", json={"password": second})
    assert reset.status_code == 200, reset.text
    assert second not in reset.text
    assert shared.login(name, second).token
    # A refused password (too short is not a password; too long is) must not echo back either.
    long_pw = "Pw-long-" + "z" * 300
    refused = admin.post(f"/admin/users/{name}/password", json={"password": long_pw})
    assert refused.status_code == 422 and long_pw not in refused.text

    audit = _table_text(shared.db, "audit_log")
    assert name in audit, "the account changes were not audited at all"
    everything = {t.name: _table_text(shared.db, t.name) for t in Base.metadata.sorted_tables}
    for secret in (first, second, wrong, long_pw):
        assert secret not in audit, "a password is in audit_log"
        stored = [table for table, dump in everything.items() if secret in dump]
        assert not stored, f"a password is stored in plain text in {stored}"
        for record in caplog.records:
            assert secret not in record.getMessage(), f"a password was logged: {record.name}"
            assert secret not in str(record.args or "")
        assert secret not in caplog.text
    # The backend's own records (its thread, not just this client's) were captured.
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)


# --- masking ------------------------------------------------------------------------------------


def test_mobile_is_masked_in_search_and_customer_screen(shared: Api) -> None:
    serial = 4711
    mobile = "01098761234"
    ingest(shared.db, customer_journey(serial, order=["received"], mobile=mobile))
    cid = customer_id_for(shared.db, serial)
    agent = Session(shared.base, mint(shared, shared.make_user("agent")), "agent", "agent")
    LEAKS = ("98761234", "9876-1234", "010-9876", "9876 1234")

    for query in (make_reservation_no(serial), mobile, "010-9876-1234"):
        resp = agent.get("/search", params={"q": query})
        assert resp.status_code == 200, resp.text
        matches = [m for m in resp.json()["matches"] if m["customer_id"] == cid]
        assert matches, f"{query} did not find the customer: {resp.text}"
        for m in matches:
            assert "010-****-1234" in m["label"], m
        for leak in LEAKS:
            assert leak not in resp.text.replace(query, ""), f"full mobile leaked: {resp.text}"

    screen = agent.get(f"/customers/{cid}")
    assert screen.status_code == 200, screen.text
    assert screen.json()["customer"]["mobile"] == "010-****-1234"
    for leak in LEAKS:
        assert leak not in screen.text, f"the full mobile number leaked ({leak})"
