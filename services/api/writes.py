"""Running a write: one transaction, retried on a lost race, once per Idempotency-Key.

A write carrying an Idempotency-Key takes effect once; a repeat gets the first answer,
and the same key with a different request is refused. The key is reserved in its own
transaction first, so concurrent repeats wait for the first one instead of racing it, and
the answer is stored in the same transaction as the effect.

A reservation can be orphaned: the database went away (or the process died) after the key
was reserved and before the effect committed, so neither the answer nor the freeing of the
key was written. The client's retry must not wait for it forever: a reservation with no
answer, not being worked on, and older than a moment is taken over by the retry. The
reservation's time stamp marks its holder; the effect checks, under a lock on the
reservation, that it still holds it, so a taken-over first request can never also commit.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from services.accounts import Principal
from services.api.deps import bearer_token, caller
from services.api.errors import error_body
from services.db import Database
from services.errors import Conflict, DomainError, Invalid
from services.models import IdempotencyRecord
from services.timeutil import as_utc, utcnow

WAIT_FOR_FIRST = 30.0
# A reservation without an answer this old, and not locked by a running effect, is orphaned.
ORPHANED_AFTER = timedelta(seconds=2)


def _is_retryable(exc: Exception) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "deadlock" in text or "could not serialize" in text or "database is locked" in text


def transact(db: Database, fn: Callable[[Session], Any], *, attempts: int = 4) -> Any:
    """Run fn in a write transaction, again if it lost a race (deadlock, unique clash)."""
    for attempt in range(attempts):
        try:
            with db.write() as session:
                return fn(session)
        except IntegrityError:
            if attempt == attempts - 1:
                raise Conflict(
                    "the change clashed with another one; try again", code="write_conflict"
                ) from None
        except OperationalError as exc:
            if not _is_retryable(exc) or attempt == attempts - 1:
                raise
        time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _answer(db: Database, fn: Callable[[Session], Any], status: int) -> Response:
    return _answered(transact(db, fn), status)


def _answered(result: Any, status: int) -> Response:
    """A write's result as its answer: None is 204."""
    return _response(204 if result is None else status, result)


def _response(status: int, body: Any) -> Response:
    if status == 204:
        return Response(status_code=204)
    return JSONResponse(body, status_code=status)


def run_write(
    request: Request,
    db: Database,
    principal: Principal,
    body: Any,
    fn: Callable[[Session], Any],
    *,
    status: int = 200,
) -> Response:
    """fn returns the JSON body (or None for 204)."""
    key = request.headers.get("idempotency-key")
    if key is None:
        return _answer(db, fn, status)
    if not (1 <= len(key) <= 100) or not key.isprintable():
        raise Invalid(
            "Idempotency-Key must be 1-100 printable characters", code="bad_idempotency_key"
        )
    fingerprint = hashlib.sha256(
        json.dumps([request.method, request.url.path, body], sort_keys=True, default=str).encode()
    ).hexdigest()
    stored, stamp = _reserve(db, principal.user_id, key, fingerprint)
    if stored is not None:
        return _response(*stored)

    def effect(session: Session) -> tuple[int, Any]:
        query = select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == principal.user_id, IdempotencyRecord.key == key
        )
        if not db.is_sqlite:  # SQLite's writer lock already excludes a taker-over
            query = query.with_for_update()
        record = session.scalar(query)
        if record is None or record.status_code is not None or not _same(record.created_at, stamp):
            raise Conflict(
                "a retry with this Idempotency-Key took over while this request waited; "
                "its answer is the one that counts",
                code="idempotency_in_progress",
            )
        try:
            with session.begin_nested():
                result = fn(session)
            answer = (204 if result is None else status, result)
        except DomainError as exc:
            answer = (exc.status, error_body(exc.code, exc.message, **exc.details))
        if record is not None:
            record.status_code, record.response = answer
        return answer

    try:
        answer = transact(db, effect)
    except Exception:
        # Free the key so the client's retry can take effect (unless a retry has taken it
        # over meanwhile: then it is the retry's to answer).
        with db.write() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == principal.user_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status_code.is_(None),
                    IdempotencyRecord.created_at.between(stamp - _TOLERANCE, stamp + _TOLERANCE),
                )
            )
        raise
    return _response(*answer)


_TOLERANCE = timedelta(milliseconds=1)

# For the hottest write routes (claims) where they run alone (SQLite, or a request with an
# Idempotency-Key): the caller's authentication and the write run in one hand-off to a
# thread (asyncio's executor, at a third of the CPU of FastAPI's own for a plain `def`
# route or dependency), not one for each.
_WRITE_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="launchdesk-write")


async def run_write_as(
    request: Request,
    role: str,
    body: Any,
    fn: Callable[[Session, Principal], Any],
    *,
    status: int = 200,
) -> Response:
    """run_write from an `async def` route, for a caller holding `role`; fn gets the
    session and the caller."""

    db: Database = request.app.state.db
    if not db.is_sqlite and request.headers.get("idempotency-key") is None:
        token = bearer_token(request)  # no token: refused before any database work
        # The caller is looked up in the write's own transaction, which it may share with
        # other claims arriving at the same moment (services.api.claims).
        return _answered(await request.app.state.claims.run(token, role, fn), status)

    def work() -> Response:
        # SQLite: a write holds the one writer lock, not to be taken for a bad token
        principal = caller(request, role)
        effect = partial(fn, principal=principal)
        return run_write(request, db, principal, body, effect, status=status)

    return await asyncio.get_running_loop().run_in_executor(_WRITE_THREADS, work)


def _same(stored: datetime, stamp: datetime) -> bool:
    # a takeover moves the stamp on by at least ORPHANED_AFTER; storage may round it
    return abs(as_utc(stored) - stamp) < _TOLERANCE


def _reserve(
    db: Database, user_id: int, key: str, fingerprint: str
) -> tuple[tuple[int, Any] | None, datetime]:
    """(None, stamp) when this request holds the key now (stamp marks the holding); else
    the first request's stored answer."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        try:
            with db.write() as session:
                existing = session.scalar(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
                    )
                )
                stamp = utcnow()
                if existing is None:
                    session.add(
                        IdempotencyRecord(
                            user_id=user_id, key=key, request_hash=fingerprint, created_at=stamp
                        )
                    )
                    session.flush()
                    return None, stamp
                if existing.request_hash != fingerprint:
                    raise Invalid(
                        "this Idempotency-Key was already used for a different request; "
                        "use a new key for a new request",
                        code="idempotency_key_reused",
                    )
                if existing.status_code is not None:
                    return (existing.status_code, existing.response), stamp
                if _orphaned(db, session, existing, stamp):
                    existing.created_at = stamp
                    return None, stamp
        except IntegrityError:
            pass  # another request reserved it a moment ago; wait for its answer
        if time.monotonic() > deadline:
            raise Conflict(
                "the first request with this Idempotency-Key is still running; retry later",
                code="idempotency_in_progress",
            )
        time.sleep(0.05)


def _orphaned(db: Database, session: Session, record: IdempotencyRecord, now: datetime) -> bool:
    if as_utc(record.created_at) > now - ORPHANED_AFTER:
        return False
    if db.is_sqlite:
        return True  # this transaction holds the writer lock: no effect is running
    # A running effect holds the reservation's row lock until it commits; once locked here,
    # read the row again: its effect may have committed a moment ago.
    free = session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.id == record.id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )
    return (
        free is not None
        and free.status_code is None
        and as_utc(free.created_at) <= now - ORPHANED_AFTER
    )
