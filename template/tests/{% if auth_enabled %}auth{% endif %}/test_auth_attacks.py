"""Every way a token can be wrong gets 401 with `WWW-Authenticate: Bearer`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx import AsyncClient, Response
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.security import create_token, hash_token
from app.models import RefreshToken, User
from tests.auth.conftest import UserFactory, bearer, tokens_for


def claims_for(settings: Settings, user: User, **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "sid": str(uuid.uuid4()),
        "type": "access",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
    }
    claims.update(overrides)
    return claims


async def me(client: AsyncClient, token: str) -> Response:
    return await client.get("/api/v1/users/me", headers=bearer(token))


def assert_unauthorized(response: Response) -> None:
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["error"] == "UNAUTHORIZED"


async def test_a_correctly_signed_token_is_accepted(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    """The control case: the forged tokens below differ from this one in one way each."""
    user = await make_user()
    token = jwt.encode(claims_for(settings, user), settings.jwt_secret, algorithm="HS256")

    assert (await me(client, token)).status_code == 200


async def test_alg_none_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    token = jwt.encode(claims_for(settings, user), "", algorithm="none")

    assert_unauthorized(await me(client, token))


async def test_token_signed_with_another_key_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    token = jwt.encode(claims_for(settings, user), "another-key-" * 4, algorithm="HS256")

    assert_unauthorized(await me(client, token))


def _hs256_signed_with(key: bytes, claims: dict[str, Any]) -> str:
    """HMAC-sign by hand: PyJWT itself refuses to use a PEM key as an HMAC secret."""

    def part(data: dict[str, Any]) -> bytes:
        return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).rstrip(b"=")

    claims = {
        **claims,
        "iat": int(claims["iat"].timestamp()),
        "exp": int(claims["exp"].timestamp()),
    }
    signing_input = part({"alg": "HS256", "typ": "JWT"}) + b"." + part(claims)
    signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


async def test_rs256_token_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(claims_for(settings, user), private_key, algorithm="RS256")

    assert_unauthorized(await me(client, token))


async def test_hs256_signed_with_a_public_key_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    """RS/HS confusion: the attacker HMAC-signs with a public key, hoping it is the secret."""
    user = await make_user()
    public_pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    forged = _hs256_signed_with(public_pem, claims_for(settings, user))
    genuine = _hs256_signed_with(settings.jwt_secret.encode(), claims_for(settings, user))

    assert_unauthorized(await me(client, forged))
    assert (await me(client, genuine)).status_code == 200


async def test_expired_token_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    past = datetime.now(UTC) - timedelta(hours=1)
    token = jwt.encode(
        claims_for(settings, user, iat=past, exp=past + timedelta(minutes=5)),
        settings.jwt_secret,
        algorithm="HS256",
    )

    response = await me(client, token)

    assert_unauthorized(response)
    assert response.json()["message"] == "The token has expired."


async def test_token_not_valid_yet_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    future = datetime.now(UTC) + timedelta(hours=1)
    token = jwt.encode(
        claims_for(settings, user, nbf=future), settings.jwt_secret, algorithm="HS256"
    )

    response = await me(client, token)

    assert_unauthorized(response)
    assert response.json()["message"] == "The token is not valid yet."


@pytest.mark.parametrize(
    "overrides",
    [{"iss": "someone-else"}, {"aud": "another-api"}, {"sub": "not-a-number"}],
    ids=["issuer", "audience", "subject"],
)
async def test_token_for_another_issuer_audience_or_subject_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings, overrides: dict[str, str]
) -> None:
    user = await make_user()
    token = jwt.encode(claims_for(settings, user, **overrides), settings.jwt_secret)

    assert_unauthorized(await me(client, token))


async def test_refresh_token_cannot_be_used_as_access_token(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    tokens = await tokens_for(client, user)

    response = await me(client, tokens["refresh_token"])

    assert_unauthorized(response)
    assert response.json()["message"] == "An access token is required."


async def test_access_token_cannot_be_used_as_refresh_token(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    tokens = await tokens_for(client, user)

    response = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]}
    )

    assert_unauthorized(response)
    assert response.json()["message"] == "A refresh token is required."


async def test_tampered_payload_is_refused(client: AsyncClient, make_user: UserFactory) -> None:
    user = await make_user()
    admin = await make_user(is_superuser=True)
    header, payload, signature = (await tokens_for(client, user))["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(admin.id)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    assert_unauthorized(await me(client, f"{header}.{forged}.{signature}"))


async def test_reused_refresh_token_revokes_its_whole_family(
    client: AsyncClient, make_user: UserFactory, db_session: AsyncSession
) -> None:
    user = await make_user()
    first = await tokens_for(client, user)
    second = (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    ).json()
    # Replayed after the grace for double submits (REFRESH_TOKEN_REUSE_GRACE_SECONDS).
    await db_session.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == hash_token(first["refresh_token"]))
        .values(used_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    await db_session.commit()

    replay = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert_unauthorized(replay)

    # The thief's replay ended the session of the legitimate holder of the newer tokens too.
    newer = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert_unauthorized(newer)
    assert_unauthorized(await me(client, second["access_token"]))


async def test_other_sessions_survive_a_revoked_family(
    client: AsyncClient, make_user: UserFactory
) -> None:
    user = await make_user()
    phone = await tokens_for(client, user)
    laptop = await tokens_for(client, user)

    await client.post("/api/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})

    assert_unauthorized(await me(client, phone["access_token"]))
    assert (await me(client, laptop["access_token"])).status_code == 200


async def test_unknown_refresh_token_is_refused(
    client: AsyncClient, make_user: UserFactory, settings: Settings
) -> None:
    user = await make_user()
    token = create_token(settings, user.id, uuid.uuid4(), "refresh").token

    assert_unauthorized(await client.post("/api/v1/auth/refresh", json={"refresh_token": token}))


async def test_token_of_a_deleted_user_is_refused(
    client: AsyncClient, make_user: UserFactory, db_session: AsyncSession
) -> None:
    user = await make_user()
    tokens = await tokens_for(client, user)
    await db_session.delete(user)
    await db_session.commit()

    assert_unauthorized(await me(client, tokens["access_token"]))
    assert_unauthorized(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    )


async def test_token_of_a_deactivated_user_is_refused(
    client: AsyncClient, make_user: UserFactory, db_session: AsyncSession
) -> None:
    user = await make_user()
    tokens = await tokens_for(client, user)
    user.is_active = False
    await db_session.commit()

    assert_unauthorized(await me(client, tokens["access_token"]))
    assert_unauthorized(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    )


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Bearer %%%garbage%%%"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
    ids=["missing", "empty", "scheme-only", "blank", "garbage", "non-ascii-junk", "basic"],
)
async def test_missing_blank_or_garbage_authorization_is_refused(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    assert_unauthorized(await client.get("/api/v1/users/me", headers=headers))
