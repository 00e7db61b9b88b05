"""Registration, login, token refresh and logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from app.api.deps import CurrentUser, RateLimiterDep, SessionDep, SettingsDep, TokenClaimsDep
from app.core.security import decode_token
from app.schemas.auth import RefreshRequest, TokenInfo, TokenPair
from app.schemas.errors import error_responses
from app.schemas.users import UserCreate, UserRead
from app.services import auth, users

router = APIRouter(prefix="/auth", tags=["auth"])


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post(
    "/register",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(409, 429),
)
async def register(
    data: UserCreate, request: Request, session: SessionDep, limiter: RateLimiterDep
) -> UserRead:
    """Create an account."""
    await limiter.check("register", client_ip=_client_ip(request), account=data.email)
    user = await users.create_user(session, data)
    return UserRead.model_validate(user)


@router.post("/login", response_model=TokenPair, responses=error_responses(401, 429))
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPair:
    """Exchange an email (or username) and password for an access and a refresh token."""
    await limiter.check("login", client_ip=_client_ip(request), account=form.username)
    user = await auth.authenticate(session, form.username, form.password)
    return await auth.issue_tokens(session, settings, user)


@router.post("/refresh", response_model=TokenPair, responses=error_responses(401, 429))
async def refresh(
    data: RefreshRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    limiter: RateLimiterDep,
) -> TokenPair:
    """Spend a refresh token for a new pair; each refresh token works once."""
    claims = decode_token(settings, data.refresh_token, "refresh")
    await limiter.check("refresh", client_ip=_client_ip(request), account=str(claims.user_id))
    return await auth.rotate_refresh_token(session, settings, data.refresh_token, claims)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(401))
async def logout(data: RefreshRequest, session: SessionDep, settings: SettingsDep) -> None:
    """End the session the refresh token belongs to (its access tokens stop working too)."""
    await auth.revoke_refresh_token(session, settings, data.refresh_token)


@router.get("/verify", response_model=TokenInfo, responses=error_responses(401))
async def verify(claims: TokenClaimsDep, user: CurrentUser) -> TokenInfo:
    """Check an access token and summarise its claims."""
    return TokenInfo(
        user_id=user.id,
        token_type="access",  # noqa: S106 - the token kind
        issued_at=claims.issued_at,
        expires_at=claims.expires_at,
    )
