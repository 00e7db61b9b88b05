"""No log line, SQL included, ever carries a password, a token or a hash."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.logging import configure_logging
from app.models import RefreshToken, User
from tests.auth.conftest import bearer, login

NEW_USER = {"email": "logs@example.com", "username": "logs", "password": "log-me-not-77"}
NEW_PASSWORD = "new-secret-pass-9"


@pytest.fixture
def verbose_logs(settings: Settings) -> Iterator[io.StringIO]:
    """Every record, SQL included, from before the test's connection is opened."""
    stream = io.StringIO()
    verbose = {"LOG_JSON": True, "LOG_LEVEL": "DEBUG", "DB_LOG_SQL": True}
    configure_logging(settings.model_copy(update=verbose), stream=stream)
    yield stream
    configure_logging(settings)


async def test_auth_flow_logs_no_secret(
    verbose_logs: io.StringIO, client: AsyncClient, db_session: AsyncSession
) -> None:
    await client.post("/api/v1/auth/register", json=NEW_USER)
    tokens = (await login(client, NEW_USER["email"], NEW_USER["password"])).json()
    await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    await client.patch(
        "/api/v1/users/me",
        headers={**bearer(refreshed.json()["access_token"]), "Cookie": "session=cookie-secret-1"},
        json={"password": NEW_PASSWORD, "current_password": NEW_USER["password"]},
    )
    await client.post("/api/v1/auth/logout", json=refreshed.json())

    user = await db_session.scalar(select(User).where(User.username == "logs"))
    assert user is not None
    digests = (await db_session.scalars(select(RefreshToken.token_hash))).all()
    output = verbose_logs.getvalue()
    assert "sqlalchemy.engine" in output  # SQL was logged, its parameters were not
    secrets = [
        NEW_USER["password"],
        NEW_PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        refreshed.json()["refresh_token"],
        user.hashed_password,
        "cookie-secret-1",
        *digests,
    ]
    assert [secret for secret in secrets if secret in output] == []
