"""Running a write: one transaction, retried on a lost race, once per Idempotency-Key.

A write carrying an Idempotency-Key takes effect once; a repeat gets the first answer,
and the same key with a different request is refused. The key is reserved in its own
transaction first, so concurrent repeats wait for the first one instead of racing it, and
the answer is stored in the same transaction as the effect.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from services.accounts import Principal
from services.api.errors import error_body
from services.db import Database
from services.errors import Conflict, DomainError, Invalid
from services.models import IdempotencyRecord

WAIT_FOR_FIRST = 30.0


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
        result = transact(db, fn)
        return _response(204 if result is None else status, result)
    if not (1 <= len(key) <= 100) or not key.isprintable():
        raise Invalid(
            "Idempotency-Key must be 1-100 printable characters", code="bad_idempotency_key"
        )
    fingerprint = hashlib.sha256(
        json.dumps([request.method, request.url.path, body], sort_keys=True, default=str).encode()
    ).hexdigest()
    stored = _reserve(db, principal.user_id, key, fingerprint)
    if stored is not None:
        return _response(*stored)

    def effect(session: Session) -> tuple[int, Any]:
        record = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.user_id == principal.user_id, IdempotencyRecord.key == key
            )
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
        # Free the key so the client's retry can take effect.
        with db.write() as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_id == principal.user_id,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status_code.is_(None),
                )
            )
        raise
    return _response(*answer)


def _reserve(db: Database, user_id: int, key: str, fingerprint: str) -> tuple[int, Any] | None:
    """None when this request holds the key now; else the first request's stored answer."""
    deadline = time.monotonic() + WAIT_FOR_FIRST
    while True:
        try:
            with db.write() as session:
                existing = session.scalar(
                    select(IdempotencyRecord).where(
                        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
                    )
                )
                if existing is None:
                    session.add(
                        IdempotencyRecord(user_id=user_id, key=key, request_hash=fingerprint)
                    )
                    session.flush()
                    return None
                if existing.request_hash != fingerprint:
                    raise Invalid(
                        "this Idempotency-Key was already used for a different request; "
                        "use a new key for a new request",
                        code="idempotency_key_reused",
                    )
                if existing.status_code is not None:
                    return existing.status_code, existing.response
        except IntegrityError:
            pass  # another request reserved it a moment ago; wait for its answer
        if time.monotonic() > deadline:
            raise Conflict(
                "the first request with this Idempotency-Key is still running; retry later",
                code="idempotency_in_progress",
            )
        time.sleep(0.05)
