"""Test fixtures: a throw-away PostgreSQL database per run, one transaction per test.

`TEST_DATABASE_URL` names a server and an existing database to connect to for
creating the test database (default: postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from app.api.deps import get_db
from app.core.config import Settings
from app.core.security import password_hash
from app.db import migrations
from app.db.session import create_engine
from app.main import create_app
from app.models import User

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-signing"


async def admin_execute(statement: str) -> None:
    url = make_url(ADMIN_URL).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(
        url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"timeout": 5}
    )
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    except (OSError, DBAPIError) as error:
        pytest.exit(
            f"PostgreSQL is not usable at {url!r}: {error}\n"
            "Start it (for example `sudo pg_ctlcluster 15 main start`) or point "
            "TEST_DATABASE_URL at a server where you may create databases.",
            returncode=3,
        )
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this run, migrated to head, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    asyncio.run(admin_execute(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(drivername="postgresql+asyncpg", database=name)
    rendered = url.render_as_string(hide_password=False)
    try:
        migrations.upgrade("head", database_url=rendered)
        yield rendered
    finally:
        asyncio.run(admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def unreachable_database_url() -> str:
    """A PostgreSQL URL on a local port nothing listens on: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+asyncpg://postgres@127.0.0.1:{port}/unreachable"


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,
        ENVIRONMENT="test",
        DATABASE_URL=database_url,
        JWT_SECRET=TEST_JWT_SECRET,
        LOG_LEVEL="INFO",
    )


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


@pytest.fixture
async def app(settings: Settings, db_session: AsyncSession) -> AsyncIterator[FastAPI]:
    application = create_app(settings)

    async def _test_session() -> AsyncIterator[AsyncSession]:
        yield db_session

    application.dependency_overrides[get_db] = _test_session
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# --- Users and tokens -------------------------------------------------------------------

TEST_PASSWORD = "correct-horse-42"


@pytest.fixture(scope="session")
def test_password_hash() -> str:
    """Hashed once: Argon2id is deliberately slow."""
    return password_hash.hash(TEST_PASSWORD)


@dataclass
class UserFactory:
    session: AsyncSession
    password_hash: str
    count: int = 0

    async def __call__(self, *, is_superuser: bool = False, is_active: bool = True) -> User:
        self.count += 1
        user = User(
            email=f"user{self.count}@example.com",
            username=f"user{self.count}",
            hashed_password=self.password_hash,
            is_superuser=is_superuser,
            is_active=is_active,
        )
        self.session.add(user)
        await self.session.commit()
        return user


@pytest.fixture
def make_user(db_session: AsyncSession, test_password_hash: str) -> UserFactory:
    return UserFactory(db_session, test_password_hash)


async def login(client: AsyncClient, username: str, password: str = TEST_PASSWORD) -> Response:
    return await client.post(
        "/api/v1/auth/login", data={"username": username, "password": password}
    )


async def tokens_for(client: AsyncClient, user: User) -> dict[str, str]:
    response = await login(client, user.email)
    assert response.status_code == 200, response.text
    tokens: dict[str, str] = response.json()
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
