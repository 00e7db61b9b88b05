"""FastAPI dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings


# Dependencies are `async def` even without awaiting: FastAPI runs a plain `def` one in
# its thread pool, a thread hand-off on every request.
async def get_settings_dep(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_engine(request: Request) -> AsyncEngine:
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
# scope="function": the session is closed (its transaction ended) before the response is
# sent, so a database that fails at that moment still gets its 503, not a cut connection.
SessionDep = Annotated[AsyncSession, Depends(get_db, scope="function")]
