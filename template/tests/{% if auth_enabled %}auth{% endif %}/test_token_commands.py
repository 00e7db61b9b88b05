"""The commands that look after sessions: purge-tokens, and serve's refusal of several
workers without a shared JWT secret."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.cli import cli
from app.core.security import hash_token
from app.models import RefreshToken, User

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("service_environment", "rows_removed_afterwards")


async def tokens_expiring(database_url: str, *ends: datetime) -> list[str]:
    """Committed refresh tokens of a new user, one per end; their hashes."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    hashes = [hash_token(uuid.uuid4().hex) for _ in ends]
    try:
        async with engine.begin() as connection:
            name = f"purge{uuid.uuid4().hex[:8]}"
            user_id = await connection.scalar(
                insert(User)
                .values(email=f"{name}@example.com", username=name, hashed_password="x")
                .returning(User.id)
            )
            for token_hash, expires_at in zip(hashes, ends, strict=True):
                await connection.execute(
                    insert(RefreshToken).values(
                        user_id=user_id,
                        family_id=uuid.uuid4(),
                        token_hash=token_hash,
                        expires_at=expires_at,
                    )
                )
    finally:
        await engine.dispose()
    return hashes


async def stored_hashes(database_url: str) -> set[str]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return set(await connection.scalars(select(RefreshToken.token_hash)))
    finally:
        await engine.dispose()


def test_purge_tokens_deletes_only_expired_ones(database_url: str) -> None:
    now = datetime.now(UTC)
    expired, live = asyncio.run(
        tokens_expiring(database_url, now - timedelta(hours=1), now + timedelta(days=1))
    )

    result = runner.invoke(cli, ["purge-tokens"])

    assert result.exit_code == 0, result.output
    assert "expired refresh tokens" in result.output
    remaining = asyncio.run(stored_hashes(database_url))
    assert live in remaining
    assert expired not in remaining


def test_purge_tokens_reports_an_unreachable_database(unreachable_database_url: str) -> None:
    result = runner.invoke(cli, ["purge-tokens"], env={"DATABASE_URL": unreachable_database_url})

    assert result.exit_code == 1
    assert "Cannot reach the database" in result.output


def test_serve_refuses_several_workers_without_a_jwt_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # away from the project's .env
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.delenv("JWT_SECRET")

    # An address nothing can bind: were the check missing, serve would fail there
    # instead of serving until the test run is killed.
    result = runner.invoke(cli, ["serve", "--workers", "2", "--host", "256.0.0.1"])

    assert result.exit_code == 2
    assert "JWT_SECRET is not set" in result.output
