"""The current user's profile, and user administration for superusers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import CurrentSuperuser, CurrentUser, SessionDep
from app.schemas.errors import error_responses
from app.schemas.users import UserPage, UserRead, UserUpdateAdmin, UserUpdateMe
from app.services import users

router = APIRouter(prefix="/users", tags=["users"], responses=error_responses(401))


@router.get("/me", response_model=UserRead)
async def read_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@router.patch("/me", response_model=UserRead, responses=error_responses(409))
async def update_me(changes: UserUpdateMe, user: CurrentUser, session: SessionDep) -> UserRead:
    """Change your profile; changing the password needs `current_password`."""
    return UserRead.model_validate(await users.update_user(session, user, changes))


@router.get("", response_model=UserPage, responses=error_responses(403))
async def list_users(
    _: CurrentSuperuser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    items, total = await users.list_users(session, limit=limit, offset=offset)
    return UserPage(
        items=[UserRead.model_validate(user) for user in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{user_id}", response_model=UserRead, responses=error_responses(403, 404))
async def read_user(user_id: int, _: CurrentSuperuser, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await users.get_user(session, user_id))


@router.patch("/{user_id}", response_model=UserRead, responses=error_responses(403, 404, 409))
async def update_user(
    user_id: int, changes: UserUpdateAdmin, _: CurrentSuperuser, session: SessionDep
) -> UserRead:
    user = await users.get_user(session, user_id)
    return UserRead.model_validate(await users.update_user(session, user, changes))


@router.delete(
    "/{user_id}", status_code=status.HTTP_204_NO_CONTENT, responses=error_responses(403, 404)
)
async def delete_user(user_id: int, _: CurrentSuperuser, session: SessionDep) -> None:
    await users.delete_user(session, await users.get_user(session, user_id))
