"""Liveness (no I/O) and readiness (a bounded database round trip)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.api.deps import EngineDep, SettingsDep
from app.core.exceptions import ServiceUnavailableError
from app.core.logging import get_logger
from app.schemas.errors import error_responses
from app.schemas.health import LiveResponse, ReadyResponse

logger = get_logger(__name__)
router = APIRouter(prefix="/health", tags=["health"])

ReadinessCheck = Callable[[], Awaitable[bool]]


@router.get("/live", response_model=LiveResponse)
async def live() -> LiveResponse:
    """The process is up and serving; checks nothing else."""
    return LiveResponse()


# Probes abandoned at the deadline, kept referenced until their clean-up is over.
_abandoned: set[asyncio.Task[None]] = set()


async def _probe(engine: AsyncEngine) -> None:
    # AUTOCOMMIT: a round trip that waits for no other transaction.
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("SELECT 1"))


@router.get(
    "/ready",
    response_model=ReadyResponse,
    response_model_exclude_none=True,
    responses=error_responses(503),
)
async def ready(request: Request, engine: EngineDep, settings: SettingsDep) -> ReadyResponse:
    """The service can do its work: the database, and every other dependency it was
    configured with (Redis for rate limits), answers within the health timeout.

    The answer comes at the deadline even when the database is unreachable: the probe is
    cancelled without waiting for its clean-up (returning a stalled connection can itself
    take the statement timeout).
    """
    probe = asyncio.ensure_future(_probe(engine))
    done, _ = await asyncio.wait({probe}, timeout=settings.HEALTH_CHECK_TIMEOUT)
    error = probe.exception() if probe in done else TimeoutError()
    if probe not in done:
        probe.cancel()
        _abandoned.add(probe)
        probe.add_done_callback(_abandoned.discard)
    if error is not None:
        logger.warning("readiness_failed", error=type(error).__name__)
        raise ServiceUnavailableError(
            "The database is not reachable.", details={"database": "unreachable"}
        ) from error
    checks: dict[str, ReadinessCheck] = getattr(request.app.state, "readiness_checks", {})
    for name, check in checks.items():
        if not await _answers(check, settings.HEALTH_CHECK_TIMEOUT):
            logger.warning("readiness_failed", dependency=name)
            raise ServiceUnavailableError(
                f"The {name} server is not reachable.", details={name: "unreachable"}
            )
    return ReadyResponse.model_validate(dict.fromkeys(checks, "ok"))


async def _answers(check: ReadinessCheck, seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            return await check()
    except TimeoutError:
        return False
