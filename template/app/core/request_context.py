"""Request id and access log, as pure ASGI middleware.

Pure ASGI (not `BaseHTTPMiddleware`) so context variables set here are seen by the
endpoint and every log record it emits, and streaming responses are not buffered.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Sequence
from typing import Any, Protocol

import structlog
from fastapi import HTTPException
from fastapi.routing import iter_route_contexts
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logging import get_logger
from app.schemas.errors import ErrorResponse

REQUEST_ID_HEADER = "X-Request-ID"
# Browsers must take every answer for the type it declares (an error body stays JSON).
_NO_SNIFFING = (b"x-content-type-options", b"nosniff")
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

access_logger = get_logger("app.access")


def request_id_of(scope: Scope) -> str | None:
    """The id the middleware gave this request (also available after it unwound)."""
    state: dict[str, Any] = scope.get("state") or {}
    request_id = state.get("request_id")
    return request_id if isinstance(request_id, str) else None


def _inbound_request_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _REQUEST_ID_PATTERN.match(candidate) else None
    return None


def _new_request_id() -> str:
    """32 random hex digits, as unique as a UUID4's.

    A correlation id, not a secret: the process's own generator (reseeded in each forked
    worker) instead of a system call for fresh entropy on every request.
    """
    return f"{random.getrandbits(128):032x}"


_BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})
HEADERS_TOO_LARGE = ("REQUEST_HEADER_FIELDS_TOO_LARGE", "The request headers are too large.")
_BODY_TOO_LARGE = ("CONTENT_TOO_LARGE", "The request body is too large.")


class BodyTooLargeError(HTTPException):
    """Raised into the body's reader: the exception handlers answer 413."""

    error_code = _BODY_TOO_LARGE[0]

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=_BODY_TOO_LARGE[1])


def _header_bytes(scope: Scope) -> int:
    return sum(len(name) + len(value) for name, value in scope["headers"])


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def _limit_body(receive: Receive, limit: int) -> Receive:
    """`receive`, raising `BodyTooLargeError` once more than `limit` bytes arrived."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLargeError
        return message

    return limited


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, error: tuple[str, str]
) -> None:
    """Refuse before the application runs, in the standard error body."""
    body = ErrorResponse(error=error[0], message=error[1]).model_dump()
    await JSONResponse(body, status_code=status)(scope, receive, send)


# Each route's full path template, by the route's identity: the route keeps the path it
# was declared with ("/users/{user_id}"), without the prefixes it was included under.
# Entries hold their route, so no other object can take its id.
_ROUTE_PATHS: dict[int, tuple[BaseRoute, str]] = {}


def route_template(scope: Scope) -> str:
    """The matched route's full path template ("/api/v1/users/{user_id}").

    A template, never the path itself: it is a metric label and a log field, which must
    not grow with every user id or with a scan of random URLs.
    """
    route = scope.get("route")
    if route is None:
        return "<unmatched>"
    if id(route) not in _ROUTE_PATHS:
        for context in iter_route_contexts(scope["app"].routes):
            if context.path is not None:
                _ROUTE_PATHS[id(context.original_route)] = (context.original_route, context.path)
        # Not one of the application's own routes (a mounted application's): its path.
        own_path = getattr(route, "path", None)
        fallback = own_path if isinstance(own_path, str) else "<unmatched>"
        _ROUTE_PATHS.setdefault(id(route), (route, fallback))
    return _ROUTE_PATHS[id(route)][1]


class RequestObserver(Protocol):
    """Told about every HTTP request (metrics): one middleware layer serves them all."""

    def request_started(self, scope: Scope) -> None: ...

    def request_finished(self, scope: Scope, status: int, seconds: float) -> None: ...


class RequestContextMiddleware:
    """Gives every request an id, binds it to the logs, and logs one line per request."""

    def __init__(
        self,
        app: ASGIApp,
        observers: Sequence[RequestObserver] = (),
        max_header_bytes: int | None = None,
        max_body_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.observers = tuple(observers)
        self.max_header_bytes = max_header_bytes
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        request_id = _inbound_request_id(scope) or _new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())
        status_code = 500
        started = time.perf_counter()

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = [
                    (name, value) for name, value in message.get("headers", []) if name != header[0]
                ]
                message["headers"] = [*headers, header, _NO_SNIFFING]
            await send(message)

        for observer in self.observers:
            observer.request_started(scope)
        try:
            if self.max_header_bytes is not None and _header_bytes(scope) > self.max_header_bytes:
                await _refuse(scope, receive, send_with_request_id, 431, HEADERS_TOO_LARGE)
            elif self.max_body_bytes is None or scope["method"] in _BODILESS_METHODS:
                await self.app(scope, receive, send_with_request_id)
            elif _declared_length(scope) > self.max_body_bytes:
                await _refuse(scope, receive, send_with_request_id, 413, _BODY_TOO_LARGE)
            else:
                limited = _limit_body(receive, self.max_body_bytes)
                await self.app(scope, limited, send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            for observer in self.observers:
                observer.request_finished(scope, status_code, seconds)
            client = scope.get("client")
            access_logger.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                route=route_template(scope),
                status=status_code,
                duration_ms=round(seconds * 1000, 2),
                client=client[0] if client else None,
            )
