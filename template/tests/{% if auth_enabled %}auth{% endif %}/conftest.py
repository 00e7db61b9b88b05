"""Users, tokens and rate-limited apps for the authentication tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.rate_limit import RateLimiter
from app.core.security import password_hash
from app.models import User
from tests.auth.rate_limit_storages import STORAGES
from tests.conftest import running_app

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


@pytest.fixture
def window_seconds() -> int:
    """The limits' window: far longer than any test takes, however slow the machine."""
    return 3600


@pytest.fixture(params=list(STORAGES))
def rate_limit_storage(request: pytest.FixtureRequest) -> str:
    """The name of the storage the limits count in, one of `STORAGES`."""
    name: str = request.param
    return name


@pytest.fixture
async def limited_app(
    settings: Settings, db_session: AsyncSession, window_seconds: int, rate_limit_storage: str
) -> AsyncIterator[FastAPI]:
    """The app with tight limits per window: 3 attempts per IP, 2 per account (password
    checks: 2 per account and IP, 4 per account from unknown IPs)."""
    storage_settings, _ = STORAGES[rate_limit_storage]
    limited = settings.model_copy(
        update={
            "RATE_LIMIT_PER_ACCOUNT": f"2 per {window_seconds} seconds",
            "RATE_LIMIT_PER_IP": f"3 per {window_seconds} seconds",
            "RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT": f"4 per {window_seconds} seconds",
            **storage_settings,
            # Keys of this test only, so runs and tests never share counters.
            "SERVICE_NAME": f"test-{uuid.uuid4().hex[:8]}",
        }
    )
    async with running_app(limited, db_session) as application:
        limiter: RateLimiter = application.state.rate_limiter
        try:
            answers = await limiter.storage.check()
        except Exception as error:
            pytest.fail(f"The {rate_limit_storage} rate-limit storage is not usable: {error}")
        assert answers, f"The {rate_limit_storage} rate-limit storage does not answer"
        yield application
        await limiter.reset()


def client_from(app: FastAPI, ip: str) -> AsyncClient:
    """A client of `app` whose requests come from `ip`."""
    return AsyncClient(
        transport=ASGITransport(app=app, client=(ip, 50000)), base_url="http://testserver"
    )
