"""Health checks: liveness without I/O, readiness bounded by a timeout."""

from __future__ import annotations

import socket

from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

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


async def test_ready_gives_up_after_the_health_timeout(settings: Settings) -> None:
    # A listening socket that never answers: the connection hangs until the timeout.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        hanging = settings.model_copy(
            update={
                "DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x",
                "HEALTH_CHECK_TIMEOUT": 0.2,
            }
        )
        application = create_app(hanging)
        async with LifespanManager(application):
            transport = ASGITransport(app=application)
            async with AsyncClient(transport=transport, base_url="http://testserver") as client:
                response = await client.get("/health/ready")

    assert response.status_code == 503
