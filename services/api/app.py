"""The FastAPI application: routes, error shapes, limits, the live feed watcher."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.api import errors
from services.api.limits import BodyLimit
from services.api.live import FeedWatcher
from services.api.routes import health, router
from services.api.routes_ops import router as ops_router
from services.config import SETTINGS
from services.db import Database


def create_app(db: Database) -> FastAPI:
    watcher = FeedWatcher(db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        watcher.start()
        try:
            yield
        finally:
            await watcher.stop()

    app = FastAPI(
        title="Launchdesk API",
        version="1",
        description="The shared backend of the Launchdesk launch-day console.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.db = db
    app.state.watcher = watcher
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
    return app
