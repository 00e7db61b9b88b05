"""Test fixtures: a throw-away database per run, one rolled-back transaction per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from app.api.deps import get_db
from app.core.config import Settings, get_settings
from app.db import migrations
from app.db.session import create_engine
from app.main import create_app
from app.models import Base
from tests import environment
from tests.databases import create_database, drop_database
from tests.databases import unreachable_database_url as unreachable_database_url_of_this_backend


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this run, migrated to head, dropped afterwards."""
    url = asyncio.run(create_database())
    try:
        migrations.upgrade("head", database_url=url)
        yield url
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture
def unreachable_database_url() -> str:
    return unreachable_database_url_of_this_backend()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    values: dict[str, Any] = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
        **environment.SETTINGS,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def db_session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session whose commits become savepoints of the test's outer transaction."""
    async with AsyncSession(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    ) as session:
        yield session


@asynccontextmanager
async def running_app(settings: Settings, session: AsyncSession) -> AsyncIterator[FastAPI]:
    """The app made with `settings`, started; every request uses `session`."""
    application = create_app(settings)

    async def _test_session() -> AsyncIterator[AsyncSession]:
        yield session

    application.dependency_overrides[get_db] = _test_session
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def app(settings: Settings, db_session: AsyncSession) -> AsyncIterator[FastAPI]:
    async with running_app(settings, db_session) as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(autouse=True)
def settings_read_afresh() -> Iterator[None]:
    """Code under test that calls `get_settings()` sees the environment the test sets."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def process_environment(database_url: str) -> dict[str, str]:
    """The environment a service process started by a test runs with."""
    return {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "LOG_JSON": "true",
        "LOG_LEVEL": "INFO",
        **environment.PROCESS_SETTINGS,
    }


@pytest.fixture
def service_environment(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """The environment of a deployed service, for commands that read their own settings."""
    variables = {"ENVIRONMENT": "test", "DATABASE_URL": database_url, **environment.SETTINGS}
    for name, value in variables.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def rows_removed_afterwards(database_url: str) -> Iterator[None]:
    """For tests whose commands or servers commit rows outside the test's transaction."""
    yield
    asyncio.run(_delete_every_row(database_url))


async def _delete_every_row(database_url: str) -> None:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
    finally:
        await engine.dispose()
