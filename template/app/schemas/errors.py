"""The error body every failure returns, declared for the OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ErrorResponse(BaseModel):
    error: str = Field(examples=["NOT_FOUND"], description="Stable, machine-readable code.")
    message: str = Field(examples=["The resource was not found."])
    details: Any = Field(default=None, description="Field errors or context; may be null.")


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries declaring the error body for these status codes."""
    return {code: {"model": ErrorResponse} for code in status_codes}


# What any operation can answer: an unreadable (400), too large (413) or invalid (422)
# request, headers beyond the limit (431), an unexpected error (500), no database (503).
COMMON_ERROR_RESPONSES = error_responses(400, 413, 422, 431, 500, 503)
