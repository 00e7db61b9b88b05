"""The reference the rendered service is measured against: the same work, nothing else.

Bare FastAPI, async SQLAlchemy on asyncpg, PyJWT and Argon2 (pwdlib): `/health`, an
Argon2 login against the rendered service's `users` table, and a JWT-authenticated
read of the current user. No settings layer, middleware, logging, metrics or error
handlers. Its pool is sized for the benchmark's 32 connections, as the service's is.

    DATABASE_URL=postgresql+asyncpg://... JWT_SECRET=... \\
        uvicorn benchmarks.reference_app:app --loop uvloop --http httptools
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import jwt
from fastapi import Depends, FastAPI, Form, HTTPException
from fastapi.security import OAuth2PasswordBearer
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import Boolean, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SECRET = os.environ["JWT_SECRET"]
ALGORITHM = "HS256"
# The service's hashing parameters: Argon2id with one lane (it verifies the same hashes).
PASSWORDS = PasswordHash((Argon2Hasher(parallelism=1), BcryptHasher()))


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    username: Mapped[str] = mapped_column(String(50))
    hashed_password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean)


engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=32, max_overflow=8)
sessions = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)
oauth2 = OAuth2PasswordBearer(tokenUrl="/login")


async def session() -> AsyncIterator[AsyncSession]:
    async with sessions() as db:
        yield db


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/login")
async def login(
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    db: Annotated[AsyncSession, Depends(session)],
) -> dict[str, Any]:
    user = await db.scalar(select(User).where(User.email == username.lower()))
    stored = user.hashed_password if user else None
    valid = await asyncio.to_thread(PASSWORDS.verify, password, stored) if stored else False
    if user is None or not valid or not user.is_active:
        raise HTTPException(401, "Incorrect email or password.")
    now = int(time.time())
    token = jwt.encode({"sub": str(user.id), "iat": now, "exp": now + 900}, SECRET, ALGORITHM)
    return {"access_token": token, "token_type": "bearer"}


async def current_user(
    token: Annotated[str, Depends(oauth2)], db: Annotated[AsyncSession, Depends(session)]
) -> User:
    try:
        claims = jwt.decode(token, SECRET, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.InvalidTokenError:
        raise HTTPException(401, "The token is invalid.") from None
    user = await db.get(User, int(claims["sub"]))
    if user is None or not user.is_active:
        raise HTTPException(401, "The token is no longer valid.")
    return user


@app.get("/users/me")
async def me(user: Annotated[User, Depends(current_user)]) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "username": user.username}
