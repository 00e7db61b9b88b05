"""The application's exception hierarchy; `handlers.py` turns each into the error body."""

from __future__ import annotations

from typing import Any, ClassVar


class AppException(Exception):  # noqa: N818 - the name the codebase has always used
    """Base class: an HTTP status, a stable error code and a message safe to show."""

    status_code: ClassVar[int] = 500
    error_code: ClassVar[str] = "INTERNAL_SERVER_ERROR"
    default_message: ClassVar[str] = "An unexpected error occurred."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class ValidationError(AppException):
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


class DatabaseError(AppException):
    status_code = 500
    error_code = "DATABASE_ERROR"
    default_message = "A database error occurred."


class ServiceUnavailableError(AppException):
    status_code = 503
    error_code = "SERVICE_UNAVAILABLE"
    default_message = "The service is temporarily unavailable; try again shortly."


class RateLimitedError(AppException):
    status_code = 429
    error_code = "RATE_LIMITED"
    default_message = "Too many requests; try again later."

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            details={"retry_after": retry_after}, headers={"Retry-After": str(retry_after)}
        )
