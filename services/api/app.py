"""The FastAPI application: routes, error shapes, limits, the live feed watcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from services import callbacks, orders
from services.api import errors
from services.api.claims import ClaimBatcher
from services.api.limits import BodyLimit
from services.api.live import FeedWatcher
from services.api.routes import health, router
from services.api.routes_ops import router as ops_router
from services.config import SETTINGS
from services.db import Database
from services.models import Callback
from services.timeutil import as_utc, utcnow

log = logging.getLogger("launchdesk.api")


# How often each serve process returns lapsed claims to the pool. Claiming does it too, but
# a queue nobody is claiming from (a quiet hour, every agent's console killed) must still
# show them as back in the pool soon after their lease ends, not at the next claim.
SWEEP_SECONDS = 2.0


async def _sweep_lapsed_claims(app: FastAPI) -> None:
    def sweep() -> int:
        db: Database = app.state.db
        now = utcnow()
        with db.read() as session:  # almost always nothing lapsed: no write lock for that
            earliest = session.scalar(select(func.min(Callback.lease_expires_at)))
        if earliest is None or as_utc(earliest) >= now:
            return 0
        with db.write() as session:
            return callbacks.release_lapsed(session, now=now)

    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            released = await anyio.to_thread.run_sync(sweep)
            if released:
                log.info("returned %d lapsed claim(s) to the pool", released)
        except Exception as exc:  # database down: try again next round
            log.debug("lease sweep: %s", type(exc).__name__)


async def _prepare(app: FastAPI) -> None:
    """Load at start-up what the first requests would otherwise wait for."""

    def prepare() -> None:
        db: Database = app.state.db
        with db.read() as session:
            orders.prepare_triage(session)

    try:
        await anyio.to_thread.run_sync(prepare)
    except Exception as exc:  # database down: the first request loads it instead
        log.debug("start-up preparation: %s", type(exc).__name__)


def create_app(db: Database) -> FastAPI:
    watcher = FeedWatcher(db)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watcher.start()
        sweeper = asyncio.get_running_loop().create_task(_sweep_lapsed_claims(app))
        preparing = asyncio.get_running_loop().create_task(_prepare(app))
        try:
            yield
        finally:
            preparing.cancel()  # a load under way finishes on its thread first
            with contextlib.suppress(asyncio.CancelledError):
                await preparing
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await watcher.stop()

    app = FastAPI(
        title="Launchdesk API",
        version="1",
        description="The shared backend of the Launchdesk launch-day console.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
        # No OpenTelemetry here: switched off, FastAPI stops asking for its providers on
        # every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.db = db
    app.state.watcher = watcher
    app.state.claims = ClaimBatcher(db)
    errors.install(app)
    app.include_router(router)
    app.include_router(ops_router)

    @app.get("/healthz", tags=["health"])
    def healthz(request: Request) -> JSONResponse:
        return health(request.app.state.db)

    @app.get("/api/v1/healthz", tags=["health"])
    def healthz_v1(request: Request) -> JSONResponse:
        return health(request.app.state.db)

    app.add_middleware(BodyLimit, max_bytes=SETTINGS.max_body_bytes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The document, with the answers every operation can give declared on each.

    Some answers come from layers around the routes rather than the routes themselves (the
    body limit, JSON parsing, the database being down, a write losing a race), so they are
    added here once instead of on every route; every error answer is SPEC's shape.
    """
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    _declare_no_nul(schemas)
    schemas["Error"] = ERROR_SCHEMA
    for path, operations in doc.get("paths", {}).items():
        for method, op in operations.items():
            _declare_no_nul(op.get("parameters", []))
            _declare_common_answers(path, method, op)
    app.openapi_schema = doc
    return doc


NO_NUL = "^[^\\x00]*$"


def _declare_no_nul(node: Any) -> None:
    """Free text anywhere (bodies, query and path) may not hold NUL: PostgreSQL text cannot,
    and the server refuses it everywhere; the document says so on every plain string."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not ({"pattern", "format", "enum"} & node.keys()):
            node["pattern"] = NO_NUL
        for value in node.values():
            _declare_no_nul(value)
    elif isinstance(node, list):
        for value in node:
            _declare_no_nul(value)


def _declare_common_answers(path: str, method: str, op: dict[str, Any]) -> None:
    responses = op.setdefault("responses", {})

    def add(status: int, description: str) -> None:
        responses.setdefault(str(status), {"description": description})

    params = op.get("parameters", [])
    if "requestBody" in op:
        add(400, "the body is not JSON")
        add(413, "the body is larger than the limit")
    if "requestBody" in op or params:
        add(422, "bad input, with a message naming what was expected")
    if any(p.get("in") == "path" for p in params):
        add(404, "no such record")
    if method == "post" and "403" in responses:
        add(404, "a record the request names (in its path or body) does not exist")
        add(409, "the write clashed with another one, or its Idempotency-Key is still in use")
    add(503, "the database is not reachable right now; try again")
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
            }
