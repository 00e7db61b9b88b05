"""The async engine and the session factory, built from the settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from app.core.config import Settings
from app.core.exceptions import ServiceUnavailableError


class DatabaseUnavailableError(ServiceUnavailableError):
    default_message = "The database is unreachable; try again shortly."


def create_engine(settings: Settings) -> AsyncEngine:
    """An engine whose pool holds the expected concurrency without churning connections."""
    engine = create_async_engine(
        settings.DATABASE_URL,
        pool_size=settings.DB_POOL_SIZE,
        max_overflow=settings.DB_MAX_OVERFLOW,
        pool_timeout=settings.DB_POOL_TIMEOUT,
        pool_recycle=settings.DB_POOL_RECYCLE,
        pool_pre_ping=settings.DB_POOL_PRE_PING,
        connect_args={
            "timeout": settings.DB_CONNECT_TIMEOUT,
            "command_timeout": settings.DB_COMMAND_TIMEOUT,
            "server_settings": {"application_name": settings.SERVICE_NAME},
        },
    )
    event.listen(engine.sync_engine, "do_connect", _connect_or_unavailable)
    return engine


def _connect_or_unavailable(
    dialect: Dialect,
    connection_record: ConnectionPoolEntry,
    cargs: tuple[Any, ...],
    cparams: dict[str, Any],
) -> Any:
    """Report a failed connection attempt as the database being unavailable (503).

    The driver raises plain `OSError`/`TimeoutError` (refused, unreachable, timed out)
    or its own errors (unknown database, bad password) that SQLAlchemy does not wrap.
    """
    try:
        return dialect.connect(*cargs, **cparams)
    except Exception as error:
        raise DatabaseUnavailableError(details=None) from error


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
