"""Creating, finding, changing and deleting users."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exceptions import ConflictError, ResourceNotFoundError
from app.core.security import hash_password
from app.db.errors import is_unique_violation
from app.models import RefreshToken, User
from app.schemas.users import UserCreate, UserUpdateAdmin, UserUpdateMe


async def _ensure_unique(
    session: AsyncSession, *, email: str | None, username: str | None, exclude_id: int | None
) -> None:
    for field, value in (("email", email), ("username", username)):
        if value is None:
            continue
        query = select(User.id).where(getattr(User, field) == value)
        if exclude_id is not None:
            query = query.where(User.id != exclude_id)
        if await session.scalar(query) is not None:
            raise ConflictError(
                f"A user with this {field} already exists.", details={"field": field}
            )


async def _commit(session: AsyncSession) -> None:
    """Commit; a unique violation that raced past the checks is still a 409."""
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        if not is_unique_violation(error):
            raise
        raise ConflictError("A user with this email or username already exists.") from None


async def create_user(
    session: AsyncSession, data: UserCreate, *, is_superuser: bool = False
) -> User:
    """A new account. The password is hashed first, so that "taken" takes as long as
    "created" and the answer's timing does not tell which addresses have accounts."""
    hashed_password = await hash_password(data.password)
    await _ensure_unique(session, email=data.email, username=data.username, exclude_id=None)
    user = User(
        email=data.email,
        username=data.username,
        hashed_password=hashed_password,
        is_superuser=is_superuser,
    )
    session.add(user)
    await _commit(session)
    await session.refresh(user)
    return user


async def find_by_login(session: AsyncSession, login: str) -> User | None:
    """The user whose email or username is `login` (emails are stored lower-cased)."""
    return await session.scalar(
        select(User).where(or_(User.email == login.lower(), User.username == login))
    )


async def get_user(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise ResourceNotFoundError("No user with this id.", details={"id": user_id})
    return user


async def list_users(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[User], int]:
    total = await session.scalar(select(func.count()).select_from(User)) or 0
    users = await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))
    return list(users), total


async def revoke_all_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


async def update_user(
    session: AsyncSession, user: User, changes: UserUpdateMe | UserUpdateAdmin
) -> User:
    """Apply `changes` (a caller changing their own password confirms it first)."""
    data = changes.model_dump(exclude_unset=True, exclude={"current_password"})
    await _ensure_unique(
        session, email=data.get("email"), username=data.get("username"), exclude_id=user.id
    )
    if "password" in data:
        user.hashed_password = await hash_password(data.pop("password"))
    if "password" in changes.model_fields_set or data.get("is_active") is False:
        # A new password or a deactivation ends every existing login.
        await revoke_all_sessions(session, user.id)
    for field, value in data.items():
        setattr(user, field, value)
    await _commit(session)
    await session.refresh(user)
    return user


async def delete_user(session: AsyncSession, user: User) -> None:
    await session.delete(user)
    await session.commit()
