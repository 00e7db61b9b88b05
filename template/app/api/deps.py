"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.exceptions import ForbiddenError, UnauthorizedError
from app.core.rate_limit import RateLimiter
from app.core.security import TokenClaims, decode_token
from app.models import User
from app.services.auth import user_for_access_token


def get_settings_dep(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


def get_engine(request: Request) -> AsyncEngine:
    return cast(AsyncEngine, request.app.state.engine)


async def get_db(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: rolled back if the request fails, always closed."""
    factory = cast(async_sessionmaker[AsyncSession], request.app.state.session_factory)
    async with factory() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[AsyncEngine, Depends(get_engine)]
SessionDep = Annotated[AsyncSession, Depends(get_db)]


# --- Authentication -------------------------------------------------------------------

# auto_error=False: a missing token is reported with the standard error body, and the
# Swagger UI "Authorize" button still knows where to log in.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/login", auto_error=False)


def get_rate_limiter(request: Request) -> RateLimiter:
    return cast(RateLimiter, request.app.state.rate_limiter)


async def get_token_claims(
    settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> TokenClaims:
    if not token or not token.strip():
        raise UnauthorizedError("A bearer token is required.")
    return decode_token(settings, token, "access")


TokenClaimsDep = Annotated[TokenClaims, Depends(get_token_claims)]


async def get_current_user(session: SessionDep, claims: TokenClaimsDep) -> User:
    return await user_for_access_token(session, claims)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_current_superuser(user: CurrentUser) -> User:
    if not user.is_superuser:
        raise ForbiddenError("Administrator rights are required.")
    return user


CurrentSuperuser = Annotated[User, Depends(get_current_superuser)]
RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
