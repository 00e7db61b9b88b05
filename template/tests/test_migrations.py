"""Alembic: an empty database upgrades to head and matches the models exactly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from app.db import migrations
from app.models import Base
from tests.databases import create_database, drop_database


@pytest.fixture
async def empty_database_url() -> AsyncIterator[str]:
    url = await create_database()
    try:
        yield url
    finally:
        await drop_database(url)


async def upgrade(url: str, revision: str = "head") -> None:
    # Alembic's env.py runs its own event loop: keep it off this one.
    await asyncio.to_thread(migrations.upgrade, revision, url)


async def current_revision(url: str) -> str | None:
    engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(migrations.alembic_config()).get_current_head()


async def test_empty_database_upgrades_to_head(empty_database_url: str) -> None:
    await upgrade(empty_database_url)

    assert await current_revision(empty_database_url) == head_revision()


async def test_models_and_migrations_do_not_drift(empty_database_url: str) -> None:
    await upgrade(empty_database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()


async def test_downgrade_to_base_removes_every_table(empty_database_url: str) -> None:
    await upgrade(empty_database_url)
    await asyncio.to_thread(migrations.downgrade, "base", empty_database_url)

    engine = create_async_engine(empty_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(
                lambda sync_connection: inspect(sync_connection).get_table_names()
            )
            assert tables == ["alembic_version"]
    finally:
        await engine.dispose()
    assert await current_revision(empty_database_url) is None


def test_offline_mode_renders_sql(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    command.upgrade(migrations.alembic_config(database_url), "head", sql=True)

    assert "alembic_version" in capsys.readouterr().out
