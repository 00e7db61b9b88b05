"""Users as the API reads and writes them (the password hash never leaves the server)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from app.core.security import MAX_PASSWORD_BYTES, password_problems


def _strong_password(password: str) -> str:
    problems = password_problems(password)
    if problems:
        raise ValueError("password " + ", ".join(problems))
    return password


Password = Annotated[
    str,
    Field(min_length=1, max_length=MAX_PASSWORD_BYTES, examples=["correct-horse-42"]),
    AfterValidator(_strong_password),
]
Username = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_.-]{3,50}$"),
    Field(description="3 to 50 letters, digits, '.', '_' or '-'.", examples=["ada"]),
]
Email = Annotated[EmailStr, AfterValidator(str.lower)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    username: Username
    password: Password


class UserUpdateMe(BaseModel):
    """Profile changes; a new password needs the current one."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    username: Username | None = None
    password: Password | None = None
    current_password: str | None = Field(default=None, max_length=MAX_PASSWORD_BYTES)


class UserUpdateAdmin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    username: Username | None = None
    password: Password | None = None
    is_active: bool | None = None
    is_superuser: bool | None = None


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    email: str
    username: str
    is_active: bool
    is_superuser: bool
    created_at: datetime
    updated_at: datetime


class UserPage(BaseModel):
    items: list[UserRead]
    total: int
    limit: int
    offset: int
