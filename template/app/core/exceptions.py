"""Every error the service answers; `handlers.py` turns each into the error body."""

from __future__ import annotations

from typing import Any

from pydantic_core import ErrorDetails
from starlette.exceptions import HTTPException


class AppException(HTTPException):
    """Base class: an HTTP status, a stable error code and a message safe to show.

    An `HTTPException`, so FastAPI lets it through where it turns any other exception
    into a 400 (while reading a request body).
    """

    status_code = 500
    error_code = "INTERNAL_SERVER_ERROR"
    default_message = "An unexpected error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.status_code, detail=self.message, headers=headers)

    def __str__(self) -> str:
        return self.message


class InvalidRequestError(AppException):
    status_code = 422
    error_code = "VALIDATION_ERROR"
    default_message = "The request is not valid."


class ResourceNotFoundError(AppException):
    status_code = 404
    error_code = "NOT_FOUND"
    default_message = "The resource was not found."


class UnauthorizedError(AppException):
    status_code = 401
    error_code = "UNAUTHORIZED"
    default_message = "Authentication is required."

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        super().__init__(message, details=details, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(AppException):
    status_code = 403
    error_code = "FORBIDDEN"
    default_message = "You do not have permission to do this."


class ConflictError(AppException):
    status_code = 409
    error_code = "CONFLICT"
    default_message = "The request conflicts with the current state of the resource."


class ContentTooLargeError(AppException):
    status_code = 413
    error_code = "CONTENT_TOO_LARGE"
    default_message = "The request body is too large."


class HeadersTooLargeError(AppException):
    status_code = 431
    error_code = "REQUEST_HEADER_FIELDS_TOO_LARGE"
    default_message = "The request headers are too large."


class DatabaseError(AppException):
    status_code = 500
    error_code = "DATABASE_ERROR"
    default_message = "A database error occurred."


class ServiceUnavailableError(AppException):
    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"
    default_message = "The service is temporarily unavailable; try again shortly."


class DatabaseUnavailableError(ServiceUnavailableError):
    default_message = "The database is unreachable; try again shortly."


def validation_message(problem: ErrorDetails) -> str:
    """pydantic's message for one invalid value, without its "Value error, " prefix."""
    return problem["msg"].removeprefix("Value error, ")
