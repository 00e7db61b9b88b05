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


COMMON_ERROR_RESPONSES = error_responses(422, 500, 503)
