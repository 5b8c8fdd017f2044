"""Garbage in, a clean 4xx out: generated from the route table and the OpenAPI document.

For every /api/v1 endpoint with a JSON body, query or path parameters, each field gets the
inputs a careless or hostile client sends: bytes that are not JSON, the wrong JSON types
(a list for an object, numbers as strings, strings as numbers), missing required fields,
unknown fields, NUL bytes, 10,000-character strings, 2**70, negative ids, a body over
4 MiB. The caller holds a role that may call the endpoint, so the input itself is judged.
Every answer must be a 4xx (never 5xx, never a success) in SPEC's error shape.

Values that the garbage does not touch point at records that do not exist, so a request
the server (rightly) accepts still ends in 404 and changes nothing.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
import requests

from services.api.app import create_app
from services.db import Database
from tests.api.test_permissions import (
    ALLOWED_ROLE,
    ENDPOINTS,
    PREFIX,
    Endpoint,
    assert_error,
    mint,
    role_users,  # noqa: F401 - the fixture `users` (one account per role), for this module too
    settled,
    shared_backend,  # noqa: F401 - the fixture `shared` (one backend for this module)
)
from tests.support.client import Api
from tests.support.launch import customer_id_for, customer_journey, ingest

TIMEOUT = 60
FOUR_MIB = 4 * 1024 * 1024
NUL = "ab\x00cd"
LONG = "x" * 10_000
HUGE = 2**70
NOT_JSON = b"\xff\xfe{not: json,,"

_DOC_SCHEMAS: dict[str, Any] = {}


# --- reading schemas ----------------------------------------------------------------------------


def _components() -> dict[str, Any]:
    if not _DOC_SCHEMAS:
        db = Database(f"sqlite:///{tempfile.gettempdir()}/launchdesk-route-table-never-opened.db")
        _DOC_SCHEMAS.update(create_app(db).openapi().get("components", {}).get("schemas", {}))
        db.dispose()
    return _DOC_SCHEMAS


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return resolve(_components()[ref.rsplit("/", 1)[-1]])
    return schema


def main_type(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The type of a (possibly nullable) schema and the branch that has it."""
    schema = resolve(schema)
    if "anyOf" in schema:
        branches = [resolve(b) for b in schema["anyOf"] if resolve(b).get("type") != "null"]
        if branches:
            return main_type(branches[0])
    if "enum" in schema or "const" in schema:
        return "enum", schema
    return schema.get("type", "any"), schema


def sample(schema: dict[str, Any], *, for_query: bool = False) -> Any:
    """A value that fits the schema and names nothing that exists."""
    kind, s = main_type(schema)
    if kind == "enum":
        return s["enum"][0] if "enum" in s else s["const"]
    if kind == "integer":
        lo, hi = s.get("minimum", 1), s.get("maximum", 2**62)
        return int(lo) if for_query else int(min(max(987_654, lo), hi))
    if kind == "number":
        return s.get("minimum", 0)
    if kind == "boolean":
        return True
    if kind == "string":
        if s.get("format") == "date-time":
            return "2031-01-01T09:00:00+09:00"
        return "nosuchthing"[: s.get("maxLength", 64)].ljust(s.get("minLength", 1), "x")
    if kind == "array":
        return [sample(s.get("items", {})) for _ in range(max(1, s.get("minItems", 0)))]
    if kind == "object":
        return {
            name: sample(prop)
            for name, prop in s.get("properties", {}).items()
            if name in s.get("required", [])
        }
    return {}


# --- the cases ----------------------------------------------------------------------------------


@dataclass
class Case:
    endpoint: Endpoint
    name: str
    path: str
    params: dict[str, Any]
    body: Any = None  # JSON body (None: no body)
    raw: bytes | Callable[[], Any] | None = None  # raw bytes (or a maker of them) instead of JSON
    content_type: str = "application/json"
    expect: int | None = None  # exact status, else any 4xx

    @property
    def id(self) -> str:
        return f"{self.endpoint.id} | {self.name}"


def _parameters(endpoint: Endpoint, where: str) -> list[dict[str, Any]]:
    return [p for p in endpoint.operation.get("parameters", []) if p["in"] == where]


def _body_schema(endpoint: Endpoint) -> dict[str, Any] | None:
    content = endpoint.operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return resolve(schema) if schema else None


def _baseline(endpoint: Endpoint) -> tuple[dict[str, str], dict[str, Any], Any]:
    path_values = {p["name"]: sample(p["schema"]) for p in _parameters(endpoint, "path")}
    query = {}
    for p in _parameters(endpoint, "query"):
        kind, _ = main_type(p["schema"])
        if p.get("required") or kind in ("integer", "number"):
            # numbers at their minimum: GET /changes then waits 0 s, not 20
            query[p["name"]] = sample(p["schema"], for_query=True)
    body_schema = _body_schema(endpoint)
    body = sample(body_schema) if body_schema else None
    return path_values, query, body


def _path(endpoint: Endpoint, values: dict[str, Any]) -> str:
    path = endpoint.path[len(PREFIX) :]
    for name, value in values.items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


def _value_mutations(name: str, schema: dict[str, Any], *, where: str) -> Iterator[tuple[str, Any]]:
    """(case name, bad value) for one field, parameter or path segment."""
    kind, s = main_type(schema)
    if kind in ("string", "enum"):
        yield f"nul in {name}", NUL
        yield f"10k string in {name}", LONG
        if where == "body":
            yield f"number for string {name}", 12345
            yield f"object for string {name}", {"a": 1}
            yield f"list for string {name}", ["a"]
        if kind == "enum":
            yield f"unknown value for {name}", "no-such-value"
        if s.get("format") == "date-time":
            yield f"not a date in {name}", "next tuesday"
            yield f"impossible date in {name}", "2031-02-30T25:61:00+09:00"
            yield f"year 0 in {name}", "0000-01-01T00:00:00Z"
    elif kind in ("integer", "number"):
        yield f"2**70 in {name}", HUGE
        yield f"-1 in {name}", -1
        yield f"non-number in {name}", "abc"
        yield f"nul in {name}", NUL
        yield f"10k digits in {name}", "9" * 10_000
        if kind == "integer":
            yield f"fraction in {name}", 1.5
        else:
            yield f"nan in {name}", "nan"
            yield f"inf in {name}", "inf"
        if where == "body":
            yield f"number as string in {name}", str(sample(schema))
            yield f"object for number {name}", {"a": 1}
            if "anyOf" not in resolve(schema):  # not nullable
                yield f"null for number {name}", None
        if where == "path":
            yield f"0 as {name}", 0
            yield f"-2**70 as {name}", -HUGE
    elif kind == "boolean":
        yield f"word for boolean {name}", "perhaps"
        yield f"object for boolean {name}", {"a": 1}
    elif kind == "array":
        items = s.get("items", {})
        yield f"string for list {name}", "1,2,3"
        yield f"object for list {name}", {"0": 1}
        if "maxItems" in s:
            yield f"{s['maxItems'] + 1} items in {name}", [sample(items)] * (s["maxItems"] + 1)
        if s.get("minItems", 0) >= 1:
            yield f"empty list {name}", []
        if items:  # typed items: judge them too (untyped items are judged one by one)
            for case, bad in _value_mutations(f"{name}[]", items, where=where):
                yield case, [bad]


def cases_for(endpoint: Endpoint) -> Iterator[Case]:
    path_values, query, body = _baseline(endpoint)
    base_path = _path(endpoint, path_values)

    def case(name: str, **kw: Any) -> Case:
        kw.setdefault("path", base_path)
        kw.setdefault("params", query)
        kw.setdefault("body", body)
        return Case(endpoint, name, **kw)

    # path segments
    for p in _parameters(endpoint, "path"):
        for name, bad in _value_mutations(p["name"], p["schema"], where="path"):
            yield case(f"path: {name}", path=_path(endpoint, {**path_values, p["name"]: bad}))
        yield case(
            f"path: unicode {p['name']}", path=_path(endpoint, {**path_values, p["name"]: "주문ⅷ①"})
        )
        yield case(
            f"path: slashes in {p['name']}",
            path=_path(endpoint, {**path_values, p["name"]: "../../x"}),
        )

    # query parameters
    for p in _parameters(endpoint, "query"):
        if p.get("required"):
            yield case(
                f"query: missing {p['name']}",
                params={k: v for k, v in query.items() if k != p["name"]},
            )
        for name, bad in _value_mutations(p["name"], p["schema"], where="query"):
            yield case(f"query: {name}", params={**query, p["name"]: bad})

    # the body
    schema = _body_schema(endpoint)
    if schema is None:
        return
    yield case("body: not JSON", raw=NOT_JSON)
    yield case("body: truncated JSON", raw=json.dumps(body).encode()[:-1])
    yield case("body: empty", raw=b"")
    yield case(
        "body: JSON sent as text/plain", raw=json.dumps(body).encode(), content_type="text/plain"
    )
    yield case("body: list instead of object", body=[body])
    yield case("body: string instead of object", body="events")
    yield case("body: number instead of object", body=42)
    yield case("body: null", raw=b"null")
    yield case("body: unknown extra field", body={**body, "is_admin": True})
    yield case("body: nul in a field name", body={**body, "ab\x00": 1})
    yield case("body: deeply nested", raw=b'{"a":' * 5000 + b"1" + b"}" * 5000)
    for name in schema.get("required", []):
        yield case(f"body: missing {name}", body={k: v for k, v in body.items() if k != name})
    for name, prop in schema.get("properties", {}).items():
        for label, bad in _value_mutations(name, prop, where="body"):
            mutated = copy.deepcopy(body)
            mutated[name] = bad
            yield case(f"body: {label}", body=mutated)
    # over the 4 MiB limit: declared up front, and streamed without a declared length
    # (made when sent, not when collected: two dozen 4 MiB bodies would sit in memory)
    yield case("body: over 4 MiB (Content-Length)", raw=lambda: _oversized(body), expect=413)
    yield case("body: over 4 MiB (chunked)", raw=lambda: _chunks(_oversized(body)), expect=413)


def _oversized(body: dict[str, Any]) -> bytes:
    return json.dumps({**body, "pad": "x" * (FOUR_MIB + 10)}).encode()


def _chunks(data: bytes) -> Iterable[bytes]:
    """A generator body: requests sends it with Transfer-Encoding: chunked, no length."""
    return (data[i : i + 256 * 1024] for i in range(0, len(data), 256 * 1024))


def _params() -> list[Any]:
    out = []
    for endpoint in ENDPOINTS:
        if endpoint.role is None and endpoint.id != "POST /auth/login":
            continue
        for c in cases_for(endpoint):
            out.append(pytest.param(c, id=c.id))
    return out


CASES = _params()


# --- the tests ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tokens(shared: Api, users: dict[str, str]) -> dict[str, str]:
    return {role: mint(shared, name) for role, name in users.items()}


def send(api: Api, c: Case, token: str | None) -> requests.Response:
    headers = {"Content-Type": c.content_type}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if c.raw is not None:
        data: Any = c.raw() if callable(c.raw) else c.raw
    elif c.body is not None:
        data = json.dumps(c.body).encode()
    else:
        data = None
        headers.pop("Content-Type")
    resp = requests.request(
        c.endpoint.method,
        api.base + c.path,
        params=c.params,
        data=data,
        headers=headers,
        timeout=TIMEOUT,
    )
    return settled(resp)


def test_cases_cover_every_endpoint_with_input() -> None:
    covered = {p.values[0].endpoint.id for p in CASES}
    with_input = {
        e.id
        for e in ENDPOINTS
        if (e.role is not None or e.id == "POST /auth/login")
        and (e.operation.get("parameters") or e.operation.get("requestBody"))
    }
    assert with_input and covered == with_input
    names = {p.values[0].name for p in CASES if p.values[0].endpoint.id == "POST /ingest/events"}
    assert "body: 1001 items in events" in names


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_garbage_gets_a_clean_4xx(shared: Api, tokens: dict[str, str], case: Case) -> None:
    role = case.endpoint.role
    token = tokens[ALLOWED_ROLE[role]] if role else None
    resp = send(shared, case, token)
    what = f"{case.id} (as {ALLOWED_ROLE[role] if role else 'anonymous'})"
    if case.expect is not None:
        assert_error(resp, case.expect, what)
    else:
        assert 400 <= resp.status_code < 500, f"{what}: {resp.status_code} {resp.text[:300]}"
        assert_error(resp, resp.status_code, what)
    # the token still works: nothing above logged the caller out or broke the server
    if token:
        assert (
            requests.get(
                shared.base + "/auth/me",
                headers={"Authorization": f"Bearer {token}"},
                timeout=TIMEOUT,
            ).status_code
            == 200
        )


def test_idempotency_key_garbage_is_422(shared: Api, tokens: dict[str, str]) -> None:
    resp = requests.post(
        shared.base + "/notices",
        json={"topic": "t", "title": "t", "body": "b"},
        headers={"Authorization": f"Bearer {tokens['lead']}", "Idempotency-Key": "k" * 101},
        timeout=TIMEOUT,
    )
    assert_error(resp, 422, "overlong Idempotency-Key")


# --- ingest: one bad event never spoils its batch -----------------------------------------------


def _ingest(api: Api, token: str, events: list[Any]) -> requests.Response:
    resp = requests.post(
        api.base + "/ingest/events",
        json={"events": events},
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    return settled(resp)


def test_ingest_batch_of_1001_is_refused(shared: Api, tokens: dict[str, str]) -> None:
    events = customer_journey(90_001)
    batch = (events * 1001)[:1001]
    assert_error(_ingest(shared, tokens["integration"], batch), 422, "1,001 events")
    at_limit = _ingest(shared, tokens["integration"], [42] * 1000)
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["counts"] == {"rejected": 1000}


def test_ingest_mixed_batch_gives_per_event_results_in_order(
    shared: Api,
    tokens: dict[str, str],
) -> None:
    good = customer_journey(90_002, order=["received"])  # reservation, converted, order
    res_event = good[0]
    bad_events: list[Any] = [
        42,
        "reservation.created",
        None,
        [res_event],
        {},
        {**res_event, "event_id": "bad-type", "type": "reservation.exploded"},
        {**res_event, "event_id": "bad-source", "source": "the_internet"},
        {**res_event, "event_id": "bad-time", "occurred_at": "yesterday"},
        {**res_event, "event_id": "no-offset", "occurred_at": "2026-11-20T10:00:00"},
        {**res_event, "event_id": "huge", "reservation_no": HUGE},
        {**res_event, "event_id": "x" * 10_000},
        {**res_event, "event_id": 12345},
        {**res_event, "event_id": "bad-customer", "customer": "nobody"},
        {
            "source": "order_system",
            "event_id": "bad-status",
            "type": "order.status",
            "occurred_at": res_event["occurred_at"],
            "order_no": "1234",
            "status": "teleported",
        },
    ]
    events: list[Any] = [good[0], *bad_events[:7], good[1], *bad_events[7:], good[2], good[0]]
    resp = _ingest(shared, tokens["integration"], events)
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    assert len(results) == len(events)
    for event, result in zip(events, results, strict=True):
        if isinstance(event, dict):
            assert result["source"] == event.get("source")
            assert result["event_id"] == event.get("event_id")
    outcome = [r["result"] for r in results]
    assert outcome[0] == "applied"
    assert outcome[8] == "applied"  # the status after seven bad events
    assert outcome[-2] == "applied"  # the order after seven more
    assert outcome[-1] == "duplicate"  # the first event again
    bad_results = outcome[1:8] + outcome[9:-2]
    assert bad_results == ["rejected"] * len(bad_events), list(
        zip(bad_events, bad_results, strict=True)
    )
    for r in results[1:8] + results[9:-2]:
        assert isinstance(r.get("error"), str) and r["error"], r
    # the good ones took effect
    counts = resp.json()["counts"]
    assert counts == {"applied": 3, "rejected": len(bad_events), "duplicate": 1}


@pytest.mark.parametrize("field", ["source", "event_id"])
def test_ingest_nul_in_key_fields_is_rejected_per_event(
    shared: Api,
    tokens: dict[str, str],
    field: str,
) -> None:
    good = customer_journey(90_010 + len(field))
    poisoned = {**good[0], "event_id": "nul-key", field: "courier\x00x"}
    resp = _ingest(shared, tokens["integration"], [poisoned, good[0]])
    assert resp.status_code == 200, resp.text
    assert [r["result"] for r in resp.json()["results"]] == ["rejected", "applied"]


# --- inputs that pass the schema and still broke a handler --------------------------------------

EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("stamp", EDGE_TIMES)
def test_ingest_out_of_range_time_is_rejected_per_event(
    shared: Api, tokens: dict[str, str], stamp: str
) -> None:
    good = customer_journey(90_020 + EDGE_TIMES.index(stamp))
    odd = {**good[0], "event_id": "edge-time", "occurred_at": stamp}
    resp = _ingest(shared, tokens["integration"], [odd, good[0]])
    assert resp.status_code == 200, resp.text
    assert [r["result"] for r in resp.json()["results"]] == ["rejected", "applied"]


@pytest.mark.parametrize("stamp", EDGE_TIMES)
def test_callback_not_before_out_of_range_is_422(
    shared: Api, tokens: dict[str, str], stamp: str
) -> None:
    serial = 90_030 + EDGE_TIMES.index(stamp)
    ingest(shared.db, customer_journey(serial))
    resp = requests.post(
        shared.base + "/callbacks",
        json={"customer_id": customer_id_for(shared.db, serial), "topic": "t", "not_before": stamp},
        headers={"Authorization": f"Bearer {tokens['agent']}"},
        timeout=TIMEOUT,
    )
    assert_error(resp, 422, f"not_before {stamp}")


@pytest.mark.parametrize(
    "action, body",
    [("role", {"role": "admin"}), ("password", {"password": "taken-over-1"}), ("disable", {})],
)
def test_overlong_user_name_in_path_never_hits_another_account(
    shared: Api, tokens: dict[str, str], action: str, body: dict[str, Any]
) -> None:
    victim = action[0] * 64
    shared.make_user("agent", username=victim)
    resp = requests.post(
        shared.base + f"/admin/users/{victim}-someone-else/{action}",
        json=body,
        headers={"Authorization": f"Bearer {tokens['admin']}"},
        timeout=TIMEOUT,
    )
    assert_error(resp, 404, f"{action} for an over-long name")
