"""Users and tokens for the authentication tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from httpx import AsyncClient, Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.security import password_hash
from app.models import User

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
