"""Database: engine configuration, the request-scoped session, outages and isolation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.pool import QueuePool

from app.api.deps import SessionDep
from app.core.config import Settings
from app.db.session import create_engine
from app.main import create_app


def add_probe_routes(app: FastAPI) -> None:
    @app.get("/probe/session")
    async def session_id(session: SessionDep) -> dict[str, int]:
        await session.execute(text("SELECT 1"))
        return {"session": id(session)}

    @app.post("/probe/fail-after-write")
    async def fail_after_write(session: SessionDep) -> None:
        await session.execute(text("CREATE TABLE IF NOT EXISTS probe_rows (value text)"))
        await session.commit()
        await session.execute(text("INSERT INTO probe_rows VALUES ('uncommitted')"))
        raise RuntimeError("fails before committing")


@pytest.fixture
async def real_app(settings: Settings) -> AsyncIterator[FastAPI]:
    """The app with its own engine and the real `get_db` (no test transaction)."""
    application = create_app(settings)
    add_probe_routes(application)
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def real_client(real_app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=real_app, raise_app_exceptions=False)
    async with AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def test_engine_pool_follows_the_settings(settings: Settings) -> None:
    engine = create_engine(
        settings.model_copy(
            update={
                "DB_POOL_SIZE": 12,
                "DB_MAX_OVERFLOW": 3,
                "DB_POOL_TIMEOUT": 4,
                "DB_POOL_PRE_PING": True,
            }
        )
    )

    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.size() == 12
    assert pool._max_overflow == 3
    assert pool._timeout == 4
    assert pool._pre_ping is True
    assert not engine.echo


async def test_each_request_gets_its_own_session(real_client: AsyncClient) -> None:
    first = (await real_client.get("/probe/session")).json()
    second = (await real_client.get("/probe/session")).json()

    assert first["session"] != second["session"]


async def test_session_is_closed_and_connection_returned_after_the_request(
    real_app: FastAPI, real_client: AsyncClient
) -> None:
    engine: AsyncEngine = real_app.state.engine

    await real_client.get("/probe/session")

    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_failed_request_rolls_back_its_writes(
    real_app: FastAPI, real_client: AsyncClient
) -> None:
    response = await real_client.post("/probe/fail-after-write")

    assert response.status_code == 500
    engine: AsyncEngine = real_app.state.engine
    async with engine.begin() as connection:
        rows = (await connection.execute(text("SELECT value FROM probe_rows"))).all()
        await connection.execute(text("DROP TABLE probe_rows"))
    assert rows == []
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_engine_is_disposed_on_shutdown(settings: Settings) -> None:
    application = create_app(settings)
    async with LifespanManager(application):
        engine: AsyncEngine = application.state.engine
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        assert engine.pool.checkedin() == 1  # type: ignore[attr-defined]

    assert engine.pool.checkedin() == 0  # type: ignore[attr-defined]


async def test_unreachable_database_answers_503_without_a_stack_trace(
    settings: Settings, unreachable_database_url: str
) -> None:
    down = settings.model_copy(update={"DATABASE_URL": unreachable_database_url})
    application = create_app(down)
    add_probe_routes(application)
    async with LifespanManager(application):
        transport = ASGITransport(app=application, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/probe/session")

    assert response.status_code == 503
    assert response.json() == {
        "error": "SERVICE_UNAVAILABLE",
        "message": "The database is unreachable; try again shortly.",
        "details": None,
    }


async def test_committed_rows_do_not_outlive_the_test(db_session: AsyncSession) -> None:
    await db_session.execute(text("CREATE TABLE isolation_probe (value int)"))
    await db_session.execute(text("INSERT INTO isolation_probe VALUES (1)"))
    await db_session.commit()

    assert (await db_session.execute(text("SELECT count(*) FROM isolation_probe"))).scalar() == 1


async def test_previous_test_left_nothing_behind(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        exists = await connection.run_sync(
            lambda sync_connection: inspect(sync_connection).has_table("isolation_probe")
        )

    assert exists is False
