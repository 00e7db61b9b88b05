"""Passwords (pwdlib: Argon2id, legacy bcrypt) and tokens (PyJWT)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, Literal, ParamSpec, TypeVar

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from app.core.config import Settings
from app.core.exceptions import UnauthorizedError

TokenType = Literal["access", "refresh"]
P = ParamSpec("P")
R = TypeVar("R")

# bcrypt only reads the first 72 bytes; longer passwords are refused by the schemas.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_LENGTH = 8
_COMMON_PASSWORDS = frozenset(
    {"password", "password1", "12345678", "123456789", "qwertyui", "letmein1", "iloveyou"}
)

# Argon2id (64 MiB, 3 passes) for new hashes; bcrypt hashes from older systems still
# verify and are upgraded. One lane per hash: with the default four, each hash spreads
# over every core and starves the event loop.
password_hash = PasswordHash((Argon2Hasher(parallelism=1), BcryptHasher()))

# A hash keeps a core busy for ~200 ms. Leaving one core free keeps the event loop (and
# every other request) responsive while many clients log in at once.
_HASHING_SLOTS = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) - 1))


async def _off_the_loop(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    def limited() -> R:
        with _HASHING_SLOTS:
            return function(*args, **kwargs)

    return await asyncio.to_thread(limited)


def password_problems(password: str) -> list[str]:
    """Why a password is too weak; empty when it is acceptable."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        problems.append(f"must be at most {MAX_PASSWORD_BYTES} bytes")
    if password.lower() in _COMMON_PASSWORDS:
        problems.append("is too common")
    if password.isalpha() or password.isdigit():
        problems.append("must mix letters with digits or symbols")
    return problems


async def hash_password(password: str) -> str:
    """Hash off the event loop: Argon2id takes ~100 ms of CPU."""
    return await _off_the_loop(password_hash.hash, password)


def _verify_and_update(password: str, hashed: str) -> tuple[bool, str | None]:
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        # bcrypt raises on such input and no stored password is longer: spend the
        # usual time and fail.
        _verify_against_dummy(password)
        return False, None
    try:
        return password_hash.verify_and_update(password, hashed)
    except ValueError:
        return False, None


async def verify_password(password: str, hashed: str | None) -> tuple[bool, str | None]:
    """(valid, new hash to store or None). Without a hash, spend the same time and fail.

    Verifying against a dummy hash for unknown accounts keeps the response time of
    "no such user" close to "wrong password", so timing does not reveal accounts.
    """
    if hashed is None:
        await _off_the_loop(_verify_against_dummy, password)
        return False, None
    return await _off_the_loop(_verify_and_update, password, hashed)


@cache
def _dummy_hash() -> str:
    return password_hash.hash(uuid.uuid4().hex)


def _verify_against_dummy(password: str) -> None:
    password_hash.verify(password, _dummy_hash())


def hash_token(token: str) -> str:
    """Refresh tokens are stored as SHA-256 digests: a database leak yields no tokens."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    family_id: uuid.UUID
    token_type: TokenType
    jti: str
    issued_at: datetime
    expires_at: datetime


def create_token(
    settings: Settings, user_id: int, family_id: uuid.UUID, token_type: TokenType
) -> IssuedToken:
    now = datetime.now(UTC)
    lifetime = (
        timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
        if token_type == "access"  # noqa: S105 - a token kind, not a password
        else timedelta(days=settings.REFRESH_TOKEN_EXPIRE_DAYS)
    )
    jti = uuid.uuid4().hex
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "sid": str(family_id),
        "type": token_type,
        "jti": jti,
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "iss": settings.JWT_ISSUER,
        "aud": settings.JWT_AUDIENCE,
    }
    token = jwt.encode(claims, settings.jwt_secret, algorithm=settings.JWT_ALGORITHM)
    return IssuedToken(token=token, jti=jti, expires_at=now + lifetime)


def decode_token(settings: Settings, token: str, expected_type: TokenType) -> TokenClaims:
    """Verify signature, algorithm, lifetime, issuer, audience and type, or raise 401."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret,
            algorithms=[settings.JWT_ALGORITHM],
            audience=settings.JWT_AUDIENCE,
            issuer=settings.JWT_ISSUER,
            options={"require": ["sub", "sid", "type", "jti", "iat", "exp", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise UnauthorizedError("The token has expired.") from None
    except jwt.ImmatureSignatureError:
        raise UnauthorizedError("The token is not valid yet.") from None
    except jwt.InvalidTokenError:
        raise UnauthorizedError("The token is invalid.") from None
    if claims["type"] != expected_type:
        article = "An" if expected_type == "access" else "A"
        raise UnauthorizedError(f"{article} {expected_type} token is required.")
    try:
        return TokenClaims(
            user_id=int(claims["sub"]),
            family_id=uuid.UUID(claims["sid"]),
            token_type=expected_type,
            jti=str(claims["jti"]),
            issued_at=datetime.fromtimestamp(claims["iat"], UTC),
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
    except (TypeError, ValueError):
        raise UnauthorizedError("The token is invalid.") from None
