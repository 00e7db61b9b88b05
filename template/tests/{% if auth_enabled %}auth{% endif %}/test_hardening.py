"""Findings of the security review, each reproduced against the service."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import get_db
from app.core.config import Settings
from app.core.security import hash_password, hash_token
from app.db.errors import is_unique_violation
from app.main import create_app
from app.models import RefreshToken, User
from app.services.auth import INVALID_CREDENTIALS, issue_tokens, purge_expired_refresh_tokens
from tests.auth.conftest import TEST_PASSWORD, UserFactory, bearer, login, tokens_for


@pytest.mark.parametrize(
    "username",
    ["ada\x00", "ada\x00' OR 1=1 --", "ada\nadmin", "\x7f", "a" * 321],
    ids=["nul", "nul-injection", "newline", "delete", "longer-than-the-column"],
)
async def test_login_name_is_validated_before_any_query(client: AsyncClient, username: str) -> None:
    response = await client.post(
        "/api/v1/auth/login", data={"username": username, "password": TEST_PASSWORD}
    )

    assert response.status_code == 422
    assert response.json()["error"] == "VALIDATION_ERROR"
    assert [detail["field"] for detail in response.json()["details"]] == ["body.username"]


async def test_login_with_the_longest_valid_name_is_a_plain_401(client: AsyncClient) -> None:
    response = await login(client, "a" * 308 + "@example.com")

    assert response.status_code == 401
    assert response.json()["message"] == INVALID_CREDENTIALS


@pytest.mark.parametrize("field", ["email", "username", "password", "current_password"])
async def test_explicit_null_in_a_profile_change_is_a_validation_error(
    client: AsyncClient, make_user: UserFactory, field: str
) -> None:
    headers = bearer((await tokens_for(client, await make_user()))["access_token"])
    body: dict[str, str | None] = {"current_password": TEST_PASSWORD, field: None}

    response = await client.patch("/api/v1/users/me", headers=headers, json=body)

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == f"body.{field}"
    assert "not null" in response.json()["details"][0]["message"]


@pytest.mark.parametrize("field", ["email", "username", "password", "is_active", "is_superuser"])
async def test_explicit_null_in_an_admin_change_is_a_validation_error(
    client: AsyncClient, make_user: UserFactory, field: str
) -> None:
    headers = bearer((await tokens_for(client, await make_user(is_superuser=True)))["access_token"])
    target = await make_user()

    response = await client.patch(f"/api/v1/users/{target.id}", headers=headers, json={field: None})

    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == f"body.{field}"


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", 5), ("username", "a\x00b"), ("password", True), ("current_password", "x" * 73)],
)
async def test_an_invalid_profile_change_names_its_field(
    client: AsyncClient, make_user: UserFactory, field: str, value: object
) -> None:
    headers = bearer((await tokens_for(client, await make_user()))["access_token"])

    response = await client.patch("/api/v1/users/me", headers=headers, json={field: value})

    assert response.status_code == 422
    assert [detail["field"] for detail in response.json()["details"]] == [f"body.{field}"]


async def test_null_is_not_offered_by_the_openapi_document(client: AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]

    for name in ("UserUpdateMe", "UserUpdateAdmin"):
        for field, schema in schemas[name]["properties"].items():
            assert "null" not in str(schema), f"{name}.{field} offers null"


async def test_only_duplicates_are_unique_violations(
    db_session: AsyncSession, make_user: UserFactory
) -> None:
    existing = await make_user()
    errors = []
    for user in (
        User(email=existing.email, username="someone-else", hashed_password="x"),
        User(email="fresh@example.com", username="fresh", hashed_password=None),
    ):
        db_session.add(user)
        with pytest.raises(IntegrityError) as error:
            await db_session.flush()
        errors.append(error.value)
        await db_session.rollback()

    assert [is_unique_violation(error) for error in errors] == [True, False]


async def test_admin_changing_their_own_password_needs_the_current_one(
    client: AsyncClient, make_user: UserFactory
) -> None:
    admin = await make_user(is_superuser=True)
    headers = bearer((await tokens_for(client, admin))["access_token"])
    url = f"/api/v1/users/{admin.id}"

    missing = await client.patch(url, headers=headers, json={"password": "taken-over-42"})
    confirmed = await client.patch(
        url,
        headers=headers,
        json={"password": "changed-by-me-42", "current_password": TEST_PASSWORD},
    )

    assert missing.status_code == 403
    assert missing.json()["details"] == {"field": "current_password"}
    assert confirmed.status_code == 200
    assert (await login(client, admin.email, "changed-by-me-42")).status_code == 200


async def test_token_responses_must_not_be_cached(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    logged_in = await login(client, user.email)
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": logged_in.json()["refresh_token"]}
    )

    for response in (logged_in, refreshed):
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


async def test_duplicate_registration_spends_a_hash_like_a_new_one(
    client: AsyncClient, make_user: UserFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = await make_user()
    hashed: list[str] = []

    async def counting_hash(password: str) -> str:
        hashed.append(password)
        return await hash_password(password)

    monkeypatch.setattr("app.services.users.hash_password", counting_hash)
    payload = {"email": existing.email, "username": "newcomer", "password": "a-good-one-42"}

    response = await client.post("/api/v1/auth/register", json=payload)

    assert response.status_code == 409
    assert hashed == ["a-good-one-42"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/users/99999999999", "/api/v1/users/0", "/api/v1/users?offset=10000000000000000000"],
)
async def test_out_of_range_integers_are_validation_errors(
    client: AsyncClient, make_user: UserFactory, path: str
) -> None:
    headers = bearer((await tokens_for(client, await make_user(is_superuser=True)))["access_token"])

    response = await client.get(path, headers=headers)

    assert response.status_code == 422
    assert response.json()["error"] == "VALIDATION_ERROR"


async def test_a_token_expiring_beyond_the_calendar_is_invalid(
    client: AsyncClient, settings: Settings, make_user: UserFactory
) -> None:
    user = await make_user()
    now = datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "sid": "7d4b1bbf-2f0e-4a43-9a4b-0d1f6c7b2a10",
        "type": "access",
        "jti": "x",
        "iat": now,
        "nbf": now,
        "exp": int((now + timedelta(days=1)).timestamp()) * 10**12,
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
    }
    token = jwt.encode(claims, settings.jwt_secret, algorithm=settings.JWT_ALGORITHM)

    response = await client.get("/api/v1/users/me", headers=bearer(token))

    assert response.status_code == 401
    assert response.json()["error"] == "UNAUTHORIZED"


async def refresh(client: AsyncClient, token: str) -> tuple[int, dict[str, str]]:
    response = await client.post("/api/v1/auth/refresh", json={"refresh_token": token})
    return response.status_code, response.json()


async def test_a_double_submitted_refresh_keeps_the_winners_new_pair(
    client: AsyncClient, make_user: UserFactory
) -> None:
    first = await tokens_for(client, await make_user())

    winner, second = await refresh(client, first["refresh_token"])
    loser, refused = await refresh(client, first["refresh_token"])
    after, _ = await refresh(client, second["refresh_token"])

    assert (winner, loser, after) == (200, 401, 200)
    assert refused["message"] == "The refresh token was just used; use the newest one."


def unverified(token: str) -> dict[str, int]:
    claims: dict[str, int] = jwt.decode(token, options={"verify_signature": False})
    return claims


async def test_refreshing_keeps_the_time_of_the_login(
    client: AsyncClient, make_user: UserFactory
) -> None:
    first = await tokens_for(client, await make_user())
    _, second = await refresh(client, first["refresh_token"])

    assert (
        unverified(second["refresh_token"])["auth_time"]
        == unverified(first["refresh_token"])["auth_time"]
    )
    assert (
        unverified(second["access_token"])["auth_time"]
        == unverified(first["access_token"])["auth_time"]
    )


async def test_no_token_outlives_its_session(
    settings: Settings, db_session: AsyncSession, make_user: UserFactory
) -> None:
    user = await make_user()
    session_ends = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    login_time = session_ends - timedelta(days=settings.SESSION_MAX_AGE_DAYS)

    tokens = await issue_tokens(db_session, settings, user, uuid.uuid4(), login_time)

    for token in (tokens.access_token, tokens.refresh_token):
        assert unverified(token)["exp"] == int(session_ends.timestamp())


async def test_a_session_older_than_its_maximum_age_cannot_be_refreshed(
    client: AsyncClient, settings: Settings, db_session: AsyncSession, make_user: UserFactory
) -> None:
    user = await make_user()
    login_time = datetime.now(UTC) - timedelta(days=settings.SESSION_MAX_AGE_DAYS, minutes=1)
    tokens = await issue_tokens(db_session, settings, user, uuid.uuid4(), login_time)

    status, body = await refresh(client, tokens.refresh_token)

    assert status == 401
    assert body["message"] == "The token has expired."


async def test_a_session_past_a_lowered_maximum_age_cannot_be_refreshed(
    settings: Settings, db_session: AsyncSession, make_user: UserFactory
) -> None:
    user = await make_user()
    login_time = datetime.now(UTC) - timedelta(days=2)
    tokens = await issue_tokens(db_session, settings, user, uuid.uuid4(), login_time)
    application = create_app(settings.model_copy(update={"SESSION_MAX_AGE_DAYS": 1}))

    async def _test_session() -> AsyncIterator[AsyncSession]:
        yield db_session

    application.dependency_overrides[get_db] = _test_session
    async with (
        LifespanManager(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://test") as client,
    ):
        status, body = await refresh(client, tokens.refresh_token)

    assert status == 401
    assert body["message"] == "The session has ended; log in again."


async def test_purging_removes_only_long_expired_refresh_tokens(
    db_session: AsyncSession, settings: Settings, make_user: UserFactory
) -> None:
    user = await make_user()
    now = datetime.now(UTC)
    # Just expired: its family's access tokens may still be alive; kept until they are not.
    for name, expires_at in (
        ("expired", now - timedelta(days=1)),
        ("just-expired", now - timedelta(minutes=5)),
        ("live", now + timedelta(days=1)),
    ):
        db_session.add(
            RefreshToken(
                user_id=user.id,
                family_id=uuid.uuid4(),
                token_hash=hash_token(f"{name}-{user.id}"),
                expires_at=expires_at,
            )
        )
    await db_session.commit()

    removed = await purge_expired_refresh_tokens(db_session, settings)

    remaining = await db_session.scalars(
        select(RefreshToken.token_hash).where(RefreshToken.user_id == user.id)
    )
    assert removed >= 1
    assert set(remaining) == {hash_token(f"just-expired-{user.id}"), hash_token(f"live-{user.id}")}
