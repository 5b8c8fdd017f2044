"""Accounts, tokens and queued callbacks made straight in the database, in bulk."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import insert, select

from services import accounts
from services.accounts import hash_token
from services.db import Database
from services.models import AuthSession, Callback, User
from services.timeutil import utcnow
from tests.support.people import make_customers


def staff(db: Database, role: str, count: int, *, prefix: str | None = None) -> dict[str, str]:
    """`count` accounts of `role`, each with a live bearer token (user name -> token)."""
    prefix = prefix or f"{role}-{secrets.token_hex(2)}-"
    names = [f"{prefix}{i:03d}" for i in range(count)]
    tokens = {name: secrets.token_urlsafe(32) for name in names}
    now = utcnow()
    with db.write() as s:
        for name in names:
            accounts.add_user(s, username=name, role=role, password="secret-pass-1")
        ids = dict(s.execute(select(User.username, User.id).where(User.username.in_(names))).all())
        s.execute(
            insert(AuthSession),
            [
                {
                    "token_hash": hash_token(tokens[name]),
                    "user_id": ids[name],
                    "created_at": now,
                    "expires_at": now + timedelta(hours=4),
                }
                for name in names
            ],
        )
    return tokens


def queue_callbacks(
    db: Database, count: int, *, topics: int = 5, first_serial: int = 500_000
) -> list[int]:
    """`count` due callbacks in the pool, `topics` per customer (one open per topic), for
    customers of their own (serials from `first_serial`, apart from make_customers')."""
    customers = make_customers(db, -(-count // topics), first_serial=first_serial)
    now = utcnow() - timedelta(minutes=1)
    rows = [
        {
            "customer_id": customers[i // topics],
            "topic": f"topic-{i % topics}",
            "status": "queued",
            "priority": 0,
            "weight": 0,
            "not_before": now,
            "attempts": 0,
            "requests": 1,
            "created_by": "test",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    with db.write() as s:
        for start in range(0, len(rows), 2000):
            s.execute(insert(Callback), rows[start : start + 2000])
        return list(s.scalars(select(Callback.id).order_by(Callback.id)))
