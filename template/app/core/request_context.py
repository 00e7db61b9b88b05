"""The one request middleware, pure ASGI: request id, size limits, request observers.

Pure ASGI (not `BaseHTTPMiddleware`) so context variables set here are seen by the
endpoint and every log record it emits, and streaming responses are not buffered.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

import structlog
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.exceptions import AppException, ContentTooLargeError, HeadersTooLargeError
from app.core.request_id import REQUEST_ID_HEADER, inbound_request_id, new_request_id
from app.core.request_limits import BODILESS_METHODS, declared_length, header_bytes, limit_body
from app.schemas.errors import ErrorResponse

# Browsers must take every answer for the type it declares (an error body stays JSON).
_NO_SNIFFING = (b"x-content-type-options", b"nosniff")


async def _refuse(scope: Scope, receive: Receive, send: Send, error: AppException) -> None:
    """Refuse before the application runs, in the standard error body."""
    body = ErrorResponse(error=error.error_code, message=error.message).model_dump()
    await JSONResponse(body, status_code=error.status_code)(scope, receive, send)


class RequestObserver(Protocol):
    """Told about every HTTP request (the access log, metrics): one middleware layer
    serves them all."""

    def request_started(self, scope: Scope) -> None: ...

    def request_finished(self, scope: Scope, status: int, seconds: float) -> None: ...


class RequestContextMiddleware:
    """Gives every request an id, binds it to the logs, enforces the size limits, and
    tells the observers about the request."""

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

        request_id = inbound_request_id(scope) or new_request_id()
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
            if self.max_header_bytes is not None and header_bytes(scope) > self.max_header_bytes:
                await _refuse(scope, receive, send_with_request_id, HeadersTooLargeError())
            elif self.max_body_bytes is None or scope["method"] in BODILESS_METHODS:
                await self.app(scope, receive, send_with_request_id)
            elif declared_length(scope) > self.max_body_bytes:
                await _refuse(scope, receive, send_with_request_id, ContentTooLargeError())
            else:
                limited = limit_body(receive, self.max_body_bytes)
                await self.app(scope, limited, send_with_request_id)
        finally:
            seconds = time.perf_counter() - started
            for observer in self.observers:
                observer.request_finished(scope, status_code, seconds)
