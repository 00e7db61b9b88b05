"""How uvicorn serves the app: its options, shared by `serve` and the gunicorn worker,
and the HTTP protocol that bounds a request's head."""

from __future__ import annotations

import asyncio
from typing import Any, TypedDict

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from app.core.config import Settings, get_settings
from app.core.exceptions import HeadersTooLargeError
from app.core.logging import get_logger
from app.schemas.errors import ErrorResponse

logger = get_logger(__name__)

# Room on the wire beyond MAX_REQUEST_HEADER_BYTES: the request line (a long URL) and
# the ": " and line breaks around each header field.
HEAD_SLACK_BYTES = 16 * 1024

_HEAD_TOO_LARGE_BODY = (
    ErrorResponse(
        error=HeadersTooLargeError.error_code, message=HeadersTooLargeError.default_message
    )
    .model_dump_json()
    .encode()
)


class UvicornOptions(TypedDict):
    http: type[asyncio.Protocol]
    proxy_headers: bool
    forwarded_allow_ips: list[str]
    server_header: bool
    log_config: None
    access_log: bool


def uvicorn_options(settings: Settings) -> UvicornOptions:
    """uvicorn's keyword arguments for serving the app, wherever it is started."""
    return {
        "http": BoundedHttpToolsProtocol,
        # X-Forwarded-For and -Proto are believed from the configured proxies only.
        "proxy_headers": bool(settings.FORWARDED_ALLOW_IPS),
        "forwarded_allow_ips": settings.FORWARDED_ALLOW_IPS,
        "server_header": False,
        # The app's own logging: its handlers, and one access line per request.
        "log_config": None,
        "access_log": False,
    }


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head longer than the limit.

    httptools keeps a request's header fields in memory, copying them again with every
    packet, until the head is complete: without a bound, one client sending an endless
    header would fill the memory and keep the event loop from everyone else. The limit
    is MAX_REQUEST_HEADER_BYTES plus HEAD_SLACK_BYTES, counted on the wire from the
    start of each request (keep-alive and pipelined requests each get their own count)
    to the end of its head. Past it the client gets 431, after the responses it is still
    owed, and the connection is closed. A request that starts in the middle of a packet,
    behind a pipelined one, is counted from the next packet on.

    A chunked body's framing (chunk sizes, and trailer fields, which httptools keeps like
    header fields) is bounded by the same limit: past it the connection is closed.
    """

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # Read here, in the serving process: uvicorn passes this class to the processes it
        # spawns (workers, reload) by name.
        self.head_limit = get_settings().MAX_REQUEST_HEADER_BYTES + HEAD_SLACK_BYTES
        self.head_bytes = 0  # of the head being read
        self.framing_bytes = 0  # of the body being read, beyond the body itself
        self.reading_head = True
        self.head_refused = False

    def data_received(self, data: bytes) -> None:
        if self.head_refused:
            return  # the 431 is on its way
        if not self.reading_head:
            self.framing_bytes += len(data)  # less the body, by on_body
            super().data_received(data)
            if not self.reading_head and self.framing_bytes > self.head_limit:
                self._cut_off_framing()
            return
        budget = self.head_limit - self.head_bytes
        if len(data) <= budget:
            self.head_bytes += len(data)
            super().data_received(data)
            return
        # The head must end within the budget: feed that much, then the rest only if it did.
        self.head_bytes = self.head_limit
        super().data_received(data[:budget])
        if self.transport.is_closing() or self.transport.get_protocol() is not self:
            return  # refused as malformed by uvicorn, or upgraded to a WebSocket
        if self.reading_head and self.head_bytes == self.head_limit:
            self._refuse_head()
        else:
            self.data_received(data[budget:])

    def on_headers_complete(self) -> None:
        self.reading_head = False
        self.head_bytes = 0
        self.framing_bytes = 0
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self.framing_bytes -= len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self.reading_head = True
        super().on_message_complete()

    def _cut_off_framing(self) -> None:
        self.head_refused = True
        client = self.client[0] if self.client else None
        logger.warning("request_framing_too_large", client=client, limit_bytes=self.head_limit)
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.head_refused and self.cycle.response_complete:
            self._send_head_too_large()

    def _refuse_head(self) -> None:
        self.head_refused = True
        self.flow.pause_reading()
        client = self.client[0] if self.client else None
        logger.warning("request_head_too_large", client=client, limit_bytes=self.head_limit)
        if self.cycle is None or self.cycle.response_complete:
            self._send_head_too_large()
        # Otherwise once the responses to the requests before it are sent.

    def _send_head_too_large(self) -> None:
        if self.transport.is_closing():
            return
        body = _HEAD_TOO_LARGE_BODY
        content = [STATUS_LINE[431]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"x-content-type-options: nosniff\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
