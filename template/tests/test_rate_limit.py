"""Rate limits on login, register and refresh, in memory and in Redis."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import get_db
from app.core.config import Settings
from app.core.rate_limit import RateLimiter
from app.main import create_app
from tests.conftest import UserFactory, tokens_for

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture(params=["memory", "redis"])
async def limited_app(
    request: pytest.FixtureRequest, settings: Settings, db_session: AsyncSession
) -> AsyncIterator[FastAPI]:
    """The app with tight limits: 2 attempts per account, 3 per IP, per second."""
    limited = settings.model_copy(
        update={
            "RATE_LIMIT_PER_ACCOUNT": "2/second",
            "RATE_LIMIT_PER_IP": "3/second",
            "REDIS_URL": REDIS_URL if request.param == "redis" else None,
            # Keys of this test only, so runs and tests never share counters.
            "SERVICE_NAME": f"test-{uuid.uuid4().hex[:8]}",
        }
    )
    application = create_app(limited)

    async def _test_session() -> AsyncIterator[AsyncSession]:
        yield db_session

    application.dependency_overrides[get_db] = _test_session
    async with LifespanManager(application):
        limiter: RateLimiter = application.state.rate_limiter
        if request.param == "redis":
            try:
                await limiter.storage.check()
            except Exception as error:
                pytest.fail(f"Redis is not usable at {REDIS_URL} ({error}); start redis-server")
            assert await limiter.storage.check(), f"Redis does not answer at {REDIS_URL}"
        yield application
        await limiter.reset()


def client_from(app: FastAPI, ip: str) -> AsyncClient:
    return AsyncClient(
        transport=ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver"
    )


async def attempt_login(client: AsyncClient, account: str) -> int:
    response = await client.post(
        "/api/v1/auth/login", data={"username": account, "password": "wrong-password-1"}
    )
    return response.status_code


async def test_storage_follows_redis_url(limited_app: FastAPI) -> None:
    limiter: RateLimiter = limited_app.state.rate_limiter
    expected = "RedisStorage" if limited_app.state.settings.REDIS_URL else "MemoryStorage"

    assert type(limiter.storage).__name__ == expected


async def test_per_account_limit_answers_429_with_retry_after(limited_app: FastAPI) -> None:
    async with (
        client_from(limited_app, "10.0.0.1") as one,
        client_from(limited_app, "10.0.0.2") as two,
    ):
        statuses = [await attempt_login(one, "ada"), await attempt_login(two, "ada")]
        response = await two.post(
            "/api/v1/auth/login", data={"username": "ADA", "password": "wrong-password-1"}
        )

    assert statuses == [401, 401]
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 2
    assert response.json() == {
        "error": "RATE_LIMITED",
        "message": "Too many requests; try again later.",
        "details": {"retry_after": int(response.headers["Retry-After"])},
    }


async def test_per_ip_limit_spans_accounts(limited_app: FastAPI) -> None:
    async with client_from(limited_app, "10.0.0.3") as client:
        statuses = [await attempt_login(client, f"user{n}") for n in range(4)]

    assert statuses == [401, 401, 401, 429]


async def test_limit_resets_when_the_window_passes(limited_app: FastAPI) -> None:
    async with client_from(limited_app, "10.0.0.4") as client:
        before = [await attempt_login(client, "grace") for _ in range(3)]
        await asyncio.sleep(1.1)
        after = await attempt_login(client, "grace")

    assert before == [401, 401, 429]
    assert after == 401


async def test_register_is_limited_per_email(limited_app: FastAPI) -> None:
    payload = {"email": "x@example.com", "username": "xavier", "password": "a-good-one-42"}
    async with client_from(limited_app, "10.0.0.5") as client:
        statuses = [
            (await client.post("/api/v1/auth/register", json=payload)).status_code for _ in range(3)
        ]

    assert statuses == [201, 409, 429]


async def test_refresh_is_limited_per_account(limited_app: FastAPI, make_user: UserFactory) -> None:
    user = await make_user()
    async with client_from(limited_app, "10.0.0.6") as client:
        tokens = await tokens_for(client, user)
        statuses = [
            (
                await client.post(
                    "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
                )
            ).status_code
            for _ in range(3)
        ]

    assert statuses == [200, 401, 429]
