"""Exception handlers: every error leaves the API in one shape.

{"error": "NOT_FOUND", "message": "The resource was not found.", "details": null}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.exceptions import (
    AppException,
    ConflictError,
    DatabaseError,
    InvalidRequestError,
    ServiceUnavailableError,
    validation_message,
)
from app.core.logging import get_logger
from app.core.request_id import REQUEST_ID_HEADER, request_id_of
from app.db.errors import is_unique_violation

logger = get_logger(__name__)


def error_body(error: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": error, "message": message, "details": details}


def _error_response(
    request: Request,
    status_code: int,
    error: str,
    message: str,
    details: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    response_headers = dict(headers or {})
    request_id = request_id_of(request.scope)
    if request_id:
        response_headers[REQUEST_ID_HEADER] = request_id
    return JSONResponse(
        error_body(error, message, details), status_code=status_code, headers=response_headers
    )


def _from_app_exception(request: Request, exc: AppException) -> JSONResponse:
    return _error_response(
        request, exc.status_code, exc.error_code, exc.message, exc.details, exc.headers
    )


async def app_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppException)  # noqa: S101 - registered for this type only
    if exc.status_code >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request_failed", error=exc.error_code, message=exc.message)
    return _from_app_exception(request, exc)


async def http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """`HTTPException`s the service does not define: no route (404), a method the route
    lacks (405), or one raised by a library."""
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101
    status = HTTPStatus(exc.status_code)
    error = status.phrase.upper().replace(" ", "_").replace("-", "_").replace("'", "")
    message = exc.detail if isinstance(exc.detail, str) else status.description
    headers = dict(exc.headers or {})
    if status == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request) or headers.get("Allow", "")
    return _error_response(request, exc.status_code, error, message, None, headers)


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _allowed_methods(request: Request) -> str | None:
    """Every method the path has, from the OpenAPI document.

    The router answers 405 for the first route whose path matches, so its Allow header
    would name only that route's methods, not those of the routes beside it.
    """
    table: list[tuple[re.Pattern[str], str]] | None = getattr(
        request.app.state, "allowed_methods", None
    )
    if table is None:
        table = [
            (
                re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$"),
                ", ".join(sorted(method.upper() for method in item if method in _HTTP_METHODS)),
            )
            # Literal paths first: /users/me before /users/{user_id}.
            for path, item in sorted(
                request.app.openapi().get("paths", {}).items(), key=lambda entry: "{" in entry[0]
            )
        ]
        request.app.state.allowed_methods = table
    for pattern, methods in table:
        if pattern.match(request.url.path):
            return methods
    return None


async def validation_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # noqa: S101
    details = [
        {
            "field": ".".join(str(part) for part in error["loc"]),
            "message": validation_message(error),
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    return _from_app_exception(request, InvalidRequestError(details=details))


async def database_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """Map database failures: unreachable → 503, duplicate value → 409, else 500."""
    if isinstance(exc, IntegrityError) and is_unique_violation(exc):
        logger.info("integrity_error", constraint=_constraint_name(exc))
        return _from_app_exception(request, ConflictError())
    if isinstance(exc, PoolTimeoutError | TimeoutError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    ):
        logger.error("database_unavailable", error=type(exc).__name__)
        return _from_app_exception(request, ServiceUnavailableError())
    logger.error("database_error", exc_info=exc)
    return _from_app_exception(request, DatabaseError())


async def unhandled_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    """Last resort: log everything, show nothing internal."""
    # The request middleware has unwound by now: name the request explicitly.
    logger.error("unhandled_exception", exc_info=exc, request_id=request_id_of(request.scope))
    return _error_response(
        request,
        500,
        "INTERNAL_SERVER_ERROR",
        "An unexpected error occurred.",
        {"request_id": request_id_of(request.scope)},
    )


def _constraint_name(exc: IntegrityError) -> str | None:
    # SQLAlchemy wraps the driver's exception, which knows the constraint.
    driver_error = exc.orig.__cause__ if exc.orig is not None else None
    name = getattr(driver_error, "constraint_name", None)
    return name if isinstance(name, str) else None


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppException, app_exception_handler)
    app.add_exception_handler(StarletteHTTPException, http_exception_handler)
    app.add_exception_handler(RequestValidationError, validation_exception_handler)
    app.add_exception_handler(SQLAlchemyError, database_exception_handler)
    app.add_exception_handler(TimeoutError, database_exception_handler)
    app.add_exception_handler(Exception, unhandled_exception_handler)
