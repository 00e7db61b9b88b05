"""Logins, token pairs and refresh-token rotation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.exceptions import ForbiddenError, UnauthorizedError
from app.core.logging import get_logger
from app.core.rate_limit import RateLimiter
from app.core.security import (
    TokenClaims,
    create_token,
    decode_token,
    hash_token,
    verify_password,
)
from app.models import RefreshToken, User
from app.schemas.auth import TokenPair
from app.services.users import find_by_login

logger = get_logger(__name__)

INVALID_CREDENTIALS = "Incorrect email/username or password."


async def authenticate(
    session: AsyncSession, limiter: RateLimiter, login: str, password: str, client: str
) -> User:
    """The active user with these credentials; one answer for every kind of failure.

    The check counts against the account (its email and username are one account)
    before it runs; a spent budget answers 429 before any password is checked.
    """
    user = await find_by_login(session, login)
    account = f"user:{user.id}" if user else f"login:{login.lower()}"
    await limiter.begin_password_check(account, client)
    valid, new_hash = await verify_password(password, user.hashed_password if user else None)
    if user is None or not valid or not user.is_active:
        logger.info("login_failed")
        raise UnauthorizedError(INVALID_CREDENTIALS)
    await limiter.password_check_succeeded(account, client)
    if new_hash is not None:
        # A legacy (bcrypt) or outdated hash: store the current algorithm's hash.
        user.hashed_password = new_hash
        logger.info("password_hash_upgraded", user_id=user.id)
    return user


async def confirm_password(
    limiter: RateLimiter, user: User, password: str | None, client: str
) -> None:
    """403 unless `password` is the user's own, counted like a login's password check:
    a stolen session cannot guess its way to a password change any faster."""
    account = f"user:{user.id}"
    await limiter.begin_password_check(account, client)
    valid, _ = await verify_password(password or "", user.hashed_password)
    if not valid:
        # 403, not 401: the session is fine, the confirmation is not.
        raise ForbiddenError(
            "The current password is not correct.", details={"field": "current_password"}
        )
    await limiter.password_check_succeeded(account, client)


async def issue_tokens(
    session: AsyncSession,
    settings: Settings,
    user: User,
    family_id: uuid.UUID | None = None,
    session_started_at: datetime | None = None,
) -> TokenPair:
    """A new access + refresh pair; the refresh token is stored hashed, then committed.

    A new family (a login) starts now; a refresh continues its family's session, which
    ends SESSION_MAX_AGE_DAYS after the login however often it is refreshed.
    """
    family_id = family_id or uuid.uuid4()
    started = session_started_at or datetime.now(UTC)
    access = create_token(settings, user.id, family_id, "access", started)
    refresh = create_token(settings, user.id, family_id, "refresh", started)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=hash_token(refresh.token),
            expires_at=refresh.expires_at,
        )
    )
    await session.commit()
    return TokenPair(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60,
    )


async def _revoke_family(session: AsyncSession, family_id: uuid.UUID) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    await session.commit()


async def _stored_token(session: AsyncSession, token: str) -> RefreshToken:
    # Locked, so two concurrent refreshes with one token cannot both succeed.
    stored = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == hash_token(token)).with_for_update()
    )
    if stored is None:
        raise UnauthorizedError("The refresh token is not recognised.")
    return stored


async def rotate_refresh_token(
    session: AsyncSession,
    settings: Settings,
    limiter: RateLimiter,
    token: str,
    claims: TokenClaims,
) -> TokenPair:
    """Spend a (decoded) refresh token and issue the next pair of its family.

    A token presented a second time means it was copied: the whole family is revoked,
    ending the session of whoever holds the newer tokens too. Only a live token counts
    against its account's budget: replaying a dead one cannot lock the owner out.
    """
    stored = await _stored_token(session, token)
    if stored.revoked_at is not None:
        raise UnauthorizedError("The refresh token has been revoked.")
    await limiter.check_account("refresh", f"user:{stored.user_id}")
    if stored.used_at is not None:
        if _within_grace(stored.used_at, settings):
            # A double submit or a client's retry: the first request got the new pair.
            logger.info("refresh_token_reused_within_grace", user_id=stored.user_id)
            raise UnauthorizedError("The refresh token was just used; use the newest one.")
        logger.warning("refresh_token_reused", user_id=stored.user_id)
        await _revoke_family(session, stored.family_id)
        raise UnauthorizedError("The refresh token was already used; the session is revoked.")
    session_ends = claims.session_started_at + timedelta(days=settings.SESSION_MAX_AGE_DAYS)
    if datetime.now(UTC) >= session_ends:  # SESSION_MAX_AGE_DAYS was lowered since
        raise UnauthorizedError("The session has ended; log in again.")
    user = await session.get(User, claims.user_id)
    if user is None or not user.is_active:
        raise UnauthorizedError("The user is no longer active.")
    stored.used_at = datetime.now(UTC)
    return await issue_tokens(session, settings, user, stored.family_id, claims.session_started_at)


def _within_grace(used_at: datetime, settings: Settings) -> bool:
    """Whether a token spent at `used_at` is presented again within the reuse grace."""
    if used_at.tzinfo is None:  # SQLite keeps no time zone; the service writes UTC
        used_at = used_at.replace(tzinfo=UTC)
    grace = timedelta(seconds=settings.REFRESH_TOKEN_REUSE_GRACE_SECONDS)
    return datetime.now(UTC) - used_at <= grace


async def purge_expired_refresh_tokens(session: AsyncSession, settings: Settings) -> int:
    """Delete the refresh tokens that expired longer ago than an access token lives; how
    many. Until then a revoked family's rows still refuse its access tokens; after, an
    expired token is refused by its own lifetime."""
    access_lifetime = timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES)
    result = await session.execute(
        delete(RefreshToken).where(RefreshToken.expires_at < datetime.now(UTC) - access_lifetime)
    )
    await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_refresh_token(session: AsyncSession, settings: Settings, token: str) -> None:
    """Log out: the token's whole family stops working (refresh and access tokens)."""
    decode_token(settings, token, "refresh")
    stored = await _stored_token(session, token)
    await _revoke_family(session, stored.family_id)


# Built once: the statement and its cache key are reused by every authenticated request.
_ACTIVE_SESSION_USER = select(User).where(
    User.id == bindparam("user_id"),
    ~exists().where(
        RefreshToken.family_id == bindparam("family_id"), RefreshToken.revoked_at.is_not(None)
    ),
)


async def user_for_access_token(session: AsyncSession, claims: TokenClaims) -> User:
    """The token's user, in one query that also checks the session is not revoked."""
    user = await session.scalar(
        _ACTIVE_SESSION_USER, {"user_id": claims.user_id, "family_id": claims.family_id}
    )
    if user is None:
        raise UnauthorizedError("The token is no longer valid.")
    if not user.is_active:
        raise UnauthorizedError("The user is inactive.")
    return user
