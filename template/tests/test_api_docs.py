"""The interactive docs and the OpenAPI document: on in development, off in production."""

from __future__ import annotations

import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient

from app.core.config import Settings
from app.main import create_app
from tests.production import PRODUCTION

DOCUMENTATION = ["/docs", "/redoc", "/openapi.json"]


async def statuses(settings: Settings) -> list[int]:
    application = create_app(settings)
    async with (
        LifespanManager(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://test") as client,
    ):
        return [(await client.get(path)).status_code for path in DOCUMENTATION]


async def test_docs_are_served_in_development(client: AsyncClient) -> None:
    assert [(await client.get(path)).status_code for path in DOCUMENTATION] == [200, 200, 200]


@pytest.mark.parametrize("environment", ["staging", "production"])
async def test_docs_are_not_served_outside_development_by_default(
    settings: Settings, environment: str
) -> None:
    deployed = settings.model_copy(update={**PRODUCTION, "ENVIRONMENT": environment})

    assert await statuses(deployed) == [404, 404, 404]


async def test_docs_can_be_enabled_in_production(settings: Settings) -> None:
    deployed = settings.model_copy(update={**PRODUCTION, "API_DOCS_ENABLED": True})

    assert await statuses(deployed) == [200, 200, 200]
