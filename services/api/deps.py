"""Typed dependencies: the database, the caller, and who may call what."""

from __future__ import annotations

import asyncio
import time
from collections import namedtuple
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from services.accounts import Principal, authenticate, hash_token
from services.db import Database, run_driver
from services.errors import Forbidden, Unauthorized
from services.models import AuthSession, User
from services.timeutil import as_utc, utcnow


# Dependencies that do no I/O are async: FastAPI runs a plain `def` one on a worker thread,
# a hand-off per dependency per request that costs more than the dependency itself.
async def get_db(request: Request) -> Database:
    return request.app.state.db


DbDep = Annotated[Database, Depends(get_db)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("log in first: send 'Authorization: Bearer <token>'", code="no_token")
    token = token.strip()
    if len(token) > 200:
        raise Unauthorized("malformed token", code="bad_token")
    return token


# The principal's columns by token, as one Core statement (built once): the ORM query in
# accounts.authenticate loads two whole entities, a third of a claim's CPU in the worker.
_LOOKUP = (
    select(
        AuthSession.revoked_at,
        AuthSession.expires_at,
        User.disabled,
        User.id,
        User.username,
        User.role,
        User.display_name,
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)

# Authentication does database I/O, so it runs on a thread; asyncio's executor hands work
# over at a third of the CPU of FastAPI's own thread hand-off for a plain `def` dependency.
_AUTH_THREADS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="launchdesk-auth")


def _valid(row: Any) -> Principal | None:
    if (
        row is not None
        and row.revoked_at is None
        and as_utc(row.expires_at) > utcnow()
        and not row.disabled
    ):
        return Principal(row.id, row.username, row.role, row.display_name)
    return None


def _authenticate(db: Database, token: str) -> Principal:
    with db.read_connection() as connection:
        row = connection.execute(_LOOKUP, {"token_hash": hash_token(token)}).first()
    principal = _valid(row)
    if principal is not None:
        return principal
    # Refused (or about to be): accounts says why, in its own words.
    with db.read() as session:
        return authenticate(session, token)


def authenticate_in(session: Session, token: str) -> Principal:
    """The caller, looked up in a write's own transaction: no connection and no thread
    hand-off of its own (on PostgreSQL straight on the driver)."""
    params = {"token_hash": hash_token(token)}
    if session.get_bind().dialect.name == "postgresql":
        _names, values = run_driver(session, _LOOKUP_PG, params)
        row = None if values is None else _Found(*values)
    else:
        row = session.execute(_LOOKUP, params).first()
    principal = _valid(row)
    return principal if principal is not None else authenticate(session, token)


_LOOKUP_PG = str(_LOOKUP.compile(dialect=postgresql.dialect()))


# The lookup's row as the driver gives it, its fields named after _LOOKUP's columns.
_Found = namedtuple("_Found", [column.key for column in _LOOKUP.selected_columns])


def check_role(principal: Principal, role: str) -> Principal:
    if not principal.has(role):
        raise Forbidden(
            f"this needs the {role} role; you are signed in as {principal.role}",
            code="forbidden",
        )
    return principal


def caller(request: Request, role: str) -> Principal:
    """The caller, let through if they hold `role` (or a role that includes it); blocking:
    for a route that already runs on a thread of its own (services.api.writes)."""
    return check_role(_authenticate(request.app.state.db, bearer_token(request)), role)


async def current_principal(request: Request) -> Principal:
    token = bearer_token(request)
    db: Database = request.app.state.db
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_AUTH_THREADS, _authenticate, db, token)


# A console polls the change feed up to ten times a second, and the token lookup was most
# of what a poll answered from the feed's tail cost. The feed's caller is remembered for a
# second per token: a token revoked, or an account disabled or demoted, in another process
# keeps receiving change notices (kinds and ids, never content) for at most that second;
# in this process logout forgets it at once. Every other route looks the caller up.
FEED_CALLER_SECONDS = 1.0
_feed_callers: dict[str, tuple[float, Principal]] = {}


async def remembered_principal(request: Request) -> Principal:
    key = hash_token(bearer_token(request))
    now = time.monotonic()
    known = _feed_callers.get(key)
    if known is not None and now - known[0] < FEED_CALLER_SECONDS:
        principal = known[1]
    else:
        principal = await current_principal(request)
        if len(_feed_callers) > 20_000:  # many consoles came and went: drop the stale
            for stale in [
                k for k, (at, _) in list(_feed_callers.items()) if now - at >= FEED_CALLER_SECONDS
            ]:
                _feed_callers.pop(stale, None)
        _feed_callers[key] = (now, principal)
    return principal


def forget_feed_caller(token: str) -> None:
    _feed_callers.pop(hash_token(token), None)


def require(role: str, *, remembered: bool = False) -> Callable[..., Principal]:
    """A dependency that lets through `role` and the roles that include it (remembered:
    the caller as remembered_principal knows them, for the change feed)."""
    source = remembered_principal if remembered else current_principal

    # The source as a default, not in the annotation: annotations are strings here, read
    # in the module's namespace, where `source` does not exist.
    async def dependency(principal: Principal = Depends(source)) -> Principal:
        return check_role(principal, role)

    dependency.__name__ = f"require_{role}"
    return dependency


AnyUser = Annotated[Principal, Depends(current_principal)]
Agent = Annotated[Principal, Depends(require("agent"))]
FeedAgent = Annotated[Principal, Depends(require("agent", remembered=True))]
Lead = Annotated[Principal, Depends(require("lead"))]
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Integration = Annotated[Principal, Depends(require("integration"))]
