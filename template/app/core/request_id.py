"""The request id: taken from a well-formed X-Request-ID, or made up."""

from __future__ import annotations

import random
import re
from typing import Any

from starlette.types import Scope

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def request_id_of(scope: Scope) -> str | None:
    """The id the middleware gave this request (also available after it unwound)."""
    state: dict[str, Any] = scope.get("state") or {}
    request_id = state.get("request_id")
    return request_id if isinstance(request_id, str) else None


def inbound_request_id(scope: Scope) -> str | None:
    """The client's X-Request-ID, when it is one we can log safely."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            return candidate if _REQUEST_ID_PATTERN.match(candidate) else None
    return None


def new_request_id() -> str:
    """32 random hex digits, as unique as a UUID4's.

    A correlation id, not a secret: the process's own generator (reseeded in each forked
    worker) instead of a system call for fresh entropy on every request.
    """
    return f"{random.getrandbits(128):032x}"
