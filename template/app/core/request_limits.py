"""The size limits of a request: its header fields (431) and its body (413)."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope

from app.core.exceptions import ContentTooLargeError

BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def header_bytes(scope: Scope) -> int:
    return sum(len(name) + len(value) for name, value in scope["headers"])


def declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def limit_body(receive: Receive, limit: int) -> Receive:
    """`receive`, raising `ContentTooLargeError` once more than `limit` bytes arrived."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise ContentTooLargeError
        return message

    return limited
