"""Health checks: liveness without I/O, readiness bounded by a timeout."""

from __future__ import annotations

import asyncio

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient, Response

from app.api.health import ReadinessCheck
from app.core.config import Settings
from app.main import create_app


async def test_live_answers_ok(client: AsyncClient) -> None:
    response = await client.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_the_database(client: AsyncClient) -> None:
    response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def answers() -> bool:
    return True


async def refuses() -> bool:
    return False


async def hangs() -> bool:
    await asyncio.sleep(60)
    return True


async def ready_with(settings: Settings, name: str, check: ReadinessCheck) -> Response:
    """/health/ready of an app that also checks `check` (with a 0.2 s health timeout)."""
    application = create_app(settings.model_copy(update={"HEALTH_CHECK_TIMEOUT": 0.2}))
    async with LifespanManager(application):
        application.state.readiness_checks[name] = check
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.get("/health/ready")


@pytest.mark.parametrize("check", [refuses, hangs], ids=["refuses", "hangs"])
async def test_ready_is_503_when_another_dependency_does_not_answer(
    settings: Settings, check: ReadinessCheck
) -> None:
    response = await ready_with(settings, "queue", check)

    assert response.status_code == 503
    assert response.json()["details"] == {"queue": "unreachable"}


async def test_ready_is_ok_when_every_dependency_answers(settings: Settings) -> None:
    response = await ready_with(settings, "queue", answers)

    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_is_503_when_the_database_is_down(
    settings: Settings, unreachable_database_url: str
) -> None:
    down = settings.model_copy(update={"DATABASE_URL": unreachable_database_url})
    application = create_app(down)
    async with LifespanManager(application):
        transport = ASGITransport(app=application)
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            ready = await client.get("/health/ready")
            live = await client.get("/health/live")

    assert ready.status_code == 503
    assert ready.json() == {
        "error": "SERVICE_UNAVAILABLE",
        "message": "The database is not reachable.",
        "details": {"database": "unreachable"},
    }
    assert live.status_code == 200
