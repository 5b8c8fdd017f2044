"""Every write leaves an audit row (SPEC: "Every write is audited (actor, time, before,
after)"), walked from the route table.

Every operation that is not a GET is listed in the route table read by
tests/api/test_permissions.py; each has a recipe here making one successful call as a role
allowed to, and the audit log must then hold a new row by that caller. A new write
endpoint without a recipe fails `test_every_write_endpoint_has_a_recipe` until one is
added here (or it is listed as not a write, with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from services.db import Database
from services.identifiers import make_order_no
from services.models import AuditEntry, Callback
from tests.api.test_permissions import ENDPOINTS
from tests.support.client import Api, Session
from tests.support.launch import (
    FULL_ORDER,
    FULL_SHIPMENT,
    customer_id_for,
    customer_journey,
    ingest,
)

# Not writes of record: a "who has this customer open" marker that expires within a
# minute; auditing every renewal would bury the real trail.
NOT_WRITES = {
    "PUT /customers/{customer_id}/presence": "presence marker, expires in seconds",
    "DELETE /customers/{customer_id}/presence": "presence marker, expires in seconds",
}
OVERRIDE = {"override_reason": "audit walk: sent at any hour"}


class World:
    """The records the recipes act on, made through the API where the API makes them."""

    def __init__(self, api: Api, db: Database) -> None:
        self.api, self.db = api, db
        start = datetime.now(UTC) - timedelta(days=3)
        ingest(db, customer_journey(1, start=start, order=["received"]))  # to cancel
        ingest(db, customer_journey(2, start=start, order=["received"]))  # to triage
        ingest(
            db,
            customer_journey(
                3, start=start, order=FULL_ORDER, shipment=FULL_SHIPMENT  # activation, resend
            ),
        )
        ingest(db, customer_journey(4, start=start, order=["received"]))
        self.customer = customer_id_for(db, 1)
        self.roles: dict[str, Session] = {
            role: api.as_role(role)
            for role in ("agent", "lead", "supervisor", "admin", "integration")
        }
        self.ids: dict[str, Any] = {}

    def __getitem__(self, role: str) -> Session:
        return self.roles[role]

    def queued_callback(self, topic: str) -> int:
        resp = self["agent"].post("/callbacks", json={"customer_id": self.customer, "topic": topic})
        assert resp.status_code == 201, resp.text
        return resp.json()["id"]


Recipe = Callable[[World], tuple[str, Session, str, Any]]  # (method, caller, path, body)


def _claimed(w: World) -> int:
    if "claimed" not in w.ids:
        w.queued_callback("delivery")
        got = w["agent"].post("/callbacks/next")
        assert got.status_code == 200, got.text
        w.ids["claimed"] = got.json()["id"]
    return w.ids["claimed"]


def _notice(w: World) -> int:
    if "notice" not in w.ids:
        resp = w["lead"].post("/notices", json={"topic": "배송", "title": "t", "body": "b"})
        assert resp.status_code == 201, resp.text
        w.ids["notice"] = resp.json()["id"]
    return w.ids["notice"]


def _campaign(w: World, name: str) -> int:
    w["lead"].post("/templates", json={"key": "delay", "title": "지연", "body": "{name}님 지연"})
    resp = w["lead"].post(
        "/campaigns",
        json={"name": name, "template_key": "delay", "segment": {"kind": "stuck", "min_age_hours": 24}},
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def _new_user(w: World) -> str:
    name = f"walk{len(w.ids)}"
    w.ids[name] = name
    w.api.make_user("agent", username=name)
    return name


RECIPES: dict[str, Recipe] = {
    "POST /auth/login": lambda w: (
        "POST", w.api.anonymous(), "/auth/login",
        {"username": w.api.make_user("agent", username="walker"), "password": "secret-pass-1"},
    ),
    "POST /auth/logout": lambda w: ("POST", w.api.as_role("agent"), "/auth/logout", None),
    "POST /customers/{customer_id}/notes": lambda w: (
        "POST", w["agent"], f"/customers/{w.customer}/notes", {"body": "메모"}
    ),
    "POST /callbacks": lambda w: (
        "POST", w["agent"], "/callbacks", {"customer_id": w.customer, "topic": "activation"}
    ),
    "POST /callbacks/next": lambda w: (
        w.queued_callback("next"), ("POST", w["agent"], "/callbacks/next", None)
    )[1],
    "POST /callbacks/{callback_id}/heartbeat": lambda w: (
        "POST", w["agent"], f"/callbacks/{_claimed(w)}/heartbeat", None
    ),
    "POST /callbacks/{callback_id}/complete": lambda w: (
        "POST", w["agent"], f"/callbacks/{_claimed(w)}/complete", {"outcome": "resolved"}
    ),
    "POST /callbacks/reassign": lambda w: (
        "POST", w["supervisor"], "/callbacks/reassign",
        {"callback_ids": [w.queued_callback("reassign")], "to_agent": w["agent"].username},
    ),
    "POST /callbacks/priority": lambda w: (
        "POST", w["supervisor"], "/callbacks/priority",
        {"callback_ids": [w.queued_callback("priority")], "priority": 5},
    ),
    "POST /callbacks/rebalance": lambda w: (
        w.queued_callback("rebalance"), ("POST", w["supervisor"], "/callbacks/rebalance", None)
    )[1],
    "POST /orders/triage": lambda w: (
        "POST", w["lead"], "/orders/triage", {"order_nos": [make_order_no(2)], "cause": "unknown"}
    ),
    "POST /orders/{order_no}/cancel": lambda w: (
        "POST", w["agent"], f"/orders/{make_order_no(1)}/cancel", {"reason": "고객 요청"}
    ),
    "POST /orders/{order_no}/activation": lambda w: (
        "POST", w["agent"], f"/orders/{make_order_no(3)}/activation", None
    ),
    "POST /orders/{order_no}/resend-tracking": lambda w: (
        "POST", w["agent"], f"/orders/{make_order_no(3)}/resend-tracking", OVERRIDE
    ),
    "POST /ingest/events": lambda w: (
        "POST", w["integration"], "/ingest/events", {"events": customer_journey(5)[:1]}
    ),
    "POST /notices": lambda w: (
        "POST", w["lead"], "/notices", {"topic": "개통", "title": "개통 안내", "body": "오늘 개통"}
    ),
    "POST /notices/{notice_id}/ack": lambda w: (
        "POST", w["agent"], f"/notices/{_notice(w)}/ack", None
    ),
    "POST /notices/{notice_id}/retire": lambda w: (
        "POST", w["lead"], f"/notices/{_notice(w)}/retire", None
    ),
    "POST /admin/users": lambda w: (
        "POST", w["admin"], "/admin/users",
        {"username": "walk-new", "role": "agent", "password": "walk-pass-123"},
    ),
    "POST /admin/users/{username}/role": lambda w: (
        "POST", w["admin"], f"/admin/users/{_new_user(w)}/role", {"role": "lead"}
    ),
    "POST /admin/users/{username}/password": lambda w: (
        "POST", w["admin"], f"/admin/users/{_new_user(w)}/password", {"password": "new-pass-123"}
    ),
    "POST /admin/users/{username}/disable": lambda w: (
        "POST", w["admin"], f"/admin/users/{_new_user(w)}/disable", {"disabled": True}
    ),
    "POST /templates": lambda w: (
        "POST", w["lead"], "/templates", {"key": "walk", "title": "t", "body": "{name}님"}
    ),
    "POST /campaigns": lambda w: (
        _campaign(w, "warm-up"),
        (
            "POST", w["lead"], "/campaigns",
            {"name": "walk", "template_key": "delay",
             "segment": {"kind": "stuck", "min_age_hours": 24}},
        ),
    )[1],
    "POST /campaigns/{campaign_id}/approve": lambda w: (
        "POST", w["supervisor"], f"/campaigns/{_campaign(w, 'approve')}/approve", OVERRIDE
    ),
    "POST /campaigns/{campaign_id}/cancel": lambda w: (
        "POST", w["lead"], f"/campaigns/{_campaign(w, 'cancel')}/cancel", None
    ),
    "POST /contact-reasons": lambda w: (
        "POST", w["lead"], "/contact-reasons", {"key": "walk_reason", "label": "감사 점검"}
    ),
    "POST /contact-reasons/{key}/retire": lambda w: (
        w["lead"].post("/contact-reasons", json={"key": "walk_old", "label": "지난 사유"}),
        ("POST", w["lead"], "/contact-reasons/walk_old/retire", None),
    )[1],
}

WRITES = sorted(e.id for e in ENDPOINTS if e.method != "GET")


def test_every_write_endpoint_has_a_recipe() -> None:
    missing = [w for w in WRITES if w not in RECIPES and w not in NOT_WRITES]
    assert not missing, f"write endpoints with no audit recipe here: {missing}"
    stale = [r for r in [*RECIPES, *NOT_WRITES] if r not in WRITES]
    assert not stale, f"recipes for endpoints that no longer exist: {stale}"


def _rows_by(db: Database, actor: str) -> list[tuple[str, str]]:
    with db.read() as s:
        return list(
            s.execute(
                select(AuditEntry.action, AuditEntry.entity)
                .where(AuditEntry.actor == actor)
                .order_by(AuditEntry.id)
            ).all()
        )


def test_every_write_endpoint_leaves_an_audit_row(api: Api, db: Database) -> None:
    world = World(api, db)
    missing = []
    for write in [r for r in RECIPES if r in WRITES]:  # the recipes' order: claim, then beat
        method, caller, path, body = RECIPES[write](world)
        actor = body["username"] if write == "POST /auth/login" else caller.username
        before = len(_rows_by(db, actor))
        resp = caller.http.request(
            method, caller.base + path, json=body, timeout=30,
            headers=caller._headers(None),
        )
        assert resp.status_code < 300, f"{write}: {resp.status_code} {resp.text[:300]}"
        rows = _rows_by(db, actor)[before:]
        if not rows:
            missing.append(write)
        else:
            for action, entity in rows:
                assert action and entity, (write, action, entity)
    assert not missing, f"writes that left no audit row: {missing}"
    with db.read() as s:
        # before and after are both kept where a record changed
        changed = s.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "callback.complete", AuditEntry.before.is_not(None))
        )
        assert changed == 1
        assert s.scalar(select(func.count()).select_from(Callback)) >= 5


@pytest.mark.parametrize("write", sorted(NOT_WRITES))
def test_not_writes_are_few_and_named(write: str) -> None:
    assert "presence" in write, "only the presence marker may skip the audit log"
