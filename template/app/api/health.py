"""Liveness (no I/O) and readiness (a bounded database round trip)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from sqlalchemy import text

from app.api.deps import EngineDep, SettingsDep
from app.core.exceptions import ServiceUnavailableError
from app.core.logging import get_logger
from app.schemas.errors import error_responses
from app.schemas.health import LiveResponse, ReadyResponse

logger = get_logger(__name__)
router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LiveResponse)
async def live() -> LiveResponse:
    """The process is up and serving; checks nothing else."""
    return LiveResponse()


@router.get("/ready", response_model=ReadyResponse, responses=error_responses(503))
async def ready(engine: EngineDep, settings: SettingsDep) -> ReadyResponse:
    """The service can do its work: the database answers within the health timeout."""
    try:
        async with asyncio.timeout(settings.HEALTH_CHECK_TIMEOUT):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as error:
        logger.warning("readiness_failed", error=type(error).__name__)
        raise ServiceUnavailableError(
            "The database is not reachable.", details={"database": "unreachable"}
        ) from error
    return ReadyResponse()
