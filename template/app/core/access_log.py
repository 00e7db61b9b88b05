"""The access log: one line per request, written when its response is finished."""

from __future__ import annotations

from starlette.types import Scope

from app.core.logging import get_logger
from app.core.routes import route_template

access_logger = get_logger("app.access")


class AccessLog:
    """A request observer (`app.core.request_context`) that logs every request."""

    def request_started(self, scope: Scope) -> None:
        """Nothing to note until the response is finished."""

    def request_finished(self, scope: Scope, status: int, seconds: float) -> None:
        client = scope.get("client")
        access_logger.info(
            "request",
            method=scope["method"],
            path=scope["path"],
            route=route_template(scope),
            status=status,
            duration_ms=round(seconds * 1000, 2),
            client=client[0] if client else None,
        )
