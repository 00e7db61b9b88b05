"""What a database error means, whichever driver raised it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE
_SQLITE_UNIQUE = frozenset({"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"})


def is_unique_violation(error: IntegrityError) -> bool:
    """A duplicate value (a 409 for the client), not a NOT NULL or foreign key violation."""
    driver_error = error.orig
    # asyncpg's exception is the cause of SQLAlchemy's adapted one.
    cause = driver_error.__cause__ if driver_error is not None else None
    if getattr(cause, "sqlstate", None) == _UNIQUE_VIOLATION:
        return True
    return getattr(driver_error, "sqlite_errorname", None) in _SQLITE_UNIQUE
