"""Typed dependencies: the database, the caller, and who may call what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from services.accounts import Principal, authenticate
from services.db import Database
from services.errors import Forbidden, Unauthorized


def get_db(request: Request) -> Database:
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


def current_principal(request: Request, db: DbDep) -> Principal:
    token = bearer_token(request)
    with db.read() as session:
        principal = authenticate(session, token)
    request.state.principal = principal
    return principal


def require(role: str) -> Callable[..., Principal]:
    """A dependency that lets through `role` and the roles that include it."""

    def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has(role):
            raise Forbidden(
                f"this needs the {role} role; you are signed in as {principal.role}",
                code="forbidden",
            )
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


AnyUser = Annotated[Principal, Depends(current_principal)]
Agent = Annotated[Principal, Depends(require("agent"))]
Lead = Annotated[Principal, Depends(require("lead"))]
Supervisor = Annotated[Principal, Depends(require("supervisor"))]
Admin = Annotated[Principal, Depends(require("admin"))]
Integration = Annotated[Principal, Depends(require("integration"))]
