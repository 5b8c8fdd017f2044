"""Every error leaves in SPEC's shape: {"error": {"code", "message"}} with a fitting status."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.errors import DomainError

log = logging.getLogger("launchdesk.api")


def error_body(code: str, message: str, **details: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update({k: v for k, v in details.items() if v is not None})
    return {"error": body}


MALFORMED_JSON = (
    "the request body is not valid JSON; send a UTF-8 encoded JSON document "
    "with Content-Type: application/json"
)


def _is_malformed_json(exc: RequestValidationError) -> bool:
    return any(err.get("type") == "json_invalid" for err in exc.errors())


def _routes(routes: Any) -> Iterator[Any]:
    for route in routes:
        inner = getattr(route, "original_router", None)  # an included router (FastAPI nests)
        if inner is not None:
            yield from _routes(inner.routes)
        else:
            yield route


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method some route serves at this path (one path can span several routers)."""
    methods: set[str] = set()
    for route in _routes(app.router.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and regex.match(path):
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, **exc.details),
            status_code=exc.status,
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # Bytes that are not JSON at all are a different mistake from a JSON document with
        # a wrong field; both used to answer differently (400 or 422) depending on whether
        # the bytes happened to be UTF-8.
        if _is_malformed_json(exc):
            return JSONResponse(error_body("malformed_json", MALFORMED_JSON), status_code=400)
        return JSONResponse(error_body("invalid", _describe_validation(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
        headers = dict(getattr(exc, "headers", None) or {})
        message = str(exc.detail)
        code = codes.get(exc.status_code, "http_error")
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on the path; GET and POST
            # of one path may live in different routers.
            allow = allowed_methods(request.app, request.url.path)
            headers["Allow"] = ", ".join(allow)
            message = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
        elif exc.status_code == 400 and message == "There was an error parsing the body":
            code, message = "malformed_json", MALFORMED_JSON
        return JSONResponse(
            error_body(code, message), status_code=exc.status_code, headers=headers or None
        )

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse(
            error_body(
                "database_unavailable", "the database is not reachable right now; try again"
            ),
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            error_body("internal", "internal error; it has been logged"), status_code=500
        )
