"""Authentication end to end: register, login, use, refresh, logout."""

from __future__ import annotations

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.main import create_app
from app.models import RefreshToken, User
from tests.auth.conftest import TEST_PASSWORD, UserFactory, bearer, login, tokens_for

NEW_USER = {"email": "Ada@Example.com", "username": "ada", "password": "analytical-engine-1"}


async def test_full_flow_register_login_me_refresh_logout(client: AsyncClient) -> None:
    registered = await client.post("/api/v1/auth/register", json=NEW_USER)
    assert registered.status_code == 201
    assert registered.json()["email"] == "ada@example.com"

    tokens = (await login(client, "ada@example.com", NEW_USER["password"])).json()
    me = await client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "ada"

    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 200
    new_tokens = refreshed.json()
    assert new_tokens["refresh_token"] != tokens["refresh_token"]

    logout = await client.post(
        "/api/v1/auth/logout", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert logout.status_code == 204

    refused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": new_tokens["refresh_token"]}
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "UNAUTHORIZED"


async def test_registration_never_returns_the_password_hash(client: AsyncClient) -> None:
    response = await client.post("/api/v1/auth/register", json=NEW_USER)

    assert set(response.json()) == {
        "id",
        "email",
        "username",
        "is_active",
        "is_superuser",
        "created_at",
        "updated_at",
    }
    assert "argon2" not in response.text


async def test_registered_password_is_stored_as_argon2id(
    client: AsyncClient, db_session: AsyncSession
) -> None:
    await client.post("/api/v1/auth/register", json=NEW_USER)

    user = await db_session.scalar(select(User).where(User.username == "ada"))
    assert user is not None
    assert user.hashed_password.startswith("$argon2id$")
    assert user.is_superuser is False


async def test_duplicate_email_is_a_conflict(client: AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()

    response = await client.post(
        "/api/v1/auth/register", json={**NEW_USER, "email": user.email.upper()}
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": "CONFLICT",
        "message": "A user with this email already exists.",
        "details": {"field": "email"},
    }


async def test_duplicate_username_is_a_conflict(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()

    response = await client.post(
        "/api/v1/auth/register", json={**NEW_USER, "username": user.username}
    )

    assert response.status_code == 409
    assert response.json()["details"] == {"field": "username"}


async def test_login_accepts_the_username_too(client: AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()

    response = await login(client, user.username)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 30 * 60


async def test_wrong_password_and_unknown_account_look_the_same(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()

    wrong_password = await login(client, user.email, "not-the-password-1")
    unknown_account = await login(client, "nobody@example.com", TEST_PASSWORD)

    assert wrong_password.status_code == unknown_account.status_code == 401
    assert wrong_password.json() == unknown_account.json()
    assert wrong_password.headers["WWW-Authenticate"] == "Bearer"


async def test_inactive_user_cannot_log_in(client: AsyncClient, make_user: UserFactory) -> None:
    user = await make_user(is_active=False)

    response = await login(client, user.email)

    assert response.status_code == 401


async def test_login_stores_only_a_hash_of_the_refresh_token(
    client: AsyncClient, make_user: UserFactory, db_session: AsyncSession
) -> None:
    user = await make_user()

    tokens = await tokens_for(client, user)

    stored = (await db_session.scalars(select(RefreshToken))).all()
    assert len(stored) == 1
    assert stored[0].token_hash != tokens["refresh_token"]
    assert len(stored[0].token_hash) == 64


async def test_verify_summarises_a_valid_token(client: AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    tokens = await tokens_for(client, user)

    response = await client.get("/api/v1/auth/verify", headers=bearer(tokens["access_token"]))

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["user_id"] == user.id
    assert body["token_type"] == "access"
    assert body["expires_at"] > body["issued_at"]


async def test_openapi_offers_the_password_flow_to_swagger(client: AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()

    [scheme] = schema["components"]["securitySchemes"].values()
    assert scheme["flows"]["password"]["tokenUrl"] == "/api/v1/auth/login"


async def test_swagger_logs_in_under_the_configured_api_prefix(settings: Settings) -> None:
    application = create_app(settings.model_copy(update={"API_V1_PREFIX": "/v2"}))
    transport = ASGITransport(app=application)
    async with (
        LifespanManager(application),
        AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        schema = (await client.get("/openapi.json")).json()
        [scheme] = schema["components"]["securitySchemes"].values()
        token_url = scheme["flows"]["password"]["tokenUrl"]
        refused = await client.post(
            token_url, data={"username": "nobody@example.com", "password": TEST_PASSWORD}
        )

    assert token_url == "/v2/auth/login"
    assert refused.status_code == 401
